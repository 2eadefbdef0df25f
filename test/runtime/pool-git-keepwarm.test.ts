/**
 * An idle pool member keeps OpenClaw's git worker running (container/pool-git-keepwarm.mjs), so a
 * claimed session's first turn does not pay its start in `reply.capture_session_diff_baseline`
 * (figures: README, "Where a warm start goes"). With a real gateway: the member answers the
 * keep-warm's `sessions.diff` before it is offered, keeps answering past OpenClaw's 30 s worker
 * idle timeout, and the keep-warm stops at the claim.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSupervisor } from "../../scripts/runtime-supervisor.mjs";
import { waitUntil } from "./support";

/** A pool gateway boots and warms in 20–110 s on a loaded 2-core machine. */
const POOL_READY_MS = 360_000;

type Supervisor = Awaited<ReturnType<typeof startSupervisor>>;
let supervisor: Supervisor;

beforeAll(async () => {
  supervisor = await startSupervisor({ pool: { min: 1, max: 1 } });
}, 60_000);

afterAll(async () => {
  await supervisor?.close();
}, 60_000);

describe("pool git keep-warm", () => {
  it("keeps an idle member's git worker running until the claim", async () => {
    const member = await waitUntil(() => supervisor.pool.status().members.find((m) => m.state === "idle"), {
      timeoutMs: POOL_READY_MS,
      intervalMs: 500,
      what: "an idle pool member",
    });
    if (!member) throw new Error("unreachable: waitUntil returned no member");
    // Offered only once the worker answered once.
    expect(member.git_keepwarm_pings).toBeGreaterThanOrEqual(1);
    // Pinged again within OpenClaw's 30 s idle timeout, so the worker never exits while idle.
    const before = member.git_keepwarm_pings ?? 0;
    await waitUntil(
      () =>
        (supervisor.pool.status().members.find((m) => m.id === member.id)?.git_keepwarm_pings ?? 0) > before,
      {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: "a second keep-warm ping before the worker's idle timeout",
      },
    );

    const taken = supervisor.pool.take({ CLAWPLANE_SESSION_CONFIG: JSON.stringify({}) });
    expect("member" in taken).toBe(true);
    if (!("member" in taken)) return;
    // The claim closes the pool-only connection before anything of the session is written.
    expect(taken.member.keepWarm?.stopped).toBe(true);
  }, 420_000);
});
