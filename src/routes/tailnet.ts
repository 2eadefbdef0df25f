/**
 * `/v1/tailnet` — the org's tailnet connection: the Tailscale OAuth client the tailnet
 * connector's join keys are minted from (its secret write-only), and the connector's state.
 * Org admins only. Setting it boots the connector (a fresh join key), so inbound peers can reach
 * our agents at once; `POST /v1/tailnet/connector/boot` boots it again (e.g. after a key change).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { TailnetConnectorDO } from "../a2a/tailnet-connector-do";
import type { AppEnv } from "../app-env";
import { createDb } from "../db/client";
import { ApiError } from "../errors";
import { keyringFromEnv } from "../lib/keyring";
import { toRfc3339 } from "../lib/time";
import { validationHook } from "../middleware/validation";
import { assertOrgAdmin } from "../planes/access";
import {
  getTailnetConnection,
  putTailnetConnection,
  type TailnetConnectionRow,
} from "../peers/tailnet-client";
import { COMMON_ERRORS } from "../schemas/common";
import {
  TailnetConnectionPutSchema,
  TailnetConnectionSchema,
  type TailnetConnectorStatus,
  TailnetConnectorStatusSchema,
} from "../schemas/tailnet";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";

export const tailnetRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
const tags = ["peers"];

function connector(env: Env): DurableObjectStub<TailnetConnectorDO> | null {
  const ns = (env as unknown as { TAILNET_CONNECTORS?: DurableObjectNamespace<TailnetConnectorDO> })
    .TAILNET_CONNECTORS;
  return ns ? ns.get(ns.idFromName("org")) : null;
}

const NO_CONNECTOR: TailnetConnectorStatus = {
  state: "failed",
  transport: null,
  dns_name: null,
  addresses: [],
  booted_at: null,
  error: "this deployment has no tailnet connector (TAILNET_CONNECTORS)",
};

function toWire(row: TailnetConnectionRow, status: TailnetConnectorStatus) {
  return {
    type: "tailnet_connection" as const,
    oauth_client_id: row.oauthClientId,
    oauth_client_secret: { set: true as const },
    tags: row.tags,
    hostname: row.hostname,
    connector: status,
    created_at: toRfc3339(row.createdAt),
    updated_at: toRfc3339(row.updatedAt),
  };
}

tailnetRoutes.openapi(
  defineRoute({
    method: "put",
    path: "/",
    tags,
    summary: "Set the Tailscale OAuth client the tailnet connector joins with (boots the connector)",
    scope: "admin",
    audit: "tailnet.put",
    request: { body: jsonBody(TailnetConnectionPutSchema) },
    responses: {
      200: jsonResponse(
        TailnetConnectionSchema,
        "The connection (never its secret) and the connector's state",
      ),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    assertOrgAdmin(c.get("principal"));
    const db = createDb(c.env.DB);
    const row = await putTailnetConnection(db, await keyringFromEnv(c.env), c.req.valid("json"), Date.now());
    c.set("auditTarget", "tailnet:org");
    const stub = connector(c.env);
    const status = stub ? await stub.boot() : NO_CONNECTOR;
    return c.json(toWire(row, status), 200);
  },
);

tailnetRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/",
    tags,
    summary: "The tailnet connection (never its secret) and the connector's state",
    scope: "admin",
    audit: false,
    responses: { 200: jsonResponse(TailnetConnectionSchema, "The connection"), ...COMMON_ERRORS },
  }),
  async (c) => {
    assertOrgAdmin(c.get("principal"));
    const row = await getTailnetConnection(createDb(c.env.DB));
    if (!row)
      throw new ApiError("tailnet_not_configured", "no tailnet connection is configured (PUT /v1/tailnet)");
    const stub = connector(c.env);
    return c.json(toWire(row, stub ? await stub.status() : NO_CONNECTOR), 200);
  },
);

tailnetRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/connector/boot",
    tags,
    summary: "Boot the tailnet connector again: a new single-use join key, a fresh node",
    scope: "admin",
    audit: "tailnet.connector.boot",
    responses: { 200: jsonResponse(TailnetConnectorStatusSchema, "The connector's state"), ...COMMON_ERRORS },
  }),
  async (c) => {
    assertOrgAdmin(c.get("principal"));
    if (!(await getTailnetConnection(createDb(c.env.DB))))
      throw new ApiError("tailnet_not_configured", "no tailnet connection is configured (PUT /v1/tailnet)");
    c.set("auditTarget", "tailnet:org");
    const stub = connector(c.env);
    return c.json(stub ? await stub.boot() : NO_CONNECTOR, 200);
  },
);
