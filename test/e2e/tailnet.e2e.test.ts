/**
 * The tailnet connector as a REAL container: `wrangler dev --enable-containers` builds
 * container/tailnet-connector/Dockerfile with its transport double (`image_vars` sets the
 * TAILNET_TRANSPORT build arg: no Tailscale download) and the org's TailnetConnectorDO starts it;
 * the agent's session runs in its own OpenClaw container, its model the model double.
 *
 * Docker here does not intercept container egress (shared local-containers README), so the two
 * hops that production intercepts are pointed at the host instead, as the sessions e2e does for
 * the model: the connector relays inbound calls to TAILNET_CONNECTOR_WORKER_ORIGIN (a forwarder
 * on the docker0 address to the Worker, which checks the connector token) instead of
 * `worker.clawplane.internal`. The double's "tailnet" is the Docker network: the test, as a
 * tailnet peer, calls the connector's ingress at the container's address, port 18789.
 *
 * The peer is two-way and its tailnet address is our own connector's node, with our agent's A2A
 * path: the test's message comes IN through the container; it asks `returnImmediately` and never
 * polls (as OpenClaw does), so the Worker pushes the agent's answer OUT as a SendMessage through
 * the connector's `/out`; the node reaches itself, so the push comes back in through the ingress
 * and lands in the same conversation. Both directions cross the container; nothing else carries
 * peer bytes (the Worker has no loopback map and no public A2A ingress).
 *
 * Run with `npm run test:e2e` (scripts/e2e.sh), one file: `scripts/e2e.sh test/e2e/tailnet.e2e.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TAILSCALE_CLIENT } from "../helpers/tailnet";
import { startTailscaleApi, type TailscaleApiDouble } from "../support/tailscale-api.mjs";
import { pollUntil } from "./support/containers.mjs";
import { containerAddress, type E2eStack, startE2eStack } from "./support/stack";

const ADMIN_KEY = "e2e-tailnet-admin-key";
const CONNECTOR_TOKEN = `connector-${crypto.randomUUID()}`;
/** The connector's tailnet ingress port in its container (OpenClaw's, as peers expect). */
const INGRESS_PORT = 18789;
/** Our connector's node: `hostname` of PUT /v1/tailnet (default) + the double's tailnet domain. */
const OUR_HOST = "clawplane.tail0000.ts.net";
/** A cold session container (OpenClaw boot on a loaded 2-core machine) plus two turns. */
const EXCHANGE_TIMEOUT_MS = 300_000;

let tsApi: TailscaleApiDouble;
let stack: E2eStack;

/** The container whose env carries `marker` (and its network owner), remembered for cleanup. */
function findContainer(marker: string, what: string): Promise<any> {
  return stack.findContainer(marker, { what, timeoutMs: 120_000, intervalMs: 250 });
}

beforeAll(async () => {
  tsApi = await startTailscaleApi({
    clients: { [TAILSCALE_CLIENT.id]: { secret: TAILSCALE_CLIENT.secret, tags: ["tag:clawplane-agent"] } },
  });
  stack = await startE2eStack({
    adminKey: ADMIN_KEY,
    providerKey: "provider-secret-for-tailnet-e2e",
    tailnetConnector: true,
    vars: ({ forwarder }) => ({
      TAILNET_CONNECTOR_TOKEN: CONNECTOR_TOKEN,
      TAILNET_CONNECTOR_WORKER_ORIGIN: `http://host.docker.internal:${forwarder.port}`,
      TAILSCALE_API_BASE_URL: tsApi.origin,
    }),
    containerLogs: { lines: 30, match: /tailnet|error/i },
  });
}, 20 * 60_000);

afterAll(async () => {
  await stack?.stop();
  await tsApi?.close();
}, 120_000);

describe("the tailnet connector in a real container", () => {
  it("boots with a minted key; a peer's message comes in through it and our answer goes out through it", async () => {
    stack.showWranglerLogOnFailure();
    // Boot: the DO mints a single-use key at the Tailscale API double, starts the container and
    // hands it the key; the container's connector joins (the double) and names its node.
    const put = await stack.api("/v1/tailnet", {
      method: "PUT",
      body: { oauth_client_id: TAILSCALE_CLIENT.id, oauth_client_secret: TAILSCALE_CLIENT.secret },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.connector).toMatchObject({
      state: "booted",
      transport: "loopback_double",
      dns_name: OUR_HOST,
      error: null,
    });
    expect(tsApi.minted).toHaveLength(1);
    const connector = await findContainer(`CONNECTOR_TOKEN=${CONNECTOR_TOKEN}`, "the connector's container");
    expect(connector.Config.Env).toContain("TAILNET_TRANSPORT=loopback_double");
    // The join key went over the control port, never into the container's env.
    expect(connector.Config.Env.join("\n")).not.toContain(tsApi.minted[0]?.key);
    const address = await containerAddress(connector);
    if (!address) throw new Error("the connector's container has no address on the Docker network");

    const agent = await stack.client.beta.agents.create({ name: "Helper", model: "claude-sonnet-4-6" });
    const a2aPath = `/a2a/agents/${agent.id}/v1`;
    // Where our answers to `team-box` go: our own node, this agent's endpoint, as `team-box-return`
    // (an inbound peer whose credential `team-box`'s outbound token is).
    const returning = await stack.api("/v1/peers", {
      body: { name: "team-box-return", address: OUR_HOST, direction: "inbound", agent_ids: [agent.id] },
    });
    expect(returning.status, JSON.stringify(returning.body)).toBe(201);
    const created = await stack.api("/v1/peers", {
      body: {
        name: "team-box",
        address: OUR_HOST,
        port: INGRESS_PORT,
        path: a2aPath,
        direction: "both",
        agent_ids: [agent.id],
        outbound_token: returning.body.inbound_token,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const peer = created.body;

    // Out and back in at the HTTP level: `peers test` fetches the card through the container's
    // /out; the card names the connector's tailnet URL, so it came through the ingress.
    const probe = await stack.api(`/v1/peers/${peer.id}/test`, { method: "POST" });
    expect(probe.body, JSON.stringify(probe.body)).toMatchObject({
      reachable: true,
      status: 200,
      error: null,
    });
    expect(probe.body.agent_card.supportedInterfaces[0].url).toBe(
      `http://${OUR_HOST}:${INGRESS_PORT}${a2aPath}`,
    );
    // The container's only way to the Worker here is the forwarder (its connections are kept alive).
    expect(stack.forwarder.connections()).toBeGreaterThan(0);

    // In: the test, as the tailnet peer, calls the connector's ingress on the Docker network, the
    // way OpenClaw's outbound does (returnImmediately, never GetTask).
    const text = "status of the build, please";
    const sent = await fetch(`http://${address}:${INGRESS_PORT}${a2aPath}`, {
      method: "POST",
      headers: { authorization: `Bearer ${peer.inbound_token}`, "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "SendMessage",
        params: {
          message: {
            messageId: crypto.randomUUID(),
            contextId: "ctx-oc-clawplane",
            role: "ROLE_USER",
            parts: [{ text }],
          },
          configuration: { returnImmediately: true },
        },
      }),
    });
    const accepted = (await sent.json()) as any;
    expect(accepted.result?.task?.status?.state, JSON.stringify(accepted)).toBe("TASK_STATE_WORKING");
    const taskId: string = accepted.result.task.id;

    // The agent answers in a session of its own (a cold OpenClaw container), and the answer is
    // pushed out through the connector, since this peer never polls.
    const session = await pollUntil(
      async () => {
        const list = await stack.api(`/v1/sessions?agent_id=${agent.id}&limit=20`);
        return list.body.data.find((s: any) => s.metadata?.peer_id === peer.id);
      },
      { timeoutMs: 60_000, intervalMs: 500, what: "the peer's session" },
    );
    expect(session.metadata).toMatchObject({ source: "a2a", context_id: "ctx-oc-clawplane" });
    await findContainer("OPENCLAW_GATEWAY_TOKEN=", "the session's container");
    const replied = await pollUntil(
      async () => {
        const events = (await stack.api(`/v1/sessions/${session.id}/events?limit=200`)).body.data as any[];
        const reply = events.find((e) => e.type === "session.peer_reply_sent" && e.task_id === taskId);
        return reply ? { events, reply } : null;
      },
      { timeoutMs: EXCHANGE_TIMEOUT_MS, intervalMs: 1_000, what: "the agent's answer to the peer" },
    );
    expect(replied.reply).toMatchObject({ state: "TASK_STATE_COMPLETED", delivery: "pushed_message" });
    expect(replied.events.find((e) => e.type === "session.peer_message_received")).toMatchObject({
      peer_id: peer.id,
      via: "tailnet_connector",
    });
    const answer = replied.events.filter((e) => e.type === "agent.message").at(-1);
    const answerText: string = answer.content.map((c: any) => c.text).join("");
    expect(answerText).toContain(text);

    // Out: the push went Worker → DO → container /out → (our own node) → ingress → Worker, and
    // arrived as a message from `team-box-return` carrying the answer's bytes.
    const push = await pollUntil(
      async () => (await stack.api("/v1/audit?action=peers.reply_push&limit=10")).body.data[0],
      { timeoutMs: 30_000, intervalMs: 500, what: "the push's audit row" },
    );
    expect(push).toMatchObject({ actor: { id: peer.id }, outcome: "success" });
    const returnSession = await pollUntil(
      async () =>
        (await stack.api(`/v1/sessions?agent_id=${agent.id}&limit=20`)).body.data.find(
          (s: any) => s.metadata?.peer_id === returning.body.id,
        ),
      { timeoutMs: 30_000, intervalMs: 500, what: "the pushed answer arriving through the ingress" },
    );
    expect(returnSession.metadata.context_id).toBe("ctx-oc-clawplane");
    const received = await pollUntil(
      async () =>
        ((await stack.api(`/v1/sessions/${returnSession.id}/events?limit=50`)).body.data as any[]).find(
          (e) => e.type === "session.peer_message_received",
        ),
      { timeoutMs: 30_000, intervalMs: 500, what: "the pushed answer's event" },
    );
    expect(received).toMatchObject({
      via: "tailnet_connector",
      bytes: new TextEncoder().encode(answerText).length,
    });

    // The connector stayed up and joined across the whole exchange, idle gaps included (its DO
    // keeps itself resident with a pending monitor(); evicted, it took its container along).
    expect(tsApi.minted).toHaveLength(1);
    const now = address;
    // The task reads the same through the container for a peer that does poll.
    const polled = await fetch(`http://${now}:${INGRESS_PORT}${a2aPath}`, {
      method: "POST",
      headers: { authorization: `Bearer ${peer.inbound_token}`, "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "GetTask", params: { id: taskId } }),
    });
    const task = ((await polled.json()) as any).result;
    expect(task.status.state).toBe("TASK_STATE_COMPLETED");
    expect(task.artifacts[0].parts[0].text).toBe(answerText);
    // Nothing but our agents' A2A endpoints answers on the tailnet side.
    expect((await fetch(`http://${now}:${INGRESS_PORT}/v1/agents`)).status).toBe(404);
  });
});
