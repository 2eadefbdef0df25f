/**
 * Answering a peer that never asks for its answer.
 *
 * A2A's way back is the task: `SendMessage` blocks until the answer, or, with
 * `configuration.returnImmediately`, answers WORKING and the caller polls `GetTask`. OpenClaw's
 * `channels.a2a` outbound (the `message` tool with an `a2a:<peer>` target) sends
 * `returnImmediately: true` and never polls (connectors.md §4.2–4.3): an answer left in the task
 * never reaches it. Such a gateway takes answers the way it sends them, as a `SendMessage` to its
 * own `/a2a/v1` from the peer it configured (OpenClaw pushes its own error replies that way), and
 * runs it in that peer's session for the `contextId`.
 *
 * So a task whose caller asked `returnImmediately` and had not polled it by the time it ended
 * (allowing a short grace for a poller's first look) is also pushed to the peer, when we can call
 * it: a peer with direction `both`, an outbound token and its tailnet address. Blocking callers
 * and pollers (another Clawplane, A2A SDK clients) get the task result only, never a duplicate.
 * A message that is itself an answer (role `ROLE_AGENT`, as our pushes are) is never answered by
 * a push: two deployments that both push would otherwise answer each other's answers forever.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { peerTasks } from "../db/schema";
import { keyringFromEnv } from "../lib/keyring";
import { PeerCallError, pushA2aMessage } from "../peers/a2a-client";
import { openOutboundToken, type PeerRow } from "../peers/peer-store";
import { tailnetTransport } from "../peers/transport";

/** A poller's first `GetTask` may come this long after `SendMessage` (our own client: 500 ms). */
const POLL_GRACE_MS = 2_000;

/** How the answer reached the peer: in the A2A task only, or also pushed as our own `SendMessage`. */
export type ReplyDelivery = "task_result" | "pushed_message";

export interface FinishedTask {
  id: string;
  contextId: string;
  createdAt: number;
  /** Whether the peer's `SendMessage` asked `configuration.returnImmediately`. */
  returnImmediately: boolean;
  /** Whether the peer's message was an agent's answer (`ROLE_AGENT`) rather than a request. */
  fromAgent: boolean;
  reply: string;
}

/** Whether we can send `peer` a message at all (its address and a token for it). */
function callable(peer: PeerRow): boolean {
  return peer.direction === "both" && peer.outboundCiphertext !== null && Boolean(peer.address);
}

/**
 * Pushes the answer when the peer will not poll for it (see the module header). Never throws:
 * `error` says why a push that was due failed (the answer stays readable with `GetTask`).
 */
export async function deliverReply(
  env: Env,
  db: Db,
  peer: PeerRow,
  task: FinishedTask,
): Promise<{ delivery: ReplyDelivery; error: string | null }> {
  if (!task.returnImmediately || task.fromAgent || !callable(peer))
    return { delivery: "task_result", error: null };
  const grace = task.createdAt + POLL_GRACE_MS - Date.now();
  if (grace > 0) await new Promise((resolve) => setTimeout(resolve, grace));
  const row = await db.query.peerTasks.findFirst({ where: eq(peerTasks.id, task.id) });
  if (row?.polledAt != null) return { delivery: "task_result", error: null };
  try {
    const token = await openOutboundToken(await keyringFromEnv(env), peer);
    if (!token) throw new PeerCallError("no token is stored for this peer", "refused");
    await pushA2aMessage(
      tailnetTransport(env),
      { address: peer.address, port: peer.port, a2aPath: peer.path },
      token,
      { text: task.reply, contextId: task.contextId, answersTaskId: task.id },
    );
    return { delivery: "pushed_message", error: null };
  } catch (err) {
    const message = err instanceof PeerCallError ? err.message : "the peer could not be reached";
    return { delivery: "task_result", error: message };
  }
}

/** Notes that the peer polled `taskId` (the first time only): it reads its answers from tasks. */
export async function markPolled(db: Db, taskId: string): Promise<void> {
  await db
    .update(peerTasks)
    .set({ polledAt: Date.now() })
    .where(and(eq(peerTasks.id, taskId), isNull(peerTasks.polledAt)));
}
