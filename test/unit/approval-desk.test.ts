/**
 * ApprovalDesk: tool calls under `always_ask`, from OpenClaw's request to the user's answer.
 * The host is the session object's side (its turn and the actions it takes); every call the
 * desk makes on it is recorded, as the session object would act on it.
 */
import { describe, expect, it } from "vitest";
import { expandTools } from "../../src/domain/agent-tools";
import {
  type ApprovalCall,
  ApprovalDesk,
  type DeskHost,
  type DeskTurn,
} from "../../src/session/approval-desk";
import { ApprovalBook, type CustomToolAnswer } from "../../src/session/approvals";
import { mcpToolName } from "../../src/session/tool-policy";
import { waitFor } from "../helpers/wait";
import { withObjectStorage } from "./support";

const SESSION_KEY = "agent:main:sesn_1";
const INPUT = { command: "ls" };

/** An agent whose `bash` (OpenClaw's `exec`) asks, and whose MCP server `docs` asks (CMA's default). */
const TOOLS = expandTools(
  [
    {
      type: "agent_toolset_20260401",
      configs: [{ name: "bash", permission_policy: { type: "always_ask" } }],
    },
    { type: "mcp_toolset", mcp_server_name: "docs" },
  ] as never,
  [],
);

function turnOf(runId: string): DeskTurn {
  return {
    runId,
    eventId: "sevt_msg",
    translator: {
      toolUseIdOf: (toolCallId) => (toolCallId.startsWith("call_") ? `sevt_use_${toolCallId}` : undefined),
      toolInputOf: () => INPUT,
    },
  };
}

function desk(storage: DurableObjectStorage, opts: { answerHeld?: boolean } = {}) {
  const seen = {
    turn: turnOf("run-1") as DeskTurn | undefined,
    answers: [] as Array<{ call: ApprovalCall; allow: boolean; denyMessage?: string }>,
    customAnswers: [] as Array<{ toolCallId: string; answer: CustomToolAnswer }>,
    waiting: [] as string[][],
    aborted: [] as string[],
    resumed: 0,
    kicked: 0,
  };
  const host: DeskHost = {
    turn: () => seen.turn,
    sessionKey: () => SESSION_KEY,
    agentTools: () => TOOLS,
    answer: async (call, allow, denyMessage) => {
      seen.answers.push({ call, allow, denyMessage });
      return opts.answerHeld ?? true;
    },
    answerCustom: async (toolCallId, answer) => {
      seen.customAnswers.push({ toolCallId, answer });
      return opts.answerHeld ?? true;
    },
    abort: (runId) => void seen.aborted.push(runId),
    waitForUser: (ids) => void seen.waiting.push(ids),
    resumeRunning: () => void seen.resumed++,
    kick: () => void seen.kicked++,
  };
  return { desk: new ApprovalDesk(new ApprovalBook(storage.kv), host), seen };
}

const request = (id: string, toolCallId: string, extra: Record<string, unknown> = {}) => ({
  id,
  expiresAtMs: Date.now() + 120_000,
  request: { toolName: "exec", toolCallId, sessionKey: SESSION_KEY, runId: "run-1", ...extra },
});

const customCall = (toolCallId: string, input: Record<string, unknown> = { city: "Paris" }) => ({
  toolCallId,
  toolUseId: `sevt_custom_${toolCallId}`,
  name: "get_weather",
  input,
});

describe("ApprovalDesk", () => {
  it("waits for the user on a request, and answers OpenClaw with the user's answer", () =>
    withObjectStorage(async (storage) => {
      const { desk: d, seen } = desk(storage);
      d.onRequested(request("appr_1", "call_1"));
      expect(seen.waiting).toEqual([["sevt_use_call_1"]]);
      expect(d.isWaiting("sevt_msg")).toBe(true);

      d.confirm("sevt_use_call_1", false, "not now");
      expect(seen.answers).toEqual([
        { call: { approvalId: "appr_1", toolCallId: "call_1" }, allow: false, denyMessage: "not now" },
      ]);
      expect(seen.resumed).toBe(1);
      expect(d.isWaiting("sevt_msg")).toBe(false);
      d.clearParkTimer();
    }));

  it("takes a call's first answer only: a second answer to it changes nothing", () =>
    withObjectStorage(async (storage) => {
      const { desk: d, seen } = desk(storage);
      d.onRequested(request("appr_1", "call_1"));
      d.confirm("sevt_use_call_1", true);
      d.confirm("sevt_use_call_1", false);
      expect(seen.answers.map((a) => a.allow)).toEqual([true]);
      expect(seen.resumed).toBe(1);
      d.clearParkTimer();
    }));

  it("resumes only once every pending call of the turn has its answer", () =>
    withObjectStorage(async (storage) => {
      const { desk: d, seen } = desk(storage);
      d.onRequested(request("appr_1", "call_1"));
      d.onRequested(request("appr_2", "call_2"));
      expect(seen.waiting.at(-1)).toEqual(["sevt_use_call_1", "sevt_use_call_2"]);
      d.confirm("sevt_use_call_1", true);
      expect(seen.resumed).toBe(0);
      d.confirm("sevt_use_call_2", true);
      expect(seen.resumed).toBe(1);
      d.clearParkTimer();
    }));

  it("ignores requests of other sessions and other runs, and denies calls it never reported", () =>
    withObjectStorage(async (storage) => {
      const { desk: d, seen } = desk(storage);
      d.onRequested(request("appr_x", "call_1", { sessionKey: "agent:main:other" }));
      d.onRequested(request("appr_y", "call_1", { runId: "run-old" }));
      expect(seen.answers).toEqual([]);
      expect(seen.waiting).toEqual([]);
      d.onRequested(request("appr_z", "unreported"));
      expect(seen.answers).toEqual([
        { call: { approvalId: "appr_z", toolCallId: "unreported" }, allow: false },
      ]);
      expect(d.isWaiting("sevt_msg")).toBe(false);
    }));

  it("keeps an answer given after the run is gone, runs the turn again, and answers its repeat at once", () =>
    withObjectStorage(async (storage) => {
      const { desk: d, seen } = desk(storage);
      d.onRequested(request("appr_1", "call_1"));
      d.clearParkTimer();
      seen.turn = undefined; // the object was evicted, or the runtime restarted
      d.confirm("sevt_use_call_1", true);
      expect(seen.answers).toEqual([]);
      expect(seen.kicked).toBe(1);
      expect(d.resumeNote()).toContain("The user approved your bash call");

      seen.turn = turnOf("run-2");
      d.onRequested(request("appr_2", "call_9", { runId: "run-2" }));
      expect(seen.answers).toEqual([{ call: { approvalId: "appr_2", toolCallId: "call_9" }, allow: true }]);
      expect(seen.waiting).toEqual([["sevt_use_call_1"]]); // only the first request asked the user
      d.endTurn("sevt_msg");
      expect(d.resumeNote()).toBeNull();
    }));

  it("waits for the client on a custom tool call, and hands the runtime the client's result", () =>
    withObjectStorage(async (storage) => {
      const { desk: d, seen } = desk(storage);
      d.onCustomToolUse(customCall("call_a"));
      d.onCustomToolUse(customCall("call_b", { city: "Oslo" }));
      expect(seen.waiting.at(-1)).toEqual(["sevt_custom_call_a", "sevt_custom_call_b"]);
      expect(d.awaits("sevt_custom_call_a", "custom")).toBe(true);
      // A tool confirmation cannot answer a custom tool call, nor a custom result an approval.
      expect(d.awaits("sevt_custom_call_a", "approval")).toBe(false);

      d.answerCustom("sevt_custom_call_a", { text: "18 C", isError: false });
      expect(seen.resumed).toBe(0); // one call of the turn still waits
      d.answerCustom("sevt_custom_call_b", { text: "no such city", isError: true });
      d.answerCustom("sevt_custom_call_b", { text: "again", isError: false }); // answered already
      expect(seen.customAnswers).toEqual([
        { toolCallId: "call_a", answer: { text: "18 C", isError: false } },
        { toolCallId: "call_b", answer: { text: "no such city", isError: true } },
      ]);
      expect(seen.resumed).toBe(1);
      expect(d.isWaiting("sevt_msg")).toBe(false);
      d.clearParkTimer();
    }));

  it("keeps a custom tool result given after the run is gone, and answers the call's repeat with it", () =>
    withObjectStorage(async (storage) => {
      const { desk: d, seen } = desk(storage);
      d.onCustomToolUse(customCall("call_a"));
      d.clearParkTimer();
      seen.turn = undefined; // the runtime restarted while the call waited
      d.answerCustom("sevt_custom_call_a", { text: "18 C", isError: false });
      expect(seen.customAnswers).toEqual([]);
      expect(seen.kicked).toBe(1);
      expect(d.resumeNote()).toContain('get_weather call {"city":"Paris"} returned: 18 C');

      seen.turn = turnOf("run-2");
      d.onCustomToolUse({ ...customCall("call_z"), toolUseId: "sevt_repeat" });
      expect(seen.customAnswers).toEqual([
        { toolCallId: "call_z", answer: { text: "18 C", isError: false } },
      ]);
      expect(seen.waiting).toEqual([["sevt_custom_call_a"]]); // the repeat asked nobody
      expect(d.isWaiting("sevt_msg")).toBe(false);
    }));

  it("parks the run when OpenClaw no longer holds the request it answers", () =>
    withObjectStorage(async (storage) => {
      const { desk: d, seen } = desk(storage, { answerHeld: false });
      d.onRequested(request("appr_1", "call_1"));
      d.confirm("sevt_use_call_1", true);
      await waitFor(() => seen.aborted.length > 0, { what: "the run to be parked" });
      expect(seen.aborted).toEqual(["run-1"]);
      expect(seen.turn?.parked).toBe(true);
      expect(d.resumeNote()).toContain("approved");
      d.clearParkTimer();
    }));

  it("parks the run before OpenClaw's approval deadline, so OpenClaw never times the call out", () =>
    withObjectStorage(async (storage) => {
      const { desk: d, seen } = desk(storage);
      d.onRequested(request("appr_1", "call_1", {}));
      d.onRequested({ ...request("appr_2", "call_2"), expiresAtMs: Date.now() + 5_000 });
      await waitFor(() => seen.aborted.length > 0, { what: "the park timer", timeoutMs: 5_000 });
      expect(seen.aborted).toEqual(["run-1"]);
      expect(seen.turn?.parked).toBe(true);
      expect(d.isWaiting("sevt_msg")).toBe(true); // the message waits, queued, for the answers
    }));

  it("lets the MCP proxy pass an asking call once, and only the call the user allowed", () =>
    withObjectStorage(async (storage) => {
      const { desk: d } = desk(storage);
      const call = { server: "docs", tool: "search", arguments: INPUT };
      expect(d.permitMcpCalls([call])).toMatchObject({ permitted: false });
      d.onRequested(request("appr_1", "call_1", { toolName: mcpToolName("docs", "search") }));
      d.confirm("sevt_use_call_1", true);
      expect(d.permitMcpCalls([{ ...call, arguments: { command: "rm" } }])).toMatchObject({
        permitted: false,
      });
      expect(d.permitMcpCalls([call])).toEqual({ permitted: true });
      expect(d.permitMcpCalls([call])).toMatchObject({ permitted: false });
      d.clearParkTimer();
    }));
});
