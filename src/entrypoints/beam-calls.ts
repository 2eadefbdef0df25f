/**
 * The agent's `beam_agent` tool (container/plugins/clawplane-beams) reaching the Worker: one
 * call delegates one task to a Teleport Beam and answers with its result. The runtime
 * authenticates as its session (the session token it already holds for the LLM proxy); the
 * Worker decides everything else and the runtime never holds a Teleport credential:
 *
 *   session token → the session's agent must have a `beam_agent` entry → the org (and the
 *   session's plane) must allow delegation → the call checked against the entry (agent CLI,
 *   timeout, publish) → the run recorded (`queued`) and handed to the org's connector (its queue
 *   keeps Teleport's limits) → `agent.beam_run_started`, the stdout as `agent.beam_run_output`
 *   (throttled), `agent.beam_run_ended` in the session's events → the bounded output as the
 *   tool result.
 *
 * The tool's permission policy (`always_ask`: approval first) is applied before the call gets
 * here, inside the runtime, like any tool's. The call itself is audited (`beams.delegate`), and
 * the connector audits each create, exec and remove.
 *
 *   POST <base>/delegate {tool_call_id, task, agent?, timeout?, publish?}
 *        → 200 {beam_run_id, status, exit_code, error, output, truncated} once the run ends
 *
 * Local runtimes call `/beams/v1` (src/routes/beam-calls.ts); containers the intercepted host
 * `beams.clawplane.internal` ({@link BeamCallEntrypoint}).
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { and, eq, isNull } from "drizzle-orm";
import { resolveBeamCall } from "../beams/agent-command";
import {
  type BeamRunRow,
  cliUsageToWire,
  createBeamRun,
  getBeamRun,
  readBeamOutputFrom,
} from "../beams/beam-runs";
import { connectorStub, queuePositions } from "../beams/connector-client";
import { assertDelegationAllowed, ORG_SCOPE } from "../beams/teleport-connection";
import { appendAudit } from "../db/audit";
import { createDb, type Db } from "../db/client";
import { planeMembers } from "../db/schema";
import { ApiError, type ErrorCode, type FieldError, toErrorResponse } from "../errors";
import { newId } from "../lib/ids";
import { describeError, log } from "../lib/log";
import { sessionIdFromToken } from "../llm/session-token";
import { boundSession, type RuntimeBinding } from "../runtime/pool/identity";
import { BEAM_RUN_FINAL, BeamCallSchema, type BeamRunStatus } from "../schemas/beams";
import type { BeamCaller, BeamRunEventBody } from "../session/beam-tools";
import { sessionClient } from "../session/stub";

/** How often a waiting call looks at its run (the connector writes output at most every 500 ms). */
const FOLLOW_INTERVAL_MS = 1_000;
/** The most stdout one run streams into the session's events; the run itself keeps up to 10 MB. */
export const STREAMED_OUTPUT_MAX_CHARS = 256 * 1024;
/** The most output handed back as the tool result (the model's context is the limit here). */
export const TOOL_RESULT_MAX_CHARS = 100_000;
/** A call stops following its run after this long whatever happens (a day: Teleport's TTL). */
const FOLLOW_LIMIT_MS = 25 * 60 * 60 * 1000;

export interface BeamCallContext {
  env: Env;
  requestId: string;
  /** Set by a container's entrypoint: the session its props name; the token must be that session's. */
  expectedSessionId?: string;
  /** For tests: how long to wait between looks at the run. */
  sleep?: (ms: number) => Promise<void>;
}

/** What the plugin gets back once the run has ended. */
export interface BeamCallResult {
  beam_run_id: string;
  status: BeamRunStatus;
  exit_code: number | null;
  error: string | null;
  /** The output's tail, at most {@link TOOL_RESULT_MAX_CHARS}, with a mark where it was cut. */
  output: string;
  truncated: boolean;
}

/** Every refusal in the one error envelope (src/errors.ts), with field paths where a field is wrong. */
function failure(ctx: BeamCallContext, code: ErrorCode, message: string, fields?: FieldError[]): Response {
  return toErrorResponse(new ApiError(code, message, { fields }), ctx.requestId);
}

/** Routes one call of a session's runtime; `path` is what follows the base (`/delegate`). */
export async function handleBeamCall(
  request: Request,
  path: string,
  ctx: BeamCallContext,
): Promise<Response> {
  const caller = await authenticate(request, ctx);
  if (!caller) return failure(ctx, "invalid_session_token", "a valid session token is required");
  if (request.method !== "POST" || path !== "/delegate")
    return failure(ctx, "not_found", "no such beam call");
  const parsed = BeamCallSchema.safeParse(await request.json().catch(() => null));
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    return failure(
      ctx,
      "invalid_request",
      fields.map((f) => `${f.path || "body"}: ${f.message}`).join("; "),
      fields,
    );
  }
  const call = parsed.data;
  if (!caller.tool) {
    return failure(
      ctx,
      "beam_delegation_forbidden",
      "this agent has no beam_agent tool; it may not delegate",
    );
  }
  const db = createDb(ctx.env.DB);
  const member = await memberOfAgent(db, caller.agentId);
  try {
    await assertDelegationAllowed(db, member?.planeId ?? null);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    await audit(db, ctx, caller, member, null, "failure", err.status, err.code);
    return toErrorResponse(err, ctx.requestId);
  }
  const resolved = resolveBeamCall(caller.tool, call);
  if (Array.isArray(resolved)) {
    return failure(
      ctx,
      "invalid_request",
      resolved.map((f) => `${f.path}: ${f.message}`).join("; "),
      resolved,
    );
  }
  const connector = connectorStub(ctx.env);
  if (!connector) return failure(ctx, "service_unavailable", "no Teleport connector is bound to this Worker");
  const run = await createBeamRun(
    db,
    {
      connector: ORG_SCOPE,
      sessionId: caller.sessionId,
      toolCallId: call.tool_call_id,
      agentId: caller.agentId,
      agentVersion: caller.agentVersion,
      planeId: member?.planeId ?? null,
      memberId: member?.id ?? null,
      task: call.task,
      ...resolved,
    },
    Date.now(),
  );
  await audit(db, ctx, caller, member, run.id, "success", 200, null);
  await connector.submit(run.id);
  return Response.json(await follow(db, ctx, caller.sessionId, run));
}

/**
 * Follows a run to its end, streaming what it prints into the session's events, and answers
 * with its result. The run ends by itself (its timeout), by a cancel (the API, or the session's
 * interrupt, archive or delete), or by the reaper.
 */
async function follow(
  db: Db,
  ctx: BeamCallContext,
  sessionId: string,
  first: BeamRunRow,
): Promise<BeamCallResult> {
  const session = sessionClient(ctx.env, sessionId);
  const record = (body: BeamRunEventBody) =>
    session
      .recordBeamEvent(body)
      .catch((err) =>
        log("warn", "beam run event not recorded", { session_id: sessionId, ...describeError(err) }),
      );
  const position = (await queuePositions(db, [await getBeamRun(db, first.id)])).get(first.id) ?? null;
  await record({
    type: "agent.beam_run_started",
    beam_run_id: first.id,
    tool_call_id: first.toolCallId,
    task: first.task,
    agent_cli: first.agentCli as "claude" | "codex" | "custom",
    timeout_seconds: first.timeoutSeconds,
    queue_position: position,
  });
  const sleep = ctx.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const until = Date.now() + FOLLOW_LIMIT_MS;
  let seq = 0;
  let streamed = 0;
  let elided = false;
  let run = first;
  for (;;) {
    run = await getBeamRun(db, first.id);
    const ended = BEAM_RUN_FINAL.has(run.status as BeamRunStatus);
    // Read after the status: a run seen ended has all its output written.
    const fresh = await readBeamOutputFrom(db, run.id, seq);
    seq = fresh.nextSeq;
    if (fresh.text && !elided) {
      const room = STREAMED_OUTPUT_MAX_CHARS - streamed;
      const text = fresh.text.slice(0, room);
      elided = text.length < fresh.text.length;
      streamed += text.length;
      await record({ type: "agent.beam_run_output", beam_run_id: run.id, text, elided });
    }
    if (ended || Date.now() > until) break;
    await sleep(FOLLOW_INTERVAL_MS);
  }
  const status = BEAM_RUN_FINAL.has(run.status as BeamRunStatus) ? (run.status as BeamRunStatus) : "failed";
  const result = await resultOf(db, run, status);
  await record({
    type: "agent.beam_run_ended",
    beam_run_id: run.id,
    status: status as "succeeded" | "failed" | "timed_out" | "cancelled",
    exit_code: run.exitCode,
    error: result.error,
    wall_ms: run.wallMs,
    output_bytes: run.outputBytes,
    output_truncated: run.outputTruncated,
    usage: cliUsageToWire(run),
  });
  return result;
}

/** The tool result: the run's outcome and its output's tail, cut marks included. */
async function resultOf(db: Db, run: BeamRunRow, status: BeamRunStatus): Promise<BeamCallResult> {
  const all = (await readBeamOutputFrom(db, run.id, 0)).text;
  const cut = all.length > TOOL_RESULT_MAX_CHARS;
  let output = cut
    ? `[the first ${all.length - TOOL_RESULT_MAX_CHARS} characters are left out]\n${all.slice(-TOOL_RESULT_MAX_CHARS)}`
    : all;
  if (run.outputTruncated) output += "\n[the output passed 10 MB; what came after was not kept]";
  return {
    beam_run_id: run.id,
    status,
    exit_code: run.exitCode,
    error: BEAM_RUN_FINAL.has(run.status as BeamRunStatus) ? run.error : "the run did not end in time",
    output,
    truncated: cut || run.outputTruncated,
  };
}

async function authenticate(request: Request, ctx: BeamCallContext): Promise<BeamCaller | null> {
  const auth = request.headers.get("authorization") ?? "";
  const token = auth.startsWith("Bearer ") ? auth.slice(7).trim() : "";
  const sessionId = sessionIdFromToken(token);
  if (!sessionId || (ctx.expectedSessionId && sessionId !== ctx.expectedSessionId)) return null;
  return sessionClient(ctx.env, sessionId)
    .authorizeBeamCall(token)
    .catch(() => null);
}

/** The plane member whose agent this is (runs and their cost are recorded against both). */
async function memberOfAgent(db: Db, agentId: string): Promise<{ id: string; planeId: string } | null> {
  const row = await db
    .select({ id: planeMembers.id, planeId: planeMembers.planeId })
    .from(planeMembers)
    .where(and(eq(planeMembers.agentId, agentId), isNull(planeMembers.removedAt)))
    .get();
  return row ?? null;
}

async function audit(
  db: Db,
  ctx: BeamCallContext,
  caller: BeamCaller,
  member: { id: string; planeId: string } | null,
  runId: string | null,
  outcome: "success" | "failure",
  status: number,
  errorCode: string | null,
): Promise<void> {
  await appendAudit(db, {
    at: Date.now(),
    requestId: ctx.requestId,
    actorType: "session",
    actorId: caller.sessionId,
    action: "beams.delegate",
    target: runId ?? caller.agentId,
    outcome,
    status,
    errorCode,
    planeId: member?.planeId ?? null,
  }).catch((err) => log("error", "beam delegation audit write failed", describeError(err)));
}

/**
 * The container's front door: a `WorkerEntrypoint` the session's Durable Object binds to the
 * intercepted host `beams.clawplane.internal` with `props: { sessionId }` (a warm pool
 * container: `{ poolMember }`, its claiming session; src/runtime/pool/identity.ts), so `beam_agent`
 * reaches the Worker with no network path of its own. The session token is still required and
 * must be that session's.
 */
export class BeamCallEntrypoint extends WorkerEntrypoint<Env, RuntimeBinding> {
  override async fetch(request: Request): Promise<Response> {
    const bound = await boundSession(this.env, this.ctx.props);
    const sessionId = "sessionId" in bound ? bound.sessionId : undefined;
    const ctx = { env: this.env, requestId: newId("request"), expectedSessionId: sessionId };
    if (!sessionId)
      return failure(
        ctx,
        "service_unavailable",
        "refused" in bound ? bound.refused : "no session is bound to this host",
      );
    return handleBeamCall(request, new URL(request.url).pathname, ctx);
  }
}
