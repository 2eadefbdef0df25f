/**
 * `/v1/peers` — tailnet peers (src/peers/): add, list, retrieve, delete, test reachability, and
 * issue or revoke the credentials a peer presents when it calls our agents.
 *
 * Org admins and API keys manage every peer; a plane member adds peers for its own agent only
 * and sees only those; a plane admin reads its plane's peers (never a token: none is ever in a
 * response, except an inbound token in the one response that issues it).
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { createDb } from "../db/client";
import { keyringFromEnv } from "../lib/keyring";
import { validationHook } from "../middleware/validation";
import { probePeer } from "../peers/a2a-client";
import {
  createPeer,
  credentialsOf,
  credentialToWire,
  deletePeer,
  getVisiblePeer,
  issueCredential,
  listPeers,
  peerToWire,
  revokeCredential,
} from "../peers/peer-store";
import { peerMessagesOf, peerMessageToWire } from "../peers/peer-traffic";
import { tailnetTransport } from "../peers/transport";
import { COMMON_ERRORS, CONFLICT_ERROR, idParam, LimitQuery, PageQuery, pageOf } from "../schemas/common";
import {
  PeerCreatedSchema,
  PeerCreateSchema,
  PeerCredentialIssuedSchema,
  PeerDeletedSchema,
  PeerInboundCredentialSchema,
  PeerMessageSchema,
  PeerSchema,
  PeerTestResultSchema,
} from "../schemas/peers";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";

export const peerRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const tags = ["peers"];
const PeerParam = idParam("peer_id", "peer_");
const CredentialParams = PeerParam.extend(idParam("credential_id", "pcrd_").shape);
const ListQuery = z.object({
  limit: LimitQuery,
  page: PageQuery,
  agent_id: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .openapi({ description: "Only peers granted to this agent" }),
});

async function withCredentials(db: ReturnType<typeof createDb>, row: Parameters<typeof peerToWire>[0]) {
  return peerToWire(row, (await credentialsOf(db, [row.id])).get(row.id) ?? []);
}

peerRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/",
    tags,
    summary: "Add a peer (the outbound token is write-only; an inbound token is in this response only)",
    scope: "write",
    audit: "peers.create",
    member: {},
    request: { body: jsonBody(PeerCreateSchema) },
    responses: { 201: jsonResponse(PeerCreatedSchema, "The new peer"), ...COMMON_ERRORS, ...CONFLICT_ERROR },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    // The keyring is loaded only for a token to seal (a deployment without one answers 503 naming it).
    const keyring = () => keyringFromEnv(c.env);
    const created = await createPeer(db, keyring, c.get("principal"), c.req.valid("json"), Date.now());
    c.set("auditTarget", created.row.id);
    return c.json(
      { ...peerToWire(created.row, created.credentials), inbound_token: created.inboundToken },
      201,
    );
  },
);

peerRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/",
    tags,
    summary: "List peers, newest first",
    scope: "read",
    audit: false,
    member: {},
    planeAdmin: true,
    request: { query: ListQuery },
    responses: { 200: jsonResponse(pageOf(PeerSchema), "A page of peers"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const q = c.req.valid("query");
    const page = await listPeers(db, c.get("principal"), {
      limit: q.limit,
      page: q.page,
      agentId: q.agent_id,
    });
    const credentials = await credentialsOf(
      db,
      page.data.map((p) => p.id),
    );
    return c.json(
      { data: page.data.map((p) => peerToWire(p, credentials.get(p.id) ?? [])), next_page: page.next_page },
      200,
    );
  },
);

peerRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{peer_id}",
    tags,
    summary: "Retrieve a peer",
    scope: "read",
    audit: false,
    member: {},
    planeAdmin: true,
    request: { params: PeerParam },
    responses: { 200: jsonResponse(PeerSchema, "The peer"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const row = await getVisiblePeer(db, c.get("principal"), c.req.valid("param").peer_id);
    return c.json(await withCredentials(db, row), 200);
  },
);

peerRoutes.openapi(
  defineRoute({
    method: "delete",
    path: "/{peer_id}",
    tags,
    summary: "Delete a peer: its token is erased and its inbound credentials stop working at once",
    scope: "write",
    audit: "peers.delete",
    member: {},
    request: { params: PeerParam },
    responses: { 200: jsonResponse(PeerDeletedSchema, "Deleted"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const row = await getVisiblePeer(db, c.get("principal"), c.req.valid("param").peer_id);
    await deletePeer(db, row, Date.now());
    return c.json({ id: row.id, type: "peer_deleted" as const }, 200);
  },
);

peerRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{peer_id}/test",
    tags,
    summary: "Test a peer: reachability over the tailnet, latency, and its public agent card",
    scope: "read",
    audit: "peers.test",
    member: {},
    planeAdmin: true,
    request: { params: PeerParam },
    responses: { 200: jsonResponse(PeerTestResultSchema, "What the probe found"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const row = await getVisiblePeer(db, c.get("principal"), c.req.valid("param").peer_id);
    const probe = await probePeer(
      tailnetTransport(c.env),
      { address: row.address, port: row.port, a2aPath: row.path },
      row.protocol,
    );
    return c.json(
      {
        type: "peer_test" as const,
        peer_id: row.id,
        reachable: probe.reachable,
        latency_ms: probe.latencyMs,
        status: probe.status,
        agent_card: probe.card,
        error: probe.error,
      },
      200,
    );
  },
);

peerRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{peer_id}/inbound_credentials",
    tags,
    summary: "Issue another inbound credential for a peer (the token is in this response only)",
    scope: "write",
    audit: "peers.credential.issue",
    member: {},
    request: { params: PeerParam },
    responses: {
      201: jsonResponse(PeerCredentialIssuedSchema, "The credential, with `token`"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const principal = c.get("principal");
    const peer = await getVisiblePeer(db, principal, c.req.valid("param").peer_id);
    const { row, token } = await issueCredential(db, principal, peer, Date.now());
    return c.json({ ...credentialToWire(row), token }, 201);
  },
);

peerRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{peer_id}/inbound_credentials/{credential_id}/revoke",
    tags,
    summary: "Revoke an inbound credential: the peer is refused with it at once",
    scope: "write",
    audit: "peers.credential.revoke",
    member: {},
    request: { params: CredentialParams },
    responses: {
      200: jsonResponse(PeerInboundCredentialSchema, "The revoked credential"),
      ...COMMON_ERRORS,
      ...CONFLICT_ERROR,
    },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const { peer_id, credential_id } = c.req.valid("param");
    const peer = await getVisiblePeer(db, c.get("principal"), peer_id);
    return c.json(credentialToWire(await revokeCredential(db, peer, credential_id, Date.now())), 200);
  },
);

peerRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{peer_id}/messages",
    tags,
    summary: "A peer's traffic, newest first: each message in or out, its agent, session, size and outcome",
    scope: "read",
    audit: false,
    member: {},
    planeAdmin: true,
    request: { params: PeerParam, query: z.object({ limit: LimitQuery }) },
    responses: { 200: jsonResponse(pageOf(PeerMessageSchema), "The peer's messages"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const row = await getVisiblePeer(db, c.get("principal"), c.req.valid("param").peer_id);
    const rows = await peerMessagesOf(db, row.id, c.req.valid("query").limit);
    return c.json({ data: rows.map(peerMessageToWire), next_page: null }, 200);
  },
);
