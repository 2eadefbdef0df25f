/**
 * `/channels/{channel_id}/webhook` — where Telegram, Slack and WhatsApp deliver. Outside `/v1`:
 * the platforms carry no API key; each delivery is verified with the channel's own secret
 * (src/channels/webhook.ts) before anything else. GET is WhatsApp's verification handshake.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { handleDelivery, handleHandshake, type WebhookAnswer, type WebhookCall } from "../channels/webhook";
import { getChannel } from "../db/channels";
import { createDb } from "../db/client";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../errors";
import { validationHook } from "../middleware/validation";
import { idParam } from "../schemas/common";

export const channelWebhookRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

// The platforms send small JSON (a Telegram update, a Slack event, a batch of WhatsApp
// messages): the API's body limit applies here too, before the body is read for verification.
channelWebhookRoutes.use("*", async (c, next) =>
  bodyLimit({
    maxSize: c.get("config").maxBodyBytes,
    onError: () => {
      throw new ApiError("request_too_large", `request body exceeds ${c.get("config").maxBodyBytes} bytes`);
    },
  })(c, next),
);

const params = idParam("channel_id", "chan_");
const responses = {
  200: { description: "Accepted (queued, or a duplicate of a delivery already taken)" },
  401: { description: "Not verified with the channel's secret: nothing was stored" },
  404: { description: "No such channel" },
};

async function callOf(c: Context<AppEnv>): Promise<WebhookCall> {
  const db = createDb(c.env.DB);
  return {
    db,
    env: c.env,
    channel: await getChannel(db, c.req.param("channel_id") ?? ""),
    request: c.req.raw,
    requestId: c.get("requestId"),
    origin: new URL(c.req.url).origin,
    waitUntil: (work) => c.executionCtx.waitUntil(work),
  };
}

function answer(c: Context<AppEnv>, a: WebhookAnswer): Response {
  if (a.status === 200 && a.text !== undefined) return c.text(a.text, 200);
  if (a.status === 200) return c.json(a.json ?? { ok: true }, 200);
  if (a.status === 401) return c.json({ ok: false, error: "webhook not verified" }, 401);
  return c.json({ ok: false }, a.status);
}

channelWebhookRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{channel_id}/webhook",
    tags: ["channels"],
    summary: "Platform deliveries (Telegram updates, Slack events and interactivity, WhatsApp webhooks)",
    security: [],
    request: { params },
    responses,
  }),
  async (c) => answer(c, await handleDelivery(await callOf(c))),
);

channelWebhookRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{channel_id}/webhook",
    tags: ["channels"],
    summary: "WhatsApp's verification handshake (hub.mode, hub.verify_token, hub.challenge)",
    security: [],
    request: { params, query: z.object({}).passthrough() },
    responses: { ...responses, 200: { description: "The hub.challenge, as text" } },
  }),
  async (c) => answer(c, await handleHandshake(await callOf(c))),
);
