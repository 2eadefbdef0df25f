/**
 * The OpenAI-compatible surface, mounted under `/v1`: `POST /chat/completions`, `GET /models`
 * and `GET /models/{model}`. A model is an agent (by id or name); a completion is one turn of a
 * session, chosen by `x-clawplane-session-id`, the sticky `user`, or created fresh (see
 * src/openai/conversation.ts). Failures are shaped by src/openai/errors.ts.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { memberConstraints } from "../auth/principal";
import { createDb } from "../db/client";
import { ApiError } from "../errors";
import { validationHook } from "../middleware/validation";
import { completionMeta } from "../openai/completion";
import { openConversation, SESSION_HEADER } from "../openai/conversation";
import { listModels, resolveModel, retrieveModel } from "../openai/models";
import { replyJson, replyStream } from "../openai/reply";
import { Turn } from "../openai/turn";
import { SSE_STREAM } from "../schemas/common";
import {
  ChatCompletionCreateSchema,
  ChatCompletionSchema,
  ModelListSchema,
  ModelSchema,
  OpenAiErrorSchema,
  userText,
} from "../schemas/openai";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";

export const openAiRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const errorResponse = (description: string) => jsonResponse(OpenAiErrorSchema, description);
const OPENAI_ERRORS = {
  400: errorResponse("Invalid request; `param` names the field"),
  401: errorResponse("Missing or invalid API key"),
  403: errorResponse("The API key lacks the needed scope"),
  404: errorResponse("No live agent has this id or name (`model_not_found`)"),
  429: errorResponse("Rate limited"),
} as const;

/** Adds the session header to an error raised once the session is known. */
function withSession(err: unknown, sessionId: string): unknown {
  if (!(err instanceof ApiError)) return err;
  return new ApiError(err.code, err.message, {
    details: err.details,
    fields: err.fields,
    headers: { ...err.headers, [SESSION_HEADER]: sessionId },
    cause: err.cause,
  });
}

openAiRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/chat/completions",
    tags: ["openai"],
    summary: "OpenAI Chat Completions: one agent turn (JSON, or chunk stream with `stream: true`)",
    scope: "write",
    audit: "chat.completions.create",
    member: { budget: "always", sessionHeader: true },
    request: {
      headers: z.object({
        [SESSION_HEADER]: z.string().optional().openapi({ description: "Continue this session (sesn_…)" }),
      }),
      body: jsonBody(ChatCompletionCreateSchema),
    },
    responses: {
      200: {
        description: "The reply (`chat.completion`), or with `stream: true` a data-only SSE stream of chunks",
        content: {
          "application/json": { schema: ChatCompletionSchema },
          "text/event-stream": { schema: SSE_STREAM },
        },
      },
      ...OPENAI_ERRORS,
      409: errorResponse("The session is mid-turn (`session_busy`)"),
      502: errorResponse("The agent run failed (`agent_error`)"),
      504: errorResponse("The turn did not end in time (`timeout`); it was interrupted"),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const db = createDb(c.env.DB);
    // A plane member's token knows one model (its own agent) and runs it in its own environment.
    const own = memberConstraints(c.get("principal"));
    const agent = await resolveModel(db, body.model, own?.agentId);
    const session = await openConversation({
      db,
      env: c.env,
      principalId: c.get("principal").id,
      agent,
      user: body.user,
      sessionId: c.req.header(SESSION_HEADER),
      apiOrigin: new URL(c.req.url).origin,
      environmentId: own?.environmentId,
    });
    c.set("auditTarget", session.id);
    // Only the last message drives the turn: OpenClaw keeps the conversation (system and
    // earlier messages are not replayed; the agent's own system prompt applies).
    const text = userText(body.messages.at(-1)?.content);
    const turn = await Turn.start(c.env, session, text).catch((err: unknown) => {
      throw withSession(err, session.id);
    });
    const ctx = {
      env: c.env,
      turn,
      meta: completionMeta(turn.messageId, body.model),
      signal: c.req.raw.signal,
      waitUntil: (p: Promise<unknown>) => c.executionCtx.waitUntil(p),
    };
    // Typed as the JSON schema for the docs; the stream variant is the same route's other answer.
    const res = body.stream
      ? replyStream(ctx, body.stream_options?.include_usage === true)
      : await replyJson(ctx);
    return res as never;
  },
);

openAiRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/models",
    tags: ["openai"],
    summary: "List agents as OpenAI models (by id, and by name)",
    scope: "read",
    audit: false,
    member: {},
    responses: {
      200: jsonResponse(ModelListSchema, "The models"),
      ...OPENAI_ERRORS,
    },
  }),
  async (c) => {
    return c.json(
      {
        object: "list" as const,
        data: await listModels(createDb(c.env.DB), memberConstraints(c.get("principal"))?.agentId),
      },
      200,
    );
  },
);

openAiRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/models/{model}",
    tags: ["openai"],
    summary: "Retrieve one model (an agent id or name)",
    scope: "read",
    audit: false,
    member: {},
    request: { params: z.object({ model: z.string().min(1).max(256) }) },
    responses: {
      200: jsonResponse(ModelSchema, "The model"),
      ...OPENAI_ERRORS,
    },
  }),
  async (c) => {
    const own = memberConstraints(c.get("principal"));
    return c.json(await retrieveModel(createDb(c.env.DB), c.req.valid("param").model, own?.agentId), 200);
  },
);
