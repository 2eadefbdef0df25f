/**
 * Plane admin tokens can be listed (prefixes only) and revoked one by one, so a leaked token or
 * a departed admin's is cut off without deleting the plane.
 */
import { describe, expect, it } from "vitest";
import { callJson } from "../helpers/api";
import { addMember, createPlane } from "../helpers/planes";

describe("plane admin tokens", () => {
  it("lists tokens without secrets and revokes one, leaving the others working", async () => {
    const plane = await createPlane();
    const first: string = plane.admin_token;
    const minted = await callJson(`/v1/planes/${plane.id}/admin_tokens`, { method: "POST" });
    expect(minted.status).toBe(201);
    const second: string = minted.body.token;

    const list = await callJson(`/v1/planes/${plane.name}/admin_tokens`, { key: first });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(2);
    expect(list.body.data[1]).toMatchObject({
      type: "plane_admin_token",
      id: minted.body.id,
      plane_id: plane.id,
      token_prefix: second.slice(0, 12),
      revoked_at: null,
    });
    expect(JSON.stringify(list.body)).not.toContain(first);
    expect(JSON.stringify(list.body)).not.toContain(second);

    const revoked = await callJson(`/v1/planes/${plane.id}/admin_tokens/${minted.body.id}/revoke`, {
      method: "POST",
      key: first,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    expect((await callJson(`/v1/planes/${plane.id}`, { key: second })).status).toBe(401);
    expect((await callJson(`/v1/planes/${plane.id}`, { key: first })).status).toBe(200);
    // Revoking again changes nothing.
    const again = await callJson(`/v1/planes/${plane.id}/admin_tokens/${minted.body.id}/revoke`, {
      method: "POST",
    });
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);

    const audit = await callJson(`/v1/audit?action=plane.admin_token.revoke&target=${minted.body.id}`);
    expect(audit.body.data).toHaveLength(2);
  });

  it("keeps other planes' admins, members and unknown ids out", async () => {
    const plane = await createPlane();
    const other = await createPlane();
    const member = await addMember(plane.id, "alice");
    const tokenId = (await callJson(`/v1/planes/${plane.id}/admin_tokens`, { key: plane.admin_token })).body
      .data[0].id;

    expect((await callJson(`/v1/planes/${plane.id}/admin_tokens`, { key: other.admin_token })).status).toBe(
      404,
    );
    const foreign = await callJson(`/v1/planes/${plane.id}/admin_tokens/${tokenId}/revoke`, {
      method: "POST",
      key: other.admin_token,
    });
    expect(foreign.status).toBe(404);
    // Another plane's admin cannot reach this plane's token through its own plane either.
    const crossed = await callJson(`/v1/planes/${other.id}/admin_tokens/${tokenId}/revoke`, {
      method: "POST",
      key: other.admin_token,
    });
    expect(crossed.status).toBe(404);
    expect((await callJson(`/v1/planes/${plane.id}`, { key: plane.admin_token })).status).toBe(200);

    expect((await callJson(`/v1/planes/${plane.id}/admin_tokens`, { key: member.token })).status).toBe(403);
    expect((await callJson(`/v1/planes/${plane.id}/admin_tokens`, { key: null })).status).toBe(401);
    const unknown = await callJson(`/v1/planes/${plane.id}/admin_tokens/pltok_nope/revoke`, {
      method: "POST",
    });
    expect(unknown.status).toBe(404);
  });
});
