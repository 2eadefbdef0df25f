/**
 * Which session a chat completion runs in.
 *
 * - `x-clawplane-session-id: sesn_…` continues that session (it must run the requested agent).
 * - else `user` is a sticky conversation key: (caller, agent, user) → session, kept in D1, so
 *   the same user keeps talking to the same OpenClaw session (OpenClaw owns the history).
 * - else every request gets a fresh session.
 *
 * New sessions run in one per-deployment environment, `openai-default` (cloud, unrestricted
 * networking), created on first use; an existing live environment of that name is reused.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { AgentRecord } from "../db/agents";
import type { Db } from "../db/client";
import { createEnvironment, getEnvironment } from "../db/environments";
import { environments, openaiConversations } from "../db/schema";
import { type EnvironmentSpec, environmentSpecFromCreate } from "../domain/environment-spec";
import { ApiError } from "../errors";
import { newId } from "../lib/ids";
import type { SessionWire } from "../schemas/sessions";
import { newSessionRecord } from "../session/session-record";
import { sessionClient } from "../session/stub";

/** Name of the environment new OpenAI-endpoint sessions run in. */
export const DEFAULT_ENVIRONMENT_NAME = "openai-default";
/** Request header naming a session to continue; also the response header naming the session used. */
export const SESSION_HEADER = "x-clawplane-session-id";

export interface ConversationRequest {
  db: Db;
  env: Env;
  principalId: string;
  agent: AgentRecord;
  /** The `user` field, if sent. */
  user?: string;
  /** The session named by SESSION_HEADER, if sent. */
  sessionId?: string;
  /** Origin of this API, which local runtimes use to reach the LLM proxy. */
  apiOrigin: string;
  /** Where new sessions run instead of the shared default (a plane member's own environment). */
  environmentId?: string;
  /** Title and metadata of a new session (default: the OpenAI endpoint's). */
  label?: { title: string; metadata: Record<string, string> };
}

/** Finds or creates the session for a request; returns it as it is before the turn. */
export async function openConversation(req: ConversationRequest): Promise<SessionWire> {
  if (req.sessionId !== undefined) return explicitSession(req, req.sessionId);
  if (req.user === undefined) return createSession(req, newId("session"));
  return stickySession(req, req.user);
}

async function explicitSession(req: ConversationRequest, sessionId: string): Promise<SessionWire> {
  if (!sessionId.startsWith("sesn_")) {
    throw new ApiError("invalid_request", `${SESSION_HEADER} must be a session id (sesn_…)`, {
      fields: [{ path: `headers.${SESSION_HEADER}`, message: "not a session id" }],
    });
  }
  const session = await sessionClient(req.env, sessionId).describe();
  if (session.agent.id !== req.agent.id) {
    throw new ApiError(
      "invalid_request",
      `session ${sessionId} runs agent ${session.agent.id}; use it as the model`,
      {
        fields: [{ path: "model", message: "does not match the session's agent" }],
      },
    );
  }
  return session;
}

async function stickySession(req: ConversationRequest, user: string): Promise<SessionWire> {
  const { db } = req;
  const key = and(
    eq(openaiConversations.principalId, req.principalId),
    eq(openaiConversations.agentId, req.agent.id),
    eq(openaiConversations.user, user),
  );
  const current = await db.select().from(openaiConversations).where(key).get();
  if (current) {
    const session = await sessionClient(req.env, current.sessionId)
      .describe()
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.code === "session_not_found") return undefined;
        throw err;
      });
    // An archived or deleted session ends the conversation; the user starts a new one.
    if (session && session.status !== "terminated") return session;
  }
  const now = Date.now();
  const fresh = newId("session");
  if (current) {
    // Compare-and-set: of two requests replacing the same dead session, one wins.
    await db
      .update(openaiConversations)
      .set({ sessionId: fresh, updatedAt: now })
      .where(and(key, eq(openaiConversations.sessionId, current.sessionId)));
  } else {
    await db
      .insert(openaiConversations)
      .values({
        principalId: req.principalId,
        agentId: req.agent.id,
        user,
        sessionId: fresh,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing();
  }
  const winner = await db.select().from(openaiConversations).where(key).get();
  // Creating is idempotent per id, so a racing loser simply joins the winner's session.
  return createSession(req, winner?.sessionId ?? fresh);
}

/** The default environment's id and whether it lets runtimes reach the internet. */
async function defaultEnvironment(db: Db): Promise<{ id: string; spec: EnvironmentSpec }> {
  const find = () =>
    db.query.environments.findFirst({
      where: and(eq(environments.name, DEFAULT_ENVIRONMENT_NAME), isNull(environments.archivedAt)),
    });
  const found = await find();
  if (found) return { id: found.id, spec: found.spec as EnvironmentSpec };
  try {
    const spec = environmentSpecFromCreate({
      name: DEFAULT_ENVIRONMENT_NAME,
      description: "Sessions of the OpenAI-compatible /v1/chat/completions endpoint",
    });
    return await createEnvironment(db, spec, Date.now());
  } catch (err) {
    // Another request created it first.
    const raced = err instanceof ApiError && err.code === "name_conflict" ? await find() : undefined;
    if (!raced) throw err;
    return { id: raced.id, spec: raced.spec as EnvironmentSpec };
  }
}

async function createSession(req: ConversationRequest, sessionId: string): Promise<SessionWire> {
  const environment =
    req.environmentId === undefined
      ? await defaultEnvironment(req.db)
      : await getEnvironment(req.db, req.environmentId);
  const record = newSessionRecord({
    id: sessionId,
    agent: { id: req.agent.id, type: "agent", ...req.agent.spec, version: req.agent.version },
    environment,
    title: req.label?.title ?? "OpenAI chat completions",
    metadata: req.label?.metadata ?? {
      source: "openai",
      ...(req.user === undefined ? {} : { user: req.user }),
    },
    apiOrigin: req.apiOrigin,
  });
  return sessionClient(req.env, sessionId).create(record, []);
}
