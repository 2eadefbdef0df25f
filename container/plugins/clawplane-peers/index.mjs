// Clawplane peers: the agent's tailnet peers (other OpenClaw agents, reached by A2A) as two
// tools, `peer_send` and `peer_list`.
//
// Every call goes to the Worker (the plugin config's `url`: the intercepted host
// http://peers.clawplane.internal in a container, the Worker's /peers/v1 for local runtimes),
// authenticated with this session's token (`sessionToken`, the one the LLM proxy takes). Both
// come from `plugins.entries["clawplane-peers"].config`, so a pool gateway claimed by a session
// gets them on the config reload (register() re-runs); CLAWPLANE_PEERS_URL and
// CLAWPLANE_SESSION_TOKEN in the env are the fallback for gateways started without them. The Worker checks the peer is granted to this agent, applies the rate limit, audits,
// and calls the peer over the tailnet with the peer's token, which never reaches this process.
// Without a URL (an agent with no outbound peer) no tool is registered.

const MAX_RESULT_CHARS = 100_000;
/** Longer than the Worker's own limit on one peer exchange (150 s), so the Worker answers first. */
const CALL_TIMEOUT_MS = 170_000;

function text(value, isError = false) {
  return {
    content: [{ type: "text", text: String(value).slice(0, MAX_RESULT_CHARS) }],
    details: isError ? { status: "error" } : {},
  };
}

/** Where and as whom the tools call: the plugin's config, else the boot env. */
function workerOf(pluginConfig) {
  return {
    base: pluginConfig?.url ?? process.env.CLAWPLANE_PEERS_URL,
    token: pluginConfig?.sessionToken ?? process.env.CLAWPLANE_SESSION_TOKEN ?? "",
  };
}

async function callWorker({ base, token }, path, init, signal) {
  const timeout = AbortSignal.timeout(CALL_TIMEOUT_MS);
  const res = await fetch(`${base}${path}`, {
    ...init,
    headers: {
      ...(init.headers ?? {}),
      authorization: `Bearer ${token}`,
    },
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
  let body;
  try {
    body = await res.json();
  } catch {
    body = {};
  }
  return { status: res.status, body };
}

const entry = {
  id: "clawplane-peers",
  name: "Clawplane peers",
  description: "Talk to the agent's tailnet peers (other OpenClaw agents) through Clawplane.",
  register(api) {
    const worker = workerOf(api.pluginConfig);
    if (!worker.base) return;
    api.registerTool({
      name: "peer_list",
      label: "peer_list",
      description: "List the peers (other agents on your team's private network) you may send messages to.",
      parameters: { type: "object", properties: {}, additionalProperties: false },
      catalogMode: "direct-only",
      async execute(_toolCallId, _params, signal) {
        try {
          const { status, body } = await callWorker(worker, "/peers", { method: "GET" }, signal);
          if (status !== 200) return text(body?.error?.message ?? `peer list failed (HTTP ${status})`, true);
          const names = (body.data ?? []).map((p) => p.name);
          return text(names.length ? `Your peers: ${names.join(", ")}` : "You have no peers.");
        } catch (err) {
          return text(`peer list failed: ${err?.message ?? err}`, true);
        }
      },
    });
    api.registerTool({
      name: "peer_send",
      label: "peer_send",
      description:
        "Send a message to a peer agent and (by default) wait for its answer, which is the tool result. " +
        "With wait=false the answer arrives later as an event and this returns at once.",
      parameters: {
        type: "object",
        properties: {
          peer: { type: "string", description: "The peer's name (see peer_list)" },
          message: { type: "string", description: "What to say to the peer" },
          wait: { type: "boolean", description: "Wait for the answer (default true)" },
        },
        required: ["peer", "message"],
        additionalProperties: false,
      },
      catalogMode: "direct-only",
      async execute(_toolCallId, params, signal) {
        try {
          const { status, body } = await callWorker(
            worker,
            "/send",
            {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ peer: params?.peer, message: params?.message, wait: params?.wait }),
            },
            signal,
          );
          if (body?.error) return text(body.error.message ?? `peer_send failed (HTTP ${status})`, true);
          if (body.status === "sent") return text(`Sent to ${body.peer}; the answer will arrive later.`);
          return text(body.reply ?? "", body.is_error === true);
        } catch (err) {
          return text(`peer_send failed: ${err?.message ?? err}`, true);
        }
      },
    });
  },
};

export default entry;
