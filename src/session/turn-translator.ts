/**
 * Translates one OpenClaw run (a turn) into Claude Managed Agents events.
 *
 * OpenClaw reports a turn over several event families (see test/runtime/OBSERVED-EVENTS.md):
 * `agent` (lifecycle, tool, assistant streams), `chat` (deltas, final/aborted/error) and, after
 * `sessions.messages.subscribe`, `session.message` (whole messages with per-call usage). This
 * class keeps the little state a turn needs (open model span, tool-call ids, the message being
 * previewed) and emits CMA events through a sink, in a sensible wire order:
 * span start → agent.tool_use / agent.tool_result → previews → agent.message → span end.
 *
 * Previews (`event_start` / `event_delta`) hold one invariant for every consumer: all previews
 * of a message come before it, carry its id, and their texts add up to the message's text.
 * OpenClaw does not give that order by itself: it paces live text (one frame per 75 ms per
 * stream) and flushes the held-back tail only when the run ends or a tool starts, while the
 * whole assistant `session.message` travels on its own path and, on a fast model, overtakes
 * that tail. So the message's arrival closes its preview: the part not yet previewed is sent
 * as a last delta just before the message, and the late frames of that model call (recognised
 * by OpenClaw's per-message `itemId`) are dropped.
 */

import type { AgentEventPayload, ChatEventPayload, EventFrame } from "../runtime/openclaw/protocol";
import type { PreviewFrame, SessionEvent, SessionEventBody, SessionEventOf } from "../schemas/session-events";
import type { CustomToolCall } from "./custom-tools";
import { isThreadTool } from "./thread-tools";
import { DISPATCH_TOOL, mcpCallOf, type ToolDecision } from "./tool-policy";

export interface TurnSink {
  /** Appends a CMA event to the log and publishes it; returns it with its id. */
  emit(event: SessionEventBody, id?: string): SessionEvent;
  /** Publishes a stream-only preview frame to subscribers that asked for `forType` deltas. */
  preview(forType: "agent.message", frame: PreviewFrame): void;
  newEventId(): string;
  /** The agent's permission for an OpenClaw tool call (reported as `evaluated_permission`). */
  permission(openclawTool: string, input: Record<string, unknown>): ToolDecision;
  /** Names of the agent's MCP servers: calls of their tools are reported as MCP events. */
  mcpServers: readonly string[];
  /** Names of the agent's custom tools: their calls are the client's to answer. */
  customTools: ReadonlySet<string>;
  /** A custom tool call was reported as `agent.custom_tool_use` (event `toolUseId`). */
  customToolUse(call: CustomToolCall): void;
  /** A thread tool call (spawn_agent, message_thread) started (reported as `agent.tool_use`); the session decides it. */
  threadCall?(call: {
    tool: string;
    toolCallId: string;
    toolUseId: string;
    input: Record<string, unknown>;
  }): void;
}

export type TurnOutcome = { kind: "end_turn" } | { kind: "aborted" } | { kind: "error"; message: string };

type ModelUsage = SessionEventOf<"span.model_request_end">["model_usage"];

/** OpenClaw tool names → the CMA built-in names clients know (`exec` is CMA's `bash`). */
const TOOL_NAMES: Record<string, string> = { exec: "bash", apply_patch: "edit" };

export function cmaToolName(openclawName: string): string {
  return TOOL_NAMES[openclawName] ?? openclawName;
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function textBlocks(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((b) => b && typeof b === "object" && b.type === "text" && typeof b.text === "string")
    .map((b) => b.text as string)
    .join("");
}

/** The message being previewed: OpenClaw's item, the id its `agent.message` will get, text sent. */
interface Preview {
  itemId: string;
  id: string;
  sent: string;
}

/**
 * The OpenClaw session key an explicit compaction (`sessions.compact`) completed on, from its
 * `session.operation {operation:"compact", phase:"end", completed}` frame (sent to
 * `sessions.messages.subscribe` clients); null for any other frame. It runs outside any turn
 * (OpenClaw refuses it while a run is active), so no translator sees it: the session routes it
 * by key. Auto-compaction within a run comes as the run's `compaction` agent stream instead.
 */
export function compactedSessionKey(frame: EventFrame): string | null {
  if (frame.event !== "session.operation") return null;
  const p = frame.payload as {
    operation?: unknown;
    phase?: unknown;
    completed?: unknown;
    sessionKey?: unknown;
  };
  if (p?.operation !== "compact" || p.phase !== "end" || p.completed !== true) return null;
  return typeof p.sessionKey === "string" ? p.sessionKey.toLowerCase() : null;
}

export class TurnTranslator {
  private openSpanId: string | undefined;
  private preview: Preview | undefined;
  /** Items whose message was emitted: their late live-text frames repeat what was sent. */
  private readonly concluded = new Set<string>();
  /** Texts of messages emitted before any live text of theirs arrived, oldest first. */
  private readonly emittedAhead: string[] = [];
  private messageEmitted = false;
  private finalReplyText = "";
  private readonly toolUseIds = new Map<string, string>();
  private readonly toolInputs = new Map<string, Record<string, unknown>>();
  private readonly mcpCalls = new Set<string>();
  /** Tool calls started and not yet given a result. */
  private readonly openTools = new Set<string>();
  /** Set by the run's clean `lifecycle finishing` (stop, no abort, no error): see {@link replySettled}. */
  private finishedCleanly = false;

  constructor(
    readonly runId: string,
    private readonly sink: TurnSink,
  ) {}

  /**
   * Routes one gateway event frame to the handler for its family, if it belongs to this run.
   * Returns the outcome once the run is over.
   */
  handle(frame: EventFrame): TurnOutcome | null {
    const payload = frame.payload as {
      runId?: string;
      message?: {
        role?: string;
        content?: unknown;
        usage?: Record<string, unknown>;
        __openclaw?: { runId?: string };
      };
    };
    if (frame.event === "chat" && payload.runId === this.runId)
      return this.onChat(frame.payload as ChatEventPayload);
    if (frame.event === "agent" && payload.runId === this.runId)
      this.onAgent(frame.payload as AgentEventPayload);
    if (frame.event === "session.message" && payload.message?.role === "assistant") {
      const runId = payload.message.__openclaw?.runId;
      if (runId === undefined || runId === this.runId) this.onAssistantMessage(payload.message);
    }
    return null;
  }

  /** `agent` events: model spans, live text, tool calls and the run's terminal reply. */
  onAgent(payload: AgentEventPayload): void {
    const data = payload.data ?? {};
    if (payload.stream === "assistant") {
      this.onLiveText(data);
      return;
    }
    if (payload.stream === "lifecycle") {
      if (data.phase === "model" && data.provider) this.startSpan();
      if (data.phase === "finishing")
        this.finishedCleanly =
          data.stopReason === "stop" &&
          data.aborted !== true &&
          data.error === undefined &&
          data.yielded !== true &&
          data.replayInvalid !== true;
      if (data.phase === "end") {
        const reply = data.terminalReply as { text?: unknown } | undefined;
        if (typeof reply?.text === "string") this.finalReplyText = reply.text;
      }
      return;
    }
    if (payload.stream === "compaction") {
      // Auto-compaction mid-run: `end` with `completed` once the history is rewritten (a
      // `willRetry` end still compacted; only the model call is retried).
      if (data.phase === "end" && data.completed === true)
        this.sink.emit({ type: "agent.thread_context_compacted" });
      return;
    }
    if (payload.stream !== "tool") return;
    const callId = String(data.toolCallId ?? "");
    // The dispatcher of deferred tools is not reported: the call it dispatches is.
    if (String(data.name ?? "") === DISPATCH_TOOL) return;
    if (this.sink.customTools.has(String(data.name ?? ""))) {
      this.onCustomTool(callId, data);
      return;
    }
    if (data.phase === "start") {
      const name = String(data.name ?? "");
      const input = (data.args as Record<string, unknown>) ?? {};
      this.toolInputs.set(callId, input);
      this.openTools.add(callId);
      const permission = this.sink.permission(name, input);
      const mcp = mcpCallOf(name, input, this.sink.mcpServers);
      const event = mcp
        ? this.sink.emit({
            type: "agent.mcp_tool_use",
            mcp_server_name: mcp.server,
            name: mcp.tool,
            input: mcp.input,
            evaluated_permission: permission,
          })
        : this.sink.emit({
            type: "agent.tool_use",
            name: cmaToolName(name),
            input,
            evaluated_permission: permission,
          });
      this.toolUseIds.set(callId, event.id);
      if (mcp) this.mcpCalls.add(callId);
      if (!mcp && isThreadTool(name))
        this.sink.threadCall?.({ tool: name, toolCallId: callId, toolUseId: event.id, input });
    } else if (data.phase === "result") {
      this.openTools.delete(callId);
      const result = data.result as { content?: unknown } | undefined;
      const content = [{ type: "text" as const, text: textBlocks(result?.content) }];
      const useId = this.toolUseIds.get(callId) ?? callId;
      const isError = data.isError === true;
      if (this.mcpCalls.has(callId)) {
        this.sink.emit({ type: "agent.mcp_tool_result", mcp_tool_use_id: useId, content, is_error: isError });
      } else {
        this.sink.emit({ type: "agent.tool_result", tool_use_id: useId, content, is_error: isError });
      }
    }
  }

  /**
   * A call of one of the agent's custom tools: reported as `agent.custom_tool_use` when it
   * starts, and handed to the session, which waits for the client's answer. Its result is the
   * client's own `user.custom_tool_result`, already in the log: nothing more is reported.
   */
  private onCustomTool(callId: string, data: Record<string, unknown>): void {
    if (data.phase !== "start") return;
    const name = String(data.name ?? "");
    const input = (data.args as Record<string, unknown>) ?? {};
    this.toolInputs.set(callId, input);
    // Answered by the client, never by a result frame: the turn waits for the run's own end.
    this.openTools.add(callId);
    const event = this.sink.emit({ type: "agent.custom_tool_use", name, input });
    this.toolUseIds.set(callId, event.id);
    this.sink.customToolUse({ toolCallId: callId, toolUseId: event.id, name, input });
  }

  /**
   * Whether the run's reply is settled before the run itself ends: OpenClaw said `lifecycle
   * finishing` with a clean stop (its model calls, retries and fallbacks are over), the reply
   * was emitted as `agent.message` with its model call's usage (span closed), and no tool call
   * is open. What OpenClaw still does then (`lifecycle end`, `chat final`, ≈ 70–90 ms) is its
   * own teardown: session-store bookkeeping and post-turn maintenance. The turn may end for the
   * user here; the session keeps the run's end to wait on before it sends the next message.
   */
  replySettled(): boolean {
    return (
      this.finishedCleanly &&
      this.messageEmitted &&
      this.preview === undefined &&
      this.openSpanId === undefined &&
      this.openTools.size === 0
    );
  }

  /** The `agent.tool_use` event id reported for OpenClaw's tool call `toolCallId`, if any. */
  toolUseIdOf(toolCallId: string): string | undefined {
    return this.toolUseIds.get(toolCallId);
  }

  /** The input of OpenClaw's tool call `toolCallId`, as reported when it started. */
  toolInputOf(toolCallId: string): Record<string, unknown> | undefined {
    return this.toolInputs.get(toolCallId);
  }

  /** Assistant `session.message`: the model call's text, thinking and usage. */
  onAssistantMessage(message: { content?: unknown; usage?: Record<string, unknown> }): void {
    const blocks = Array.isArray(message.content) ? message.content : [];
    if (blocks.some((b) => b?.type === "thinking")) this.sink.emit({ type: "agent.thinking" });
    const text = textBlocks(blocks);
    if (text) this.emitMessage(text);
    const usage = message.usage ?? {};
    this.endSpan(false, {
      input_tokens: num(usage.input),
      output_tokens: num(usage.output),
      cache_creation_input_tokens: num(usage.cacheWrite),
      cache_read_input_tokens: num(usage.cacheRead),
    });
  }

  /**
   * `chat` events: the run's end. Returns the outcome once the run is over. (Chat deltas merge
   * every model call of the run into one text; the `agent` assistant stream, per message, is
   * what previews are made of.)
   */
  onChat(payload: ChatEventPayload): TurnOutcome | null {
    switch (payload.state) {
      case "final": {
        // Tool turns can end without the assistant session.message reaching us first: the
        // reply being previewed (or, if none was sent, the run's only reply) ends here.
        const text = textBlocks(payload.message?.content) || this.finalReplyText;
        if (text && (this.preview || !this.messageEmitted)) this.emitMessage(text);
        this.endSpan(false);
        return { kind: "end_turn" };
      }
      case "aborted":
        this.endSpan(true);
        return { kind: "aborted" };
      case "error":
        this.endSpan(true);
        return { kind: "error", message: payload.errorMessage ?? "the agent run failed" };
      default:
        return null;
    }
  }

  /**
   * Live text of one assistant message (`agent` stream `assistant`): `text` is the message so
   * far, `itemId` names the message. Only text that extends what was previewed is sent: a
   * preview cannot be taken back.
   */
  private onLiveText(data: Record<string, unknown>): void {
    const itemId = typeof data.itemId === "string" ? data.itemId : "";
    if (this.concluded.has(itemId)) return;
    let preview = this.preview?.itemId === itemId ? this.preview : undefined;
    const delta = typeof data.delta === "string" ? data.delta : "";
    const text = typeof data.text === "string" ? data.text : (preview?.sent ?? "") + delta;
    if (!preview) {
      // The first live text of a message that was already emitted: the rest of it is late too.
      const ahead = this.emittedAhead.shift();
      if (ahead?.startsWith(text)) {
        this.concluded.add(itemId);
        return;
      }
      this.emittedAhead.length = 0;
      if (!text) return;
      preview = this.openPreview(itemId);
    }
    if (text.startsWith(preview.sent)) this.previewDelta(preview, text.slice(preview.sent.length));
  }

  /** Emits `agent.message`, preceded by whatever part of its text no preview has carried yet. */
  private emitMessage(text: string): void {
    let preview = this.preview;
    if (preview) this.concluded.add(preview.itemId);
    else {
      preview = this.openPreview("");
      this.emittedAhead.push(text);
    }
    if (text.startsWith(preview.sent)) this.previewDelta(preview, text.slice(preview.sent.length));
    this.sink.emit({ type: "agent.message", content: [{ type: "text", text }] }, preview.id);
    this.preview = undefined;
    this.messageEmitted = true;
  }

  private openPreview(itemId: string): Preview {
    const preview = { itemId, id: this.sink.newEventId(), sent: "" };
    this.preview = preview;
    this.sink.preview("agent.message", {
      type: "event_start",
      event: { id: preview.id, type: "agent.message" },
    });
    return preview;
  }

  private previewDelta(preview: Preview, text: string): void {
    if (!text) return;
    preview.sent += text;
    this.sink.preview("agent.message", {
      type: "event_delta",
      event_id: preview.id,
      delta: { type: "content_delta", content: { type: "text", text } },
    });
  }

  /** OpenClaw repeats the `model` lifecycle phase within one call; a span opens once per call. */
  private startSpan(): void {
    if (this.openSpanId) return;
    this.openSpanId = this.sink.emit({ type: "span.model_request_start" }).id;
  }

  private endSpan(isError: boolean, usage?: ModelUsage): void {
    if (!this.openSpanId) return;
    this.sink.emit({
      type: "span.model_request_end",
      model_request_start_id: this.openSpanId,
      is_error: isError,
      model_usage: usage ?? {
        input_tokens: 0,
        output_tokens: 0,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
    this.openSpanId = undefined;
  }
}
