/**
 * `/v1/channels` — chat channels: create (checks the credentials with the platform, seals
 * them, registers Telegram's webhook), list, retrieve, delete. A plane member may manage the
 * channels of their own agent only (src/planes/access.ts checks `channel_id`; create checks
 * the agent here).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { memberConstraints } from "../auth/principal";
import { channelToWire, createChannel, removeChannel } from "../channels/channel-setup";
import { getChannel, listChannels } from "../db/channels";
import { createDb } from "../db/client";
import { validationHook } from "../middleware/validation";
import {
  ChannelCreateSchema,
  ChannelDeletedSchema,
  ChannelListQuerySchema,
  ChannelSchema,
} from "../schemas/channels";
import { COMMON_ERRORS, idParam, pageOf } from "../schemas/common";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";

export const channelRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const ChannelParam = idParam("channel_id", "chan_");
const tags = ["channels"];
const originOf = (url: string) => new URL(url).origin;

channelRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/",
    tags,
    summary: "Connect a Telegram bot, Slack app or WhatsApp number to an agent",
    scope: "write",
    audit: "channels.create",
    member: {},
    request: { body: jsonBody(ChannelCreateSchema) },
    responses: {
      201: jsonResponse(ChannelSchema, "The channel (secrets are never returned)"),
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const own = memberConstraints(c.get("principal"));
    const row = await createChannel({
      db: createDb(c.env.DB),
      env: c.env,
      origin: originOf(c.req.url),
      body: c.req.valid("json"),
      ...(own ? { member: { agentId: own.agentId, environmentId: own.environmentId } } : {}),
    });
    c.set("auditTarget", row.id);
    if (row.planeId) c.set("auditPlane", row.planeId);
    return c.json(channelToWire(row, originOf(c.req.url)), 201);
  },
);

channelRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/",
    tags,
    summary: "List channels, newest first",
    scope: "read",
    audit: false,
    member: {},
    request: { query: ChannelListQuerySchema },
    responses: { 200: jsonResponse(pageOf(ChannelSchema), "A page of channels"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const own = memberConstraints(c.get("principal"));
    const page = await listChannels(createDb(c.env.DB), {
      limit: q.limit,
      page: q.page,
      agentId: own?.agentId,
    });
    return c.json(
      { data: page.data.map((r) => channelToWire(r, originOf(c.req.url))), next_page: page.next_page },
      200,
    );
  },
);

channelRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{channel_id}",
    tags,
    summary: "Retrieve a channel with its delivery counters and last error",
    scope: "read",
    audit: false,
    member: {},
    request: { params: ChannelParam },
    responses: { 200: jsonResponse(ChannelSchema, "The channel"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const row = await getChannel(createDb(c.env.DB), c.req.valid("param").channel_id);
    return c.json(channelToWire(row, originOf(c.req.url)), 200);
  },
);

channelRoutes.openapi(
  defineRoute({
    method: "delete",
    path: "/{channel_id}",
    tags,
    summary: "Remove a channel: deliveries stop at once (Telegram's webhook is deleted)",
    scope: "write",
    audit: "channels.delete",
    member: {},
    request: { params: ChannelParam },
    responses: { 200: jsonResponse(ChannelDeletedSchema, "Removed"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const row = await getChannel(db, c.req.valid("param").channel_id);
    if (row.planeId) c.set("auditPlane", row.planeId);
    await removeChannel(db, c.env, row);
    return c.json({ type: "channel_deleted" as const, id: row.id }, 200);
  },
);
