/**
 * Plane credentials. An admin token (`cpa_…`) is confined to one plane's oversight routes; a
 * member token (`cpm_…`) to one member's agent, environment, vault and sessions. Like API keys,
 * only the SHA-256 of a secret is stored and the secret is shown once. A token stops working
 * when it is revoked, its member is removed, or its plane is deleted: all checked per request.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Principal } from "../auth/principal";
import type { Db } from "../db/client";
import { planeMembers, planes, planeTokens } from "../db/schema";
import { sha256Hex } from "../lib/crypto";
import { newId, randomBase62 } from "../lib/ids";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import type { PlaneAdminToken, PlaneToken } from "../schemas/planes";

export const PLANE_ADMIN_TOKEN_PREFIX = "cpa_";
export const PLANE_MEMBER_TOKEN_PREFIX = "cpm_";
const SECRET_LENGTH = 40;
const DISPLAY_PREFIX_LENGTH = 12;

/** Whether a presented credential has the shape of a plane token (else it is an API key). */
export function isPlaneToken(credential: string): boolean {
  return credential.startsWith(PLANE_ADMIN_TOKEN_PREFIX) || credential.startsWith(PLANE_MEMBER_TOKEN_PREFIX);
}

/** Mints a token; returns its secret (never stored). */
export async function mintPlaneToken(
  db: Db,
  input: { planeId: string; memberId: string | null; createdBy: string; now: number },
): Promise<{ id: string; secret: string }> {
  const kind = input.memberId ? "member" : "admin";
  const secret =
    (kind === "admin" ? PLANE_ADMIN_TOKEN_PREFIX : PLANE_MEMBER_TOKEN_PREFIX) + randomBase62(SECRET_LENGTH);
  const id = newId("planeToken");
  await db.insert(planeTokens).values({
    id,
    planeId: input.planeId,
    memberId: input.memberId,
    kind,
    tokenHash: await sha256Hex(secret),
    tokenPrefix: secret.slice(0, DISPLAY_PREFIX_LENGTH),
    createdBy: input.createdBy,
    createdAt: input.now,
    revokedAt: null,
  });
  return { id, secret };
}

/** A token just minted, with its secret: the one response that shows it. */
export function mintedTokenToWire(
  token: { id: string; secret: string },
  planeId: string,
  memberId: string | null,
  now: number,
): PlaneToken {
  return {
    type: "plane_token",
    id: token.id,
    plane_id: planeId,
    member_id: memberId,
    token: token.secret,
    created_at: toRfc3339(now),
  };
}

/** An admin token as listed: its display prefix, never a secret. */
export function adminTokenToWire(row: typeof planeTokens.$inferSelect): PlaneAdminToken {
  return {
    type: "plane_admin_token",
    id: row.id,
    plane_id: row.planeId,
    token_prefix: row.tokenPrefix,
    created_by: row.createdBy,
    created_at: toRfc3339(row.createdAt),
    revoked_at: toRfc3339OrNull(row.revokedAt),
  };
}

/** The plane's admin tokens (secrets are never stored; the display prefix tells them apart). */
export async function listAdminTokens(db: Db, planeId: string) {
  return db
    .select()
    .from(planeTokens)
    .where(and(eq(planeTokens.planeId, planeId), eq(planeTokens.kind, "admin")))
    .orderBy(planeTokens.createdAt, planeTokens.id);
}

/**
 * Revokes one admin token of the plane (idempotent: an already revoked token stays as it was).
 * Returns the row, or undefined when the plane has no admin token with that id.
 */
export async function revokeAdminToken(db: Db, planeId: string, tokenId: string, now: number) {
  const where = and(
    eq(planeTokens.id, tokenId),
    eq(planeTokens.planeId, planeId),
    eq(planeTokens.kind, "admin"),
  );
  await db
    .update(planeTokens)
    .set({ revokedAt: now })
    .where(and(where, isNull(planeTokens.revokedAt)));
  const [row] = await db.select().from(planeTokens).where(where).limit(1);
  return row;
}

/** Revokes every live token of a member (or, with `memberId` null, every token of the plane). */
export function revokeTokensQuery(db: Db, planeId: string, memberId: string | null, now: number) {
  return db
    .update(planeTokens)
    .set({ revokedAt: now })
    .where(
      and(
        eq(planeTokens.planeId, planeId),
        memberId ? eq(planeTokens.memberId, memberId) : undefined,
        isNull(planeTokens.revokedAt),
      ),
    );
}

/**
 * The principal a plane token stands for, or null when it is unknown, revoked, or belongs to
 * a removed member or deleted plane. One query: token, plane and member together.
 */
export async function principalForPlaneToken(db: Db, secret: string): Promise<Principal | null> {
  const [row] = await db
    .select({ token: planeTokens, plane: planes, member: planeMembers })
    .from(planeTokens)
    .innerJoin(planes, eq(planes.id, planeTokens.planeId))
    .leftJoin(planeMembers, eq(planeMembers.id, planeTokens.memberId))
    .where(eq(planeTokens.tokenHash, await sha256Hex(secret)))
    .limit(1);
  if (!row || row.token.revokedAt !== null || row.plane.deletedAt !== null) return null;
  if (row.token.kind === "admin") {
    return {
      kind: "plane_admin",
      id: row.token.id,
      label: `plane ${row.plane.name} admin`,
      scopes: new Set(["read", "write"]),
      constraints: { planeId: row.plane.id },
    };
  }
  const member = row.member;
  if (member?.status !== "active") return null;
  return {
    kind: "plane_member",
    // The member, not the token: audit rows and sticky conversations survive a token rotation.
    id: member.id,
    label: `plane ${row.plane.name} member ${member.name}`,
    scopes: new Set(["read", "write"]),
    constraints: {
      planeId: row.plane.id,
      memberId: member.id,
      agentId: member.agentId,
      environmentId: member.environmentId,
      vaultId: member.vaultId,
    },
  };
}
