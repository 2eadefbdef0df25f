/** The LLM proxy's view of sessions: each session's Durable Object is its meter. */
import type { MeterSource } from "../llm/session-meter";
import { recordAgentUsage } from "../planes/usage";
import { unwrap } from "./rpc-result";
import { sessionStub } from "./stub";

export const sessionMeters: MeterSource = (env) => (sessionId) => {
  const stub = sessionStub(env, sessionId);
  return {
    authorize: (token) => unwrap(stub.authorizeModelCall(token)),
    record: async (usage) => {
      await stub.recordModelUsage(usage);
      // The agent's monthly ledger (plane budgets and status read it, not the session objects).
      await recordAgentUsage(env.DB, sessionId, usage);
    },
  };
};
