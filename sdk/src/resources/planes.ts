/**
 * `client.planes`: Agents Planes (`/v1/planes`), named fleets of isolated agents, one per team
 * member; with `members`, `upgrades` (rollouts), `status` and the members' `logs`.
 *
 * Planes and members are addressed by id or by name (`acme-agents`, `alice`). An org admin
 * (admin key or an `admin`-scoped API key) manages every plane; a plane admin token (`cpa_…`)
 * only its own.
 */
import type { RequestOptions } from "../core/http.js";
import type { Page } from "../core/pagination.js";
import { EventStream, type FollowOptions } from "../core/stream.js";
import type {
  Plane,
  PlaneCreated,
  PlaneCreateParams,
  PlaneDeleted,
  PlaneListParams,
  PlaneLogEntry,
  PlaneLogListParams,
  PlaneMember,
  PlaneMemberAddParams,
  PlaneMemberCreated,
  PlaneMemberListParams,
  PlaneMemberRemoved,
  PlaneRollout,
  PlaneRolloutListParams,
  PlaneStatus,
  PlaneStatusParams,
  PlaneToken,
  PlaneUpdateParams,
  PlaneUpgradeParams,
  PlaneAdminToken,
} from "../types.js";
import { Resource, seg } from "./resource.js";

const planePath = (plane: string) => `/v1/planes/${seg(plane)}`;
const memberPath = (plane: string, member: string) => `${planePath(plane)}/members/${seg(member)}`;

/** A plane's members: each one an agent, environment and vault of their own, and a token. */
export class PlaneMembers extends Resource {
  /**
   * Adds a member: provisions their agent (from the plane's template, with `template`
   * overrides), environment and vault. The answer's `token` (`cpm_…`) is returned this once.
   */
  add(plane: string, body: PlaneMemberAddParams, options?: RequestOptions): Promise<PlaneMemberCreated> {
    return this.http.json({ method: "POST", path: `${planePath(plane)}/members`, body, options });
  }

  /** Lists the plane's members. */
  list(
    plane: string,
    params: PlaneMemberListParams = {},
    options?: RequestOptions,
  ): Promise<Page<PlaneMember>> {
    return this.paginate(`${planePath(plane)}/members`, params, options);
  }

  /** Retrieves a member by id or name. */
  retrieve(plane: string, member: string, options?: RequestOptions): Promise<PlaneMember> {
    return this.http.json({ method: "GET", path: memberPath(plane, member), options });
  }

  /**
   * Removes a member: ends their sessions (runtimes destroyed), archives their agent and
   * environment, deletes their vault's secrets and revokes their tokens. The audit stays.
   */
  remove(plane: string, member: string, options?: RequestOptions): Promise<PlaneMemberRemoved> {
    return this.http.json({ method: "DELETE", path: memberPath(plane, member), options });
  }

  /** Issues a new member token (returned this once) and revokes the old one. */
  rotateToken(plane: string, member: string, options?: RequestOptions): Promise<PlaneToken> {
    return this.http.json({ method: "POST", path: `${memberPath(plane, member)}/token`, options });
  }
}

/** Rollouts of a new template or runtime version across a plane. */
export class PlaneUpgrades extends Resource {
  /**
   * Starts a rollout: new sessions use the new version at once, idle sessions switch on their
   * next turn, a running turn finishes first.
   */
  create(plane: string, body: PlaneUpgradeParams, options?: RequestOptions): Promise<PlaneRollout> {
    return this.http.json({ method: "POST", path: `${planePath(plane)}/upgrades`, body, options });
  }

  /** Lists the plane's rollouts, newest first. */
  list(
    plane: string,
    params: PlaneRolloutListParams = {},
    options?: RequestOptions,
  ): Promise<Page<PlaneRollout>> {
    return this.paginate(`${planePath(plane)}/upgrades`, params, options);
  }

  retrieve(plane: string, rolloutId: string, options?: RequestOptions): Promise<PlaneRollout> {
    return this.http.json({ method: "GET", path: `${planePath(plane)}/upgrades/${seg(rolloutId)}`, options });
  }

  /** Makes the rollout's previous template and runtime current again (status `rolled_back`). */
  rollback(plane: string, rolloutId: string, options?: RequestOptions): Promise<PlaneRollout> {
    return this.http.json({
      method: "POST",
      path: `${planePath(plane)}/upgrades/${seg(rolloutId)}/rollback`,
      options,
    });
  }
}

export class Planes extends Resource {
  readonly members = new PlaneMembers(this.http);
  readonly upgrades = new PlaneUpgrades(this.http);

  /** Creates a plane (org admin). The answer's `admin_token` (`cpa_…`) is returned this once. */
  create(body: PlaneCreateParams, options?: RequestOptions): Promise<PlaneCreated> {
    return this.http.json({ method: "POST", path: "/v1/planes", body, options });
  }

  /** Lists planes: all of them for an org admin, its own for a plane admin. */
  list(params: PlaneListParams = {}, options?: RequestOptions): Promise<Page<Plane>> {
    return this.paginate("/v1/planes", params, options);
  }

  /** Retrieves a plane by id or name. */
  retrieve(plane: string, options?: RequestOptions): Promise<Plane> {
    return this.http.json({ method: "GET", path: planePath(plane), options });
  }

  /** Updates description, budget, instance type or metadata (the template changes by upgrade). */
  update(plane: string, body: PlaneUpdateParams, options?: RequestOptions): Promise<Plane> {
    return this.http.json({ method: "POST", path: planePath(plane), body, options });
  }

  /** Deletes a plane that has no members (else `ConflictError`, code `plane_not_empty`). */
  delete(plane: string, options?: RequestOptions): Promise<PlaneDeleted> {
    return this.http.json({ method: "DELETE", path: planePath(plane), options });
  }

  /** Mints another plane admin token (org admin); the answer's `token` is returned this once. */
  createAdminToken(plane: string, options?: RequestOptions): Promise<PlaneToken> {
    return this.http.json({ method: "POST", path: `${planePath(plane)}/admin_tokens`, options });
  }

  /** The plane's admin tokens: prefixes, creators and revocation times, never secrets. */
  listAdminTokens(
    plane: string,
    options?: RequestOptions,
  ): Promise<{ data: PlaneAdminToken[]; next_page: null }> {
    return this.http.json({ method: "GET", path: `${planePath(plane)}/admin_tokens`, options });
  }

  /** Revokes one admin token of the plane (a leaked one, or a departed admin's). */
  revokeAdminToken(plane: string, tokenId: string, options?: RequestOptions): Promise<PlaneAdminToken> {
    return this.http.json({
      method: "POST",
      path: `${planePath(plane)}/admin_tokens/${seg(tokenId)}/revoke`,
      options,
    });
  }

  /**
   * Per-member health, sessions, runtime state, last activity, versions and cost against
   * budget; the plane's totals; the running rollout's progress.
   */
  status(plane: string, params: PlaneStatusParams = {}, options?: RequestOptions): Promise<PlaneStatus> {
    return this.http.json({ method: "GET", path: `${planePath(plane)}/status`, query: params, options });
  }

  /**
   * A member's logs: the events of every session of their agent, oldest session first, secret
   * values redacted.
   */
  logs(
    plane: string,
    member: string,
    params: PlaneLogListParams = {},
    options?: RequestOptions,
  ): Promise<Page<PlaneLogEntry>> {
    return this.paginate(`${memberPath(plane, member)}/logs`, params, options);
  }

  /**
   * Follows a member's logs live: the events of their live sessions as they happen, including
   * sessions started while following (resolves once connected). Iterate with `for await`; it
   * reconnects after a drop (sending `Last-Event-ID`) and ends on `break`, `close()` or `signal`.
   */
  followLogs(
    plane: string,
    member: string,
    options: FollowOptions = {},
  ): Promise<EventStream<PlaneLogEntry>> {
    return EventStream.openTarget<PlaneLogEntry>(
      this.http,
      { path: `${memberPath(plane, member)}/logs`, query: { follow: true }, events: ["log"] },
      options,
    );
  }
}
