/**
 * ContainerRuntime over a recording stand-in for `ctx.container` (workerd runs no containers in
 * tests): what a session's container is started with, that its model and MCP calls are routed
 * to the Worker's proxies before it starts, and how its network edge follows the egress policy.
 */
import { describe, expect, it } from "vitest";
import { egressPolicyFor } from "../../src/egress/policy";
import { RuntimeStartError } from "../../src/runtime/agent-runtime";
import {
  BEAM_CALLS_HOST,
  LLM_PROXY_HOST,
  MCP_PROXY_HOST,
  PEER_CALLS_HOST,
} from "../../src/runtime/container-runtime";
import { selectRuntime } from "../../src/runtime/select-runtime";

function recordingContainer(opts: { failIntercept?: boolean } = {}) {
  const calls: Array<[string, unknown]> = [];
  const refuse = () => {
    if (opts.failIntercept) throw new Error("not supported here");
  };
  const container = {
    running: false,
    interceptOutboundHttp: async (host: string, fetcher: unknown) => {
      refuse();
      calls.push(["intercept", { host, fetcher }]);
    },
    interceptOutboundHttps: async (host: string, fetcher: unknown) => {
      refuse();
      calls.push(["interceptHttps", { host, fetcher }]);
    },
    interceptAllOutboundHttp: async (fetcher: unknown) => {
      refuse();
      calls.push(["interceptAll", { fetcher }]);
    },
    start: (options: unknown) => {
      calls.push(["start", options]);
      container.running = true;
    },
  };
  return { container, calls };
}

// Stand-ins for ctx.exports: each "fetcher" says which entrypoint it is and what it was bound with.
const entrypoint = (name: string) => (opts: { props: unknown }) => ({ entrypoint: name, props: opts.props });

function containerCtx(container: unknown): DurableObjectState {
  return {
    container,
    exports: {
      LlmProxyEntrypoint: entrypoint("llm"),
      McpProxyEntrypoint: entrypoint("mcp"),
      EgressEntrypoint: entrypoint("egress"),
      PeerCallEntrypoint: entrypoint("peers"),
      BeamCallEntrypoint: entrypoint("beams"),
    },
  } as unknown as DurableObjectState;
}

const env = {
  OPENCLAW_GATEWAY_TOKEN: "t",
  CLAWPLANE_SESSION_TOKEN: "cpst_x",
  CLAWPLANE_LLM_BASE_URL: `http://${LLM_PROXY_HOST}/v1`,
};
const proxies: Array<[string, unknown]> = [
  ["intercept", { host: LLM_PROXY_HOST, fetcher: { entrypoint: "llm", props: { sessionId: "sesn_abc" } } }],
  ["intercept", { host: MCP_PROXY_HOST, fetcher: { entrypoint: "mcp", props: { sessionId: "sesn_abc" } } }],
  [
    "intercept",
    { host: PEER_CALLS_HOST, fetcher: { entrypoint: "peers", props: { sessionId: "sesn_abc" } } },
  ],
  [
    "intercept",
    { host: BEAM_CALLS_HOST, fetcher: { entrypoint: "beams", props: { sessionId: "sesn_abc" } } },
  ],
];

describe("ContainerRuntime", () => {
  it("routes the model, MCP, peer-call and beam-call hosts to the session's proxies, then starts with exactly the given env", async () => {
    const { container, calls } = recordingContainer();
    const runtime = selectRuntime(containerCtx(container), {}, "sesn_abc");
    expect(runtime.kind).toBe("container");
    await runtime.start({ env, enableInternet: true, egress: { type: "unrestricted" } });
    // Unrestricted: nothing catch-all, internet on.
    expect(calls).toEqual([...proxies, ["start", { env, enableInternet: true }]]);
    // A second start while running does nothing.
    await runtime.start({ env, enableInternet: true });
    expect(calls).toHaveLength(proxies.length + 1);
  });

  it("under limited networking turns the internet off and sends all other HTTP and HTTPS to the egress edge", async () => {
    const { container, calls } = recordingContainer();
    const runtime = selectRuntime(containerCtx(container), {}, "sesn_abc");
    const policy = egressPolicyFor(
      {
        type: "limited",
        allowed_hosts: ["api.github.com"],
        allow_mcp_servers: true,
        allow_package_managers: false,
      },
      ["https://mcp.linear.app/mcp"],
    );
    // enableInternet: true from the caller cannot open a limited container.
    await runtime.start({ env, enableInternet: true, egress: policy });
    const edge = { entrypoint: "egress", props: { sessionId: "sesn_abc", policy } };
    expect(calls).toEqual([
      ...proxies,
      ["interceptHttps", { host: "*", fetcher: edge }],
      ["interceptAll", { fetcher: edge }],
      ["start", { env, enableInternet: false }],
    ]);
  });

  it("with secret placeholders in its env, sends all HTTP(S) to the edge even under unrestricted networking", async () => {
    const { container, calls } = recordingContainer();
    const runtime = selectRuntime(containerCtx(container), {}, "sesn_abc");
    const policy = { type: "unrestricted" } as const;
    await runtime.start({ env, enableInternet: true, egress: policy, substituteSecrets: true });
    const edge = { entrypoint: "egress", props: { sessionId: "sesn_abc", policy, substituteSecrets: true } };
    expect(calls).toEqual([
      ...proxies,
      ["interceptHttps", { host: "*", fetcher: edge }],
      ["interceptAll", { fetcher: edge }],
      ["start", { env, enableInternet: false }],
    ]);
    // Without placeholders the unrestricted path is unchanged: nothing catch-all, internet on.
    const plain = recordingContainer();
    await selectRuntime(containerCtx(plain.container), {}, "sesn_abc").start({
      env,
      enableInternet: true,
      egress: policy,
      substituteSecrets: false,
    });
    expect(plain.calls).toEqual([...proxies, ["start", { env, enableInternet: true }]]);
  });

  it("refuses to start a container whose outbound routes could not be installed", async () => {
    const { container, calls } = recordingContainer({ failIntercept: true });
    const runtime = selectRuntime(containerCtx(container), {}, "sesn_abc");
    await expect(runtime.start({ env: {}, enableInternet: false })).rejects.toBeInstanceOf(RuntimeStartError);
    expect(calls).toEqual([]);
    expect(container.running).toBe(false);
  });
});

describe("ContainerRuntime.monitor", () => {
  // ctx.container.monitor() resolves on a clean exit and rejects with the code in its message
  // otherwise (the wording @cloudflare/containers 0.3.7 parses too).
  const exiting = (outcome: () => Promise<void>) =>
    selectRuntime(containerCtx({ running: true, monitor: outcome }), {}, "sesn_abc");

  it("reports the exit code of a container that exited, and 0 for a clean exit", async () => {
    const crashed = exiting(() =>
      Promise.reject(new Error("Container exited with unexpected exit code: 137")),
    );
    expect(await crashed.monitor()).toEqual({ exitCode: 137, signal: "SIGKILL" });
    const failed = exiting(() => Promise.reject(new Error("container exited with unexpected exit code: 1")));
    expect(await failed.monitor()).toEqual({ exitCode: 1, signal: null });
    const signalled = exiting(() =>
      Promise.reject(new Error("Runtime signalled the container to exit: 143")),
    );
    expect(await signalled.monitor()).toEqual({ exitCode: 143, signal: "SIGTERM" });
    expect(await exiting(() => Promise.resolve()).monitor()).toEqual({ exitCode: 0, signal: null });
  });

  it("says the code is unknown when the platform's error carries none", async () => {
    const odd = exiting(() => Promise.reject(new Error("network connection lost")));
    expect(await odd.monitor()).toEqual({ exitCode: null, signal: null });
  });
});
