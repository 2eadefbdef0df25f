/**
 * Sessions with a turn waiting for the user's answer to a tool call (an approval or a custom
 * tool's result) whose run is gone, as the session object leaves it after an eviction or a
 * runtime restart. workerd tests only: they run no runtime.
 */
import { runInDurableObject } from "cloudflare:test";
import type { SessionEventBody } from "../../src/schemas/session-events";
import type { ApprovalBook, PendingApproval } from "../../src/session/approvals";
import type { EventLog } from "../../src/session/event-log";
import type { InputQueue } from "../../src/session/input-queue";
import type { SessionDO } from "../../src/session/session-do";
import { callJson, MINIMAL_AGENT } from "./api";
import { sessionObject } from "./session-object";

/** A new session of a new agent with these tools (and other agent fields). */
export async function sessionWithTools(
  tools: unknown[],
  agentExtra: Record<string, unknown> = {},
): Promise<string> {
  const agent = (await callJson("/v1/agents", { body: { ...MINIMAL_AGENT, tools, ...agentExtra } })).body;
  const environment = (
    await callJson("/v1/environments", { body: { name: `waiting-${crypto.randomUUID()}` } })
  ).body;
  return (await callJson("/v1/sessions", { body: { agent: agent.id, environment_id: environment.id } })).body
    .id;
}

/**
 * Plants message `text`, the agent's tool call event `use`, and the call waiting for its answer
 * (`pending`, completed with the ids of what was planted; its run is the message's first).
 */
export function plantWaitingTurn(
  sessionId: string,
  text: string,
  use: SessionEventBody,
  pending: Omit<PendingApproval, "toolUseId" | "runId" | "eventId">,
): Promise<{ messageId: string; useId: string }> {
  return runInDurableObject(sessionObject(sessionId), (instance: SessionDO) => {
    const internals = instance as unknown as {
      events: EventLog;
      queue: InputQueue;
      approvals: { book: ApprovalBook };
    };
    const { event: message } = internals.events.append(
      { type: "user.message", content: [{ type: "text", text }] },
      null,
    );
    internals.queue.enqueue(message.id, text, Date.now());
    const { event } = internals.events.append(use, Date.now());
    internals.approvals.book.add({
      ...pending,
      toolUseId: event.id,
      runId: `${message.id}:1`,
      eventId: message.id,
    });
    return { messageId: message.id, useId: event.id };
  });
}
