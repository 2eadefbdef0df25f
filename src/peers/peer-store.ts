/**
 * Tailnet peers in D1: create, read, list, delete, and the two credentials a peer involves.
 *
 * - The token WE present to the peer (outbound) is write-only: sealed under the vault keyring
 *   (AES-GCM, src/lib/sealed-secrets.ts) bound to the peer's id, opened only by the Worker at the
 *   moment it calls the peer (src/peers/outbound.ts). No response, log or event carries it.
 * - Tokens the PEER presents to us (inbound) are issued here: random, shown once, stored as
 *   SHA-256 only, revocable one by one.
 *
 * Who sees what: an org admin every peer; a plane admin the peers of its plane (read only); a
 * member only the peers it added, which serve its own agent only. A peer outside the caller's
 * view answers exactly like one that does not exist.
 */
import { and, asc, count, desc, eq, inArray, isNotNull, isNull, ne } from "drizzle-orm";
import { memberConstraints, type Principal } from "../auth/principal";
import type { Db } from "../db/client";
import { isUniqueViolation } from "../db/constraint-errors";
import { beyondCursor } from "../db/paging";
import { agents, peerInboundCredentials, peers } from "../db/schema";
import { ApiError } from "../errors";
import { sha256Hex } from "../lib/crypto";
import { type CursorPosition, decodeCursor, toPage } from "../lib/cursor";
import { newId, randomBase62 } from "../lib/ids";
import type { Keyring } from "../lib/keyring";
import { open, resealRows, seal } from "../lib/sealed-secrets";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import type { Peer, PeerCreate, PeerInboundCredential } from "../schemas/peers";
import { A2A_PATH } from "./a2a-client";

export type PeerRow = typeof peers.$inferSelect;
export type PeerCredentialRow = typeof peerInboundCredentials.$inferSelect;

/** Every token we issue to a peer starts with this, so secret scanners can recognise one. */
export const PEER_TOKEN_PREFIX = "cpp_";
const TOKEN_RANDOM_CHARS = 43; // ~256 bits
const DISPLAY_PREFIX_CHARS = PEER_TOKEN_PREFIX.length + 6;

/** What the outbound token's ciphertext is bound to: this peer's row, nothing else. */
const outboundAad = (peerId: string) => `clawplane.peer_outbound.v1:${peerId}`;

export function credentialToWire(row: PeerCredentialRow): PeerInboundCredential {
  return {
    id: row.id,
    type: "peer_inbound_credential",
    token_prefix: row.tokenPrefix,
    created_at: toRfc3339(row.createdAt),
    last_used_at: toRfc3339OrNull(row.lastUsedAt),
    revoked_at: toRfc3339OrNull(row.revokedAt),
  };
}

export function peerToWire(row: PeerRow, credentials: PeerCredentialRow[]): Peer {
  return {
    id: row.id,
    type: "peer",
    name: row.name,
    address: row.address,
    port: row.port,
    path: row.path ?? A2A_PATH,
    protocol: row.protocol,
    direction: row.direction,
    agent_ids: row.agentIds,
    rate_limit_per_minute: row.rateLimitPerMinute,
    plane_id: row.planeId,
    member_id: row.memberId,
    has_outbound_token: row.outboundCiphertext !== null,
    inbound_credentials: credentials.map(credentialToWire),
    created_by: row.createdBy,
    created_at: toRfc3339(row.createdAt),
    updated_at: toRfc3339(row.updatedAt),
  };
}

/** The peer as `principal` may see it, or the ordinary 404. */
export async function getVisiblePeer(db: Db, principal: Principal, id: string): Promise<PeerRow> {
  const row = await db.query.peers.findFirst({ where: and(eq(peers.id, id), isNull(peers.deletedAt)) });
  if (!row || !visibleTo(principal, row)) {
    throw new ApiError("peer_not_found", `peer ${id} not found`);
  }
  return row;
}

function visibleTo(principal: Principal, row: PeerRow): boolean {
  if (principal.kind === "plane_member") return row.memberId === principal.constraints?.memberId;
  if (principal.kind === "plane_admin") return row.planeId === principal.constraints?.planeId;
  return true;
}

/** A member's peers are always its own agent's; everyone else names live agents. */
async function grantedAgents(db: Db, principal: Principal, requested: string[]): Promise<string[]> {
  const own = memberConstraints(principal);
  const fields = (ids: string[]) =>
    ids.map((id) => ({ path: `agent_ids.${requested.indexOf(id)}`, message: "not found" }));
  if (own) {
    const foreign = requested.filter((id) => id !== own.agentId);
    if (foreign.length > 0) {
      throw new ApiError("agent_not_found", `agent ${foreign[0]} not found`, { fields: fields(foreign) });
    }
    return [own.agentId];
  }
  const found = await db
    .select({ id: agents.id })
    .from(agents)
    .where(and(inArray(agents.id, requested), isNull(agents.archivedAt)));
  const known = new Set(found.map((a) => a.id));
  const missing = requested.filter((id) => !known.has(id));
  if (missing.length > 0) {
    throw new ApiError("agent_not_found", `agent ${missing[0]} not found`, { fields: fields(missing) });
  }
  return requested;
}

export interface CreatedPeer {
  row: PeerRow;
  credentials: PeerCredentialRow[];
  /** The inbound token (inbound and both peers): returned once, never stored. */
  inboundToken: string | null;
}

export async function createPeer(
  db: Db,
  keyring: () => Promise<Keyring>,
  principal: Principal,
  input: PeerCreate,
  now: number,
): Promise<CreatedPeer> {
  const own = memberConstraints(principal);
  const id = newId("peer");
  const sealed = input.outbound_token
    ? await seal(await keyring(), outboundAad(id), input.outbound_token)
    : null;
  const row: PeerRow = {
    id,
    name: input.name,
    planeId: own?.planeId ?? null,
    memberId: own?.memberId ?? null,
    nameScope: own?.memberId ?? "org",
    address: input.address.toLowerCase(),
    port: input.port,
    path: input.path && input.path !== A2A_PATH ? input.path : null,
    protocol: input.protocol,
    direction: input.direction,
    agentIds: await grantedAgents(db, principal, input.agent_ids),
    rateLimitPerMinute: input.rate_limit_per_minute,
    outboundCiphertext: sealed?.envelope ?? null,
    outboundKeyId: sealed?.keyId ?? null,
    createdBy: principal.id,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  const issued = input.direction === "outbound" ? null : await newCredential(id, principal, now);
  try {
    await db.batch([
      db.insert(peers).values(row),
      ...(issued ? [db.insert(peerInboundCredentials).values(issued.row)] : []),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ApiError("name_conflict", `a peer named '${input.name}' already exists`, {
        fields: [{ path: "name", message: "already in use" }],
      });
    }
    throw err;
  }
  return { row, credentials: issued ? [issued.row] : [], inboundToken: issued?.token ?? null };
}

async function newCredential(peerId: string, principal: Principal, now: number) {
  const token = PEER_TOKEN_PREFIX + randomBase62(TOKEN_RANDOM_CHARS);
  const row: PeerCredentialRow = {
    id: newId("peerCredential"),
    peerId,
    tokenHash: await sha256Hex(token),
    tokenPrefix: token.slice(0, DISPLAY_PREFIX_CHARS),
    createdBy: principal.id,
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  };
  return { row, token };
}

export async function credentialsOf(db: Db, peerIds: string[]): Promise<Map<string, PeerCredentialRow[]>> {
  const out = new Map<string, PeerCredentialRow[]>(peerIds.map((id) => [id, []]));
  if (peerIds.length === 0) return out;
  const rows = await db
    .select()
    .from(peerInboundCredentials)
    .where(inArray(peerInboundCredentials.peerId, peerIds))
    .orderBy(peerInboundCredentials.createdAt);
  for (const row of rows) out.get(row.peerId)?.push(row);
  return out;
}

const position = (row: PeerRow): CursorPosition => ({ key: row.createdAt, id: row.id });

/** Live peers `principal` may see, newest first; `agentId` narrows to peers granted to that agent. */
export async function listPeers(
  db: Db,
  principal: Principal,
  query: { limit: number; page?: string; agentId?: string },
): Promise<{ data: PeerRow[]; next_page: string | null }> {
  const after = query.page ? decodeCursor(query.page) : null;
  const scope =
    principal.kind === "plane_member"
      ? eq(peers.memberId, principal.constraints?.memberId ?? "")
      : principal.kind === "plane_admin"
        ? eq(peers.planeId, principal.constraints?.planeId ?? "")
        : undefined;
  const rows = await db
    .select()
    .from(peers)
    .where(and(isNull(peers.deletedAt), scope, beyondCursor(peers.createdAt, peers.id, after)))
    .orderBy(desc(peers.createdAt), desc(peers.id))
    .limit(query.limit + 1);
  const page = toPage(rows, query.limit, position);
  if (query.agentId) page.data = page.data.filter((p) => p.agentIds.includes(query.agentId as string));
  return page;
}

/** Deletes a peer: it stops being callable and every inbound credential stops working at once. */
export async function deletePeer(db: Db, row: PeerRow, now: number): Promise<void> {
  await db.batch([
    db
      .update(peers)
      .set({ deletedAt: now, updatedAt: now, outboundCiphertext: null })
      .where(eq(peers.id, row.id)),
    db
      .update(peerInboundCredentials)
      .set({ revokedAt: now })
      .where(and(eq(peerInboundCredentials.peerId, row.id), isNull(peerInboundCredentials.revokedAt))),
  ]);
}

/** Issues one more inbound credential (rotation: issue, hand it over, revoke the old one). */
export async function issueCredential(
  db: Db,
  principal: Principal,
  peer: PeerRow,
  now: number,
): Promise<{ row: PeerCredentialRow; token: string }> {
  if (peer.direction === "outbound") {
    throw new ApiError("invalid_request", `peer ${peer.id} is outbound only: it never calls our agents`);
  }
  const issued = await newCredential(peer.id, principal, now);
  await db.insert(peerInboundCredentials).values(issued.row);
  return issued;
}

export async function revokeCredential(
  db: Db,
  peer: PeerRow,
  credentialId: string,
  now: number,
): Promise<PeerCredentialRow> {
  const [row] = await db
    .update(peerInboundCredentials)
    .set({ revokedAt: now })
    .where(
      and(
        eq(peerInboundCredentials.id, credentialId),
        eq(peerInboundCredentials.peerId, peer.id),
        isNull(peerInboundCredentials.revokedAt),
      ),
    )
    .returning();
  if (row) return row;
  const existing = await db.query.peerInboundCredentials.findFirst({
    where: and(eq(peerInboundCredentials.id, credentialId), eq(peerInboundCredentials.peerId, peer.id)),
  });
  if (!existing) throw new ApiError("peer_credential_not_found", `peer credential ${credentialId} not found`);
  throw new ApiError("peer_credential_revoked", `peer credential ${credentialId} is already revoked`);
}

/** The live peer and credential an inbound bearer token belongs to, or null. */
export async function peerByInboundToken(
  db: Db,
  token: string,
): Promise<{ peer: PeerRow; credential: PeerCredentialRow } | null> {
  if (!token.startsWith(PEER_TOKEN_PREFIX)) return null;
  const credential = await db.query.peerInboundCredentials.findFirst({
    where: eq(peerInboundCredentials.tokenHash, await sha256Hex(token)),
  });
  if (!credential || credential.revokedAt !== null) return null;
  const peer = await db.query.peers.findFirst({
    where: and(eq(peers.id, credential.peerId), isNull(peers.deletedAt)),
  });
  if (!peer || peer.direction === "outbound") return null;
  return { peer, credential };
}

/** The token to present to `peer`: opened at call time, handed only to the transport. */
export async function openOutboundToken(keyring: Keyring, peer: PeerRow): Promise<string | null> {
  if (!peer.outboundCiphertext) return null;
  return open(keyring, outboundAad(peer.id), peer.outboundCiphertext);
}

/** Live outbound peers granted to `agentId`, for that agent's tools (names and addresses, no secret). */
export async function outboundPeersOf(db: Db, agentId: string): Promise<PeerRow[]> {
  const rows = await db
    .select()
    .from(peers)
    .where(and(isNull(peers.deletedAt), inArray(peers.direction, ["outbound", "both"])));
  return rows.filter((p) => p.agentIds.includes(agentId));
}

/**
 * Re-seals peers' outbound tokens not under the keyring's current key (the vault key rotation,
 * `POST /v1/vaults/rotate`, sweeps these with the vault credentials). Tokens that fail to open
 * are reported and left as they are.
 */
export async function reencryptPeerTokens(
  db: Db,
  keyring: Keyring,
  maxRows: number,
): Promise<{ reencrypted: number; failed: string[]; remaining: number }> {
  const stale = and(isNotNull(peers.outboundCiphertext), ne(peers.outboundKeyId, keyring.currentId));
  const rows = await db.select().from(peers).where(stale).orderBy(asc(peers.id)).limit(maxRows);
  const sealed = rows.map((row) => ({
    id: row.id,
    aad: outboundAad(row.id),
    envelope: row.outboundCiphertext as string,
  }));
  const result = {
    ...(await resealRows(keyring, sealed, async (row, { envelope, keyId }) => {
      const updated = await db
        .update(peers)
        .set({ outboundCiphertext: envelope, outboundKeyId: keyId })
        .where(and(eq(peers.id, row.id), eq(peers.outboundCiphertext, row.envelope)))
        .returning({ id: peers.id });
      return updated.length > 0;
    })),
    remaining: 0,
  };
  const [left] = await db.select({ n: count() }).from(peers).where(stale);
  result.remaining = left?.n ?? 0;
  return result;
}
