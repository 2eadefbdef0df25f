/**
 * Human output of the `planes` commands: plane, member and rollout details, the per-member
 * status table, log lines, and the block that shows a token the one time it exists.
 */
import type {
  Plane,
  PlaneLogEntry,
  PlaneMember,
  PlaneRollout,
  PlaneRolloutProgress,
  PlaneStatus,
} from "../types.js";
import { warmPoolSummary } from "./context.js";
import { keyValues, summarize, table } from "./format.js";

/** Dollars: cents, or four decimals for sub-cent amounts so a little usage does not read as $0.00. */
export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined) return "-";
  return value > 0 && value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function versions(v: PlaneRollout["from"]): string {
  return `runtime ${v.runtime_version}, template v${v.template_version}`;
}

/** The model id of a resolved template (`model` is a string or `{id, …}`). */
function templateModel(template: Record<string, unknown>): unknown {
  const model = template.model;
  return typeof model === "object" && model !== null ? (model as { id?: unknown }).id : model;
}

export function planeDetails(p: Plane): string {
  return keyValues([
    ["id", p.id],
    ["name", p.name],
    ["description", p.description],
    ["model", templateModel(p.template)],
    ["instance type", p.instance_type],
    ["region", p.region],
    ["budget", p.monthly_budget_usd === null ? "none" : `${usd(p.monthly_budget_usd)} per member per month`],
    ["runtime", p.runtime_version],
    ["warm pool", warmPoolSummary(p.warm_pool, "none of its own (the shared pool)")],
    ["template", `v${p.template_version}`],
    ["created", p.created_at],
  ]);
}

export function planeTable(planes: Plane[]): string {
  return table(
    ["name", "id", "model", "instance", "region", "budget", "runtime", "template", "created"],
    planes.map((p) => [
      p.name,
      p.id,
      templateModel(p.template),
      p.instance_type,
      p.region,
      p.monthly_budget_usd === null ? "none" : usd(p.monthly_budget_usd),
      p.runtime_version,
      `v${p.template_version}`,
      p.created_at,
    ]),
  );
}

export function memberDetails(m: PlaneMember): string {
  return keyValues([
    ["id", m.id],
    ["plane", m.plane_id],
    ["name", m.name],
    ["owner", m.owner],
    ["agent", m.agent_id],
    ["environment", m.environment_id],
    ["vault", m.vault_id],
    ["status", m.status],
    ["runtime", m.runtime_version],
    ["template", `v${m.template_version}`],
    ["created", m.created_at],
  ]);
}

/**
 * A secret the server returns once: labelled so nobody mistakes it for an id, with a line
 * saying it cannot be shown again, then copy-paste lines that use it.
 */
export function tokenBlock(label: string, token: string, usage: string[]): string {
  return [
    "",
    `${label} (shown once; store it now, it cannot be retrieved again):`,
    "",
    `  ${token}`,
    "",
    ...usage,
    "",
  ].join("\n");
}

export function rolloutDetails(r: PlaneRollout): string {
  return keyValues([
    ["id", r.id],
    ["status", r.status],
    ["from", versions(r.from)],
    ["to", versions(r.to)],
    ["progress", rolloutProgress(r)],
    ...(r.error ? ([["error", r.error]] as [string, unknown][]) : []),
    ["created", r.created_at],
    ["completed", r.completed_at],
    ["rolled back", r.rolled_back_at],
  ]);
}

function rolloutProgress(
  r: Pick<PlaneRolloutProgress, "members_total" | "members_upgraded" | "sessions_pending">,
) {
  return `${r.members_upgraded}/${r.members_total} members upgraded, ${count(r.sessions_pending, "session")} pending`;
}

/** One plane's status: a row per member, the totals, the running rollout. */
export function statusReport(s: PlaneStatus): string {
  const rows = s.members.map((m) => [
    m.name,
    m.owner,
    m.health,
    `${m.sessions.active}/${m.sessions.total}`,
    m.runtime_state,
    m.last_activity_at,
    `${m.runtime_version} t${m.template_version}`,
    `${usd(m.cost_this_month_usd)} / ${m.budget_usd === null ? "none" : usd(m.budget_usd)}`,
  ]);
  const t = s.totals;
  const rollout = s.rollout;
  const rolloutLine = rollout
    ? `rollout ${rollout.id} ${rollout.status} to ${versions(rollout.target)}: ${rolloutProgress(rollout)}`
    : "rollout: none in progress";
  return [
    `plane ${s.plane.name} (${s.plane.id}): ${versions(s.plane)}`,
    table(
      ["member", "owner", "health", "sessions", "runtime", "last activity", "version", "cost / budget"],
      rows,
    ).trimEnd(),
    `totals: ${count(t.members, "member")}, sessions ${t.sessions_active} active / ${t.sessions_total} total, cost this month ${usd(t.cost_this_month_usd)}${
      // The plane's own warm pools' waiting cost, when it has any (older servers do not say).
      t.warm_pool_cost_this_month_usd ? ` + warm pool ${usd(t.warm_pool_cost_this_month_usd)}` : ""
    }`,
    rolloutLine,
    // The plane's own warm pools (billed to it), when it has any.
    ...(s.runtime_pool?.pools ?? []).flatMap((p) => [
      `warm pool ${p.key}: ${p.idle} idle, ${p.warming} warming (min ${p.min_idle}, max ${p.max}); claims ${p.claims}, misses ${p.misses}, refills ${p.refills}, expired ${p.expired}; ${p.warm_seconds} runtime-s waiting`,
      ...(p.stopped ? [`  stopped: ${p.stopped}`] : []),
      ...(p.last_error
        ? [`  last error${p.last_error_at ? ` (${p.last_error_at})` : ""}: ${p.last_error}`]
        : []),
    ]),
    ...warmPoolCostLine(s.runtime_pool?.cost),
    "",
  ].join("\n");
}

/** The month's warm pool time and estimated cost billed to the plane, when there is any. */
function warmPoolCostLine(cost: PlaneStatus["runtime_pool"]["cost"] | undefined): string[] {
  if (!cost || cost.warm_seconds === 0) return [];
  const hours = (cost.warm_seconds / 3600).toFixed(1);
  const rate = cost.usd_per_hour === null ? "no rate set" : `at $${cost.usd_per_hour}/h`;
  return [
    `warm pool cost ${cost.month}: ${hours} runtime-h waiting, ${usd(cost.cost_usd)} (estimated, ${rate})`,
  ];
}

/** A timestamp to the second, readable (`2026-11-02 10:00:05`); `-` when absent. */
function when(time: string | null | undefined): string {
  if (!time) return "-".padEnd(19);
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * One log item per line: time, session, event type, what it says. An event not processed yet
 * (a queued message's echo) has no time of its own; a live follow passes the time it was seen.
 */
export function logLine(entry: PlaneLogEntry, seenAt?: string): string {
  if ("source" in entry) {
    return `${when(entry.time)}  ${entry.session_id}  ${"runtime".padEnd(24)} ${entry.line}`.trimEnd();
  }
  const e = entry.event as { processed_at?: string | null; type: string };
  const time = when(e.processed_at ?? seenAt);
  return `${time}  ${entry.session_id}  ${e.type.padEnd(24)} ${summarize(entry.event)}`.trimEnd();
}
