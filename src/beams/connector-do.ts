/**
 * `TeleportConnectorDO`: one per org (named "org"), the only thing that talks to the Teleport
 * connector — the program that holds the bot's identity and runs `tbot` and `tsh`
 * (scripts/beams-connector.mjs), authenticated with BEAMS_CONNECTOR_TOKEN:
 *
 * - On Cloudflare, the connector is this object's container (container/beams-connector/), reached
 *   on its control port. The bot's join token or identity is handed to it in `/configure` (never
 *   in its start env, never to any agent's container) and lives only in its memory and state dir.
 * - Off Cloudflare (dev, tests), it is the same program as a process at BEAMS_CONNECTOR_URL.
 *
 * It keeps the tenant within Teleport's limits with a durable queue: runs are recorded `queued`
 * in D1 before anything else (src/beams/beam-runs.ts), and this object starts the oldest ones
 * as {@link admit} allows (20 at once, 5 new per minute; creation times kept in its storage so a
 * restart does not forget them), waking itself with an alarm when the rate window frees a slot.
 * The same alarm runs the reaper: beams `tsh beams ls` shows that no open run owns, and open runs
 * this object is no longer driving (lost to a connector or Worker restart), are removed and
 * failed with the reason. Every create, exec and remove is audited with the session, agent,
 * member (in the run's record) and the bot identity.
 */
import { DurableObject } from "cloudflare:workers";
import { appendAudit } from "../db/audit";
import { createDb, type Db } from "../db/client";
import { keyringFromEnv } from "../lib/keyring";
import { log } from "../lib/log";
import type { BeamAgentCli } from "../schemas/agent-tools";
import type { BeamRunStatus } from "../schemas/beams";
import { admit, BEAM_LIMITS, type BeamLimits } from "./admission";
import { appendBeamOutput, type BeamRunRow, runsInStatus, takeQueuedRun, updateBeamRun } from "./beam-runs";
import { cliOutputReader } from "./cli-output";
import { openConnection } from "./teleport-connection";

/** How often the reaper looks, when nothing else wakes the object sooner. */
export const REAP_INTERVAL_MS = 5 * 60_000;
/**
 * After the connector was lost mid-run, the reaper looks this soon (doubling while the connector
 * is still unreachable, up to REAP_INTERVAL_MS): the lost run's beam is an orphan until then.
 */
const REAP_RETRY_MS = 5_000;
const LOST = "the connector was lost mid-run";
const REAPED = "its beam is removed by the reaper";
/** A beam younger than this may still be on its way into its run's record: the reaper spares it. */
const REAP_GRACE_MS = 2 * 60_000;
/** How `tsh beams add` reports the tenant's concurrency or rate limit (the double's wording; unverified). */
const TENANT_LIMIT = /rate limit|beam limit/i;
/** Output is written to D1 at most this often per run (stdout arrives in many small pieces). */
const OUTPUT_FLUSH_MS = 500;
/** The connector's control port in its container (the image's PORT). */
const CONTROL_PORT = 8790;
/** How long a just-started connector container may take to listen. */
const CONTAINER_READY_MS = 30_000;

/** What `tsh beams ls --format=json` lists (connectors.md §6.1). */
interface ListedBeam {
  id: string;
  uuid: string;
  owner?: string;
  expires: string;
}

type ConnectorEvent =
  | { type: "created"; id: string; uuid: string; owner?: string }
  | { type: "published"; url: string }
  | { type: "exec_started"; at: number }
  | { type: "stdout"; text: string }
  | { type: "exited"; code: number; timed_out: boolean; cancelled: boolean; stderr?: string }
  | { type: "removed"; id: string }
  | { type: "remove_failed"; id: string; message: string }
  | { type: "failed"; stage: string; message: string };

export class TeleportConnectorDO extends DurableObject<Env> {
  /** Runs this instance is driving now; an open run not here was lost (the reaper's cue). */
  private readonly driving = new Set<string>();
  private botIdentity: string | null = null;
  private configuring: Promise<boolean> | null = null;

  private get db(): Db {
    return createDb(this.env.DB);
  }

  /**
   * Teleport's limits. Only the rate window's length can be set (BEAMS_RATE_WINDOW_SECONDS), for
   * tests against the tsh double with its window shortened to match (TSH_DOUBLE_RATE_WINDOW_MS);
   * unset, it is Teleport's minute. The counts (20 at once, 5 per window) are fixed.
   */
  private get limits(): BeamLimits {
    const seconds = Number(this.env.BEAMS_RATE_WINDOW_SECONDS);
    return seconds > 0 ? { ...BEAM_LIMITS, windowMs: seconds * 1000 } : BEAM_LIMITS;
  }

  private get connector(): string {
    return "org";
  }

  /** A run was recorded: start what the limits allow. */
  async submit(_runId: string): Promise<void> {
    await this.pump();
  }

  /** The run was marked cancelled in D1; stop its exec (its beam is then removed). */
  async cancel(runId: string, _reason: string): Promise<void> {
    await this.callConnector(`/runs/${encodeURIComponent(runId)}`, { method: "DELETE" }).catch((err) =>
      log("warn", "beam connector cancel failed", { run_id: runId, error: String(err) }),
    );
  }

  override async alarm(): Promise<void> {
    await this.pump();
    try {
      await this.reap();
      await this.ctx.storage.delete("reapFailures");
    } catch (err) {
      // The connector is unreachable (restarting): look again soon, then less and less often.
      const failures = ((await this.ctx.storage.get<number>("reapFailures")) ?? 0) + 1;
      await this.ctx.storage.put("reapFailures", failures);
      await this.wakeBy(Date.now() + Math.min(REAP_RETRY_MS * 2 ** failures, REAP_INTERVAL_MS));
      log("error", "beam reaper failed", { error: String(err), failures });
    }
  }

  /**
   * A beam was created: its slot in the rate window, counted from when this run was started,
   * now counts from when the connector reported it created. Teleport counts a creation when
   * its `beams add` ran, after the start; counting from the report (later still) means the next
   * window never opens here before it opens at Teleport.
   */
  private async countCreationAt(startedAt: number, createdAt: number): Promise<void> {
    const created = (await this.ctx.storage.get<number[]>("created")) ?? [];
    const i = created.indexOf(startedAt);
    if (i < 0) return;
    created[i] = createdAt;
    await this.ctx.storage.put("created", created);
  }

  /** Sets the alarm to `at` unless it is already set sooner. */
  private async wakeBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /**
   * Starts the oldest queued runs the limits allow and sets the next wake-up. One at a time:
   * submits arrive together (a model's parallel calls) and D1 reads let calls interleave, so two
   * pumps at once would each see the same free slots and start more than the limits allow.
   */
  pump(): Promise<{ started: string[] }> {
    return this.serially(() => this.pumpOnce());
  }

  /** Pumps and the rate window's bookkeeping (`created`), one after another. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private queue: Promise<unknown> = Promise.resolve();

  private async pumpOnce(): Promise<{ started: string[] }> {
    const now = Date.now();
    const queued = await runsInStatus(this.db, this.connector, ["queued"]);
    const active = await runsInStatus(this.db, this.connector, ["starting", "running"]);
    const limits = this.limits;
    const created = ((await this.ctx.storage.get<number[]>("created")) ?? []).filter(
      (at) => at > now - limits.windowMs,
    );
    const { start, retryAt } = admit(now, active.length, created, queued.length, limits);
    const started: string[] = [];
    for (const run of queued.slice(0, start)) {
      // Another wake-up may have taken it (or the user cancelled it) since the read.
      const taken = await takeQueuedRun(this.db, run.id, now);
      if (!taken) continue;
      created.push(now);
      started.push(run.id);
      this.driving.add(run.id);
      this.ctx.waitUntil(this.drive(taken));
    }
    await this.ctx.storage.put("created", created);
    const next = Math.min(retryAt ?? Number.POSITIVE_INFINITY, now + REAP_INTERVAL_MS);
    await this.ctx.storage.setAlarm(next);
    return { started };
  }

  /** Removes beams no open run owns and fails open runs nobody drives. */
  async reap(): Promise<{ removed: string[]; failed: string[] }> {
    if (!(await this.ensureConfigured())) return { removed: [], failed: [] };
    const res = await this.callConnector("/beams", { method: "GET" });
    if (!res.ok) throw new Error(`tsh beams ls failed: ${res.status} ${await res.text()}`);
    const listed = (await res.json()) as ListedBeam[];
    const open = await runsInStatus(this.db, this.connector, ["starting", "running"]);
    const now = Date.now();
    const failed: string[] = [];
    const owned = new Set<string>();
    for (const run of open) {
      if (this.driving.has(run.id)) {
        if (run.beamUuid) owned.add(run.beamUuid);
        continue;
      }
      const reason = "the connector lost this run (restarted mid-run); its beam was removed by the reaper";
      const ended = await updateBeamRun(this.db, run.id, {
        status: "failed",
        error: reason,
        endedAt: now,
        wallMs: run.startedAt ? now - run.startedAt : null,
      });
      if (ended) failed.push(run.id);
    }
    const removed: string[] = [];
    for (const beam of listed) {
      if (owned.has(beam.uuid)) continue;
      const createdAt = Date.parse(beam.expires) - BEAM_LIMITS.ttlMs;
      if (now - createdAt < REAP_GRACE_MS && open.some((r) => this.driving.has(r.id) && !r.beamUuid))
        continue;
      const rm = await this.callConnector(`/beams/${encodeURIComponent(beam.uuid)}`, { method: "DELETE" });
      const run = open.find((r) => r.beamUuid === beam.uuid);
      await this.audit("beams.remove", run ?? null, rm.ok, beam.id);
      if (rm.ok) removed.push(beam.id);
    }
    return { removed, failed };
  }

  private async drive(run: BeamRunRow): Promise<void> {
    const started = Date.now();
    let pending = "";
    let record = run;
    let lastFlush = 0;
    const flush = async () => {
      if (!pending) return;
      const text = pending;
      pending = "";
      record = await appendBeamOutput(this.db, record, text);
      lastFlush = Date.now();
    };
    // What the user and the model see is the CLI's words; the usage it reports goes on the run.
    const reader = cliOutputReader(run.agentCli as BeamAgentCli);
    let final: { status: BeamRunStatus; exitCode?: number | null; error?: string | null } | null = null;
    // The connector went away mid-run (crash, restart): the beam it held is now an orphan.
    let lost = false;
    try {
      if (!(await this.ensureConfigured())) {
        final = { status: "failed", error: "no Teleport connection is configured" };
        return;
      }
      const res = await this.callConnector("/runs", {
        method: "POST",
        body: JSON.stringify({
          run_id: run.id,
          command: run.command,
          timeout_seconds: run.timeoutSeconds,
          publish: run.publish,
        }),
      });
      if (!res.ok || !res.body) {
        final = { status: "failed", error: `the connector refused the run (${res.status})` };
        return;
      }
      for await (const event of ndjson(res.body)) {
        switch (event.type) {
          case "created":
            await this.serially(() => this.countCreationAt(run.startedAt ?? started, Date.now()));
            await updateBeamRun(this.db, run.id, {
              beamId: event.id,
              beamUuid: event.uuid,
              botIdentity: this.botIdentity,
            });
            await this.audit("beams.create", run, true, event.id);
            break;
          case "published":
            await updateBeamRun(this.db, run.id, { publishedUrl: event.url });
            break;
          case "exec_started":
            await updateBeamRun(this.db, run.id, { status: "running", execStartedAt: Date.now() });
            await this.audit("beams.exec", run, true, null);
            break;
          case "stdout":
            pending += reader.push(event.text);
            if (Date.now() - lastFlush >= OUTPUT_FLUSH_MS) await flush();
            break;
          case "exited":
            pending += reader.end();
            final = event.cancelled
              ? { status: "cancelled", exitCode: event.code }
              : event.timed_out
                ? {
                    status: "timed_out",
                    exitCode: event.code,
                    error: `no result within ${run.timeoutSeconds} s`,
                  }
                : event.code === 0
                  ? { status: "succeeded", exitCode: 0 }
                  : {
                      status: "failed",
                      exitCode: event.code,
                      error: event.stderr || `the agent CLI exited ${event.code}`,
                    };
            break;
          case "removed":
          case "remove_failed":
            await this.audit("beams.remove", run, event.type === "removed", event.id);
            break;
          case "failed":
            await this.audit(event.stage === "add" ? "beams.create" : "beams.exec", run, false, null);
            if (event.stage === "add" && TENANT_LIMIT.test(event.message)) {
              // Teleport's own limit (beams this object did not create count too): backpressure,
              // not failure — the run goes back to the head of the queue for the next window.
              final = { status: "queued" };
            } else {
              final = { status: "failed", error: `tsh beams ${event.stage}: ${event.message}` };
            }
            break;
        }
      }
      if (!final) {
        lost = true;
        final = { status: "failed", error: `${LOST} (its stream ended without a result); ${REAPED}` };
      }
    } catch (err) {
      lost = true;
      final = {
        status: "failed",
        error: `${LOST} (${err instanceof Error ? err.message : String(err)}); ${REAPED}`,
      };
    } finally {
      await flush().catch(() => undefined);
      const now = Date.now();
      const usage = reader.usage();
      this.driving.delete(run.id);
      if (final?.status === "queued") {
        await updateBeamRun(this.db, run.id, { status: "queued", startedAt: null });
        await this.ctx.storage.setAlarm(now + this.limits.windowMs);
      } else {
        await updateBeamRun(this.db, run.id, {
          status: final?.status ?? "failed",
          exitCode: final?.exitCode ?? null,
          error: final?.error ?? null,
          endedAt: now,
          wallMs: now - started,
          ...(usage && {
            inputTokens: usage.inputTokens,
            outputTokens: usage.outputTokens,
            cacheReadTokens: usage.cacheReadTokens,
            cacheCreationTokens: usage.cacheCreationTokens,
            costUsd: usage.costUsd,
          }),
        });
        await this.pump();
        if (lost) await this.wakeBy(now + REAP_RETRY_MS);
      }
    }
  }

  /**
   * Hands the connector the bot's credential once per instance (the only place it is opened);
   * runs starting together share the one attempt (a second configure would restart tbot).
   */
  private ensureConfigured(): Promise<boolean> {
    if (this.botIdentity) return Promise.resolve(true);
    this.configuring ??= this.configure().finally(() => {
      this.configuring = null;
    });
    return this.configuring;
  }

  private async configure(): Promise<boolean> {
    const connection = await openConnection(this.db, await keyringFromEnv(this.env));
    if (!connection) return false;
    const res = await this.callConnector("/configure", {
      method: "POST",
      body: JSON.stringify({
        proxy: connection.proxyAddress,
        bot_name: connection.botName,
        credential: { type: connection.credential.type, secret: connection.credential.secret },
      }),
    });
    if (!res.ok) throw new Error(`the connector could not join Teleport (${res.status})`);
    this.botIdentity = ((await res.json()) as { bot_identity: string }).bot_identity;
    return true;
  }

  /** The connector: the local process when BEAMS_CONNECTOR_URL is set, else this object's container. */
  private async callConnector(path: string, init: RequestInit): Promise<Response> {
    const env = this.env;
    const token = env.BEAMS_CONNECTOR_TOKEN;
    if (!token) throw new Error("BEAMS_CONNECTOR_TOKEN is not set");
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const res = await this.reachConnector(path, { ...init, headers }, token, env.BEAMS_CONNECTOR_URL);
    if (res.status !== 409 || path === "/configure") return res;
    // A connector that restarted (a new container, or the process) has forgotten the bot
    // ("not configured"): configure it again and repeat the call once.
    this.botIdentity = null;
    if (!(await this.ensureConfigured())) return res;
    return this.reachConnector(path, { ...init, headers }, token, env.BEAMS_CONNECTOR_URL);
  }

  private async reachConnector(
    path: string,
    init: RequestInit,
    token: string,
    url: string | undefined,
  ): Promise<Response> {
    if (url) return fetch(`${url}${path}`, init);
    const container = this.ctx.container;
    if (!container) throw new Error("no Teleport connector: neither a container nor BEAMS_CONNECTOR_URL");
    if (!container.running) {
      // A container that was not running has no bot yet, whatever this instance remembers.
      this.botIdentity = null;
      container.start({
        // Only the token its caller authenticates with: the bot's credential comes in /configure.
        env: { BEAMS_CONNECTOR_TOKEN: token, PORT: String(CONTROL_PORT), HOST: "0.0.0.0" },
        // tsh and tbot reach the org's Teleport proxy.
        enableInternet: true,
      });
    }
    // Freshly started, the connector listens within seconds: retry the connection until then.
    const port = container.getTcpPort(CONTROL_PORT);
    const deadline = Date.now() + CONTAINER_READY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await port.fetch(new Request(`http://connector${path}`, init));
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await scheduler.wait(Math.min(250 * 2 ** attempt, 2_000));
      }
    }
  }

  private async audit(action: string, run: BeamRunRow | null, ok: boolean, beamId: string | null) {
    await appendAudit(this.db, {
      at: Date.now(),
      requestId: run?.id ?? `reaper:${beamId}`,
      // The workload acted: the session that delegated (or the reaper), as the bot identity.
      actorType: run ? "session" : "beam_reaper",
      actorId: run ? run.sessionId : (this.botIdentity ?? "unknown"),
      action,
      target: run?.id ?? beamId,
      outcome: ok ? "success" : "failure",
      status: ok ? 200 : 502,
      errorCode: ok ? null : "beam_connector_error",
      planeId: run?.planeId ?? null,
    }).catch((err) => log("error", "beam audit write failed", { action, error: String(err) }));
  }
}

async function* ndjson(body: ReadableStream<Uint8Array>): AsyncGenerator<ConnectorEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut = buffer.indexOf("\n");
    while (cut >= 0) {
      const line = buffer.slice(0, cut).trim();
      buffer = buffer.slice(cut + 1);
      if (line) yield JSON.parse(line) as ConnectorEvent;
      cut = buffer.indexOf("\n");
    }
  }
}
