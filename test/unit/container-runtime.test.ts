/**
 * ContainerRuntime over a recording stand-in for `ctx.container` (workerd runs no containers in
 * tests): what a session's container is started with, and that its model calls are routed to
 * the LLM proxy before it starts.
 */
import { describe, expect, it } from "vitest";
import { RuntimeStartError } from "../../src/runtime/agent-runtime";
import { LLM_PROXY_HOST } from "../../src/runtime/container-runtime";
import { selectRuntime } from "../../src/runtime/select-runtime";

function recordingContainer(opts: { failIntercept?: boolean } = {}) {
  const calls: Array<[string, unknown]> = [];
  const container = {
    running: false,
    interceptOutboundHttp: async (host: string, fetcher: unknown) => {
      if (opts.failIntercept) throw new Error("not supported here");
      calls.push(["intercept", { host, fetcher }]);
    },
    start: (options: unknown) => {
      calls.push(["start", options]);
      container.running = true;
    },
  };
  return { container, calls };
}

const proxyFor = (opts: { props: { sessionId: string } }) => ({ proxyFor: opts.props.sessionId });

function containerCtx(container: unknown): DurableObjectState {
  return { container, exports: { LlmProxyEntrypoint: proxyFor } } as unknown as DurableObjectState;
}

describe("ContainerRuntime", () => {
  it("routes the container's model host to the session's LLM proxy before starting it with exactly the given env", async () => {
    const { container, calls } = recordingContainer();
    const runtime = selectRuntime(containerCtx(container), {}, "sesn_abc");
    expect(runtime.kind).toBe("container");
    const env = {
      OPENCLAW_GATEWAY_TOKEN: "t",
      CLAWPLANE_SESSION_TOKEN: "cpst_x",
      CLAWPLANE_LLM_BASE_URL: `http://${LLM_PROXY_HOST}/v1`,
    };
    await runtime.start({ env, enableInternet: false });
    expect(calls).toEqual([
      ["intercept", { host: LLM_PROXY_HOST, fetcher: { proxyFor: "sesn_abc" } }],
      ["start", { env, enableInternet: false }],
    ]);
    // A second start while running does nothing.
    await runtime.start({ env, enableInternet: false });
    expect(calls).toHaveLength(2);
  });

  it("refuses to start a container whose model calls could not be routed", async () => {
    const { container, calls } = recordingContainer({ failIntercept: true });
    const runtime = selectRuntime(containerCtx(container), {}, "sesn_abc");
    await expect(runtime.start({ env: {}, enableInternet: false })).rejects.toBeInstanceOf(RuntimeStartError);
    expect(calls).toEqual([]);
  });
});
