/**
 * The session's own record (kept in its Durable Object) and its CMA wire form. The DO is the
 * single writer; D1 holds a denormalised index row for listing (src/db/sessions.ts).
 */
import { DEFAULT_SLEEP_AFTER_SECONDS, DEFAULT_WORKSPACE_MAX_MB } from "../config";
import type { EnvironmentRecord } from "../db/environments";
import type { AgentSpec } from "../domain/agent-spec";
import type { Networking } from "../egress/policy";
import { toRfc3339, toRfc3339OrNull } from "../lib/time";
import type { Packages } from "../schemas/environments";
import type { SessionBudget } from "../schemas/session-limits";
import type { SessionStatus, SessionWire } from "../schemas/sessions";

/** The agent snapshot a session runs: the agent's spec at the version it was created with. */
export type SessionAgent = AgentSpec & { id: string; type: "agent"; version: number };

export interface UsageTotals {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  cost_usd: number;
}

export const ZERO_USAGE: UsageTotals = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
  cost_usd: 0,
};

export interface SessionRecord {
  id: string;
  agent: SessionAgent;
  environmentId: string;
  title: string | null;
  metadata: Record<string, string>;
  vaultIds: string[];
  /** The CMA `budget` the session was created with (a list-cost cap), if any. */
  budget: SessionBudget | null;
  status: SessionStatus;
  createdAt: number;
  updatedAt: number;
  archivedAt: number | null;
  usage: UsageTotals;
  /** Milliseconds spent running turns. */
  activeMs: number;
  /** Whether the environment lets the runtime reach the internet directly. */
  enableInternet: boolean;
  /**
   * The environment's networking when the session was created (what its containers may reach;
   * src/egress/policy.ts). Absent on records older than egress policies: derived from
   * `enableInternet` then (see {@link networkingOf}).
   */
  networking?: Networking;
  /** Origin of the API the session was created through; local runtimes reach the LLM proxy there. */
  apiOrigin: string;
  /**
   * The environment's idle sleep when the session was created: seconds without a turn before
   * the runtime is stopped. Absent on records older than the setting: the default then.
   */
  sleepAfterSeconds?: number;
  /**
   * The environment's workspace cap when the session was created (MB). Absent on records older
   * than the setting: the default then.
   */
  workspaceMaxMb?: number;
  /**
   * The environment's packages when the session was created, installed in its runtime before the
   * first turn (environment-packages.ts). Absent on records older than package installs.
   */
  packages?: Packages;
}

/** A new, idle session's record: no usage yet, network policy taken from its environment. */
export function newSessionRecord(init: {
  id: string;
  agent: SessionAgent;
  environment: Pick<EnvironmentRecord, "id" | "spec">;
  title: string | null;
  metadata: Record<string, string>;
  budget?: SessionBudget | null;
  /** Vaults bound at creation (already checked to exist and be live). */
  vaultIds?: string[];
  apiOrigin: string;
  now?: number;
}): SessionRecord {
  const now = init.now ?? Date.now();
  const config = init.environment.spec.config;
  return {
    id: init.id,
    agent: init.agent,
    environmentId: init.environment.id,
    title: init.title,
    metadata: init.metadata,
    vaultIds: init.vaultIds ?? [],
    budget: init.budget ?? null,
    status: "idle",
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
    usage: { ...ZERO_USAGE },
    activeMs: 0,
    enableInternet: config.type !== "cloud" || config.networking.type === "unrestricted",
    networking: config.type === "cloud" ? config.networking : { type: "unrestricted" },
    apiOrigin: init.apiOrigin,
    sleepAfterSeconds: config.type === "cloud" ? config.sleep_after_seconds : DEFAULT_SLEEP_AFTER_SECONDS,
    workspaceMaxMb: config.type === "cloud" ? config.workspace_max_mb : DEFAULT_WORKSPACE_MAX_MB,
    packages: config.type === "cloud" ? config.packages : undefined,
  };
}

/** How long the session's runtime may sit idle before it is stopped (see `sleepAfterSeconds`). */
export function sleepAfterMs(record: Pick<SessionRecord, "sleepAfterSeconds">): number {
  return (record.sleepAfterSeconds ?? DEFAULT_SLEEP_AFTER_SECONDS) * 1000;
}

/** The most the session's workspace may hold, in bytes (see `workspaceMaxMb`). */
export function workspaceMaxBytes(record: Pick<SessionRecord, "workspaceMaxMb">): number {
  return (record.workspaceMaxMb ?? DEFAULT_WORKSPACE_MAX_MB) * 1_000_000;
}

/** The session's networking; records from before egress policies fall back to `enableInternet`. */
export function networkingOf(record: Pick<SessionRecord, "networking" | "enableInternet">): Networking {
  if (record.networking) return record.networking;
  return record.enableInternet
    ? { type: "unrestricted" }
    : { type: "limited", allowed_hosts: [], allow_mcp_servers: false, allow_package_managers: false };
}

/** USD → the contract's money object: an integer string in minor units (cents). */
export function usdToMoney(usd: number): { amount: string; currency: "USD" } {
  return { amount: String(Math.round(usd * 100)), currency: "USD" };
}

export function usageToWire(usage: UsageTotals, activeMs: number): SessionWire["usage"] {
  return {
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens,
    cache_creation: {
      ephemeral_5m_input_tokens: usage.cache_creation_input_tokens,
      ephemeral_1h_input_tokens: 0,
    },
    active_seconds: Math.round(activeMs / 1000),
    list_cost: usdToMoney(usage.cost_usd),
  };
}

export function sessionToWire(r: SessionRecord, now = Date.now()): SessionWire {
  return {
    id: r.id,
    type: "session",
    status: r.status,
    agent: r.agent,
    environment_id: r.environmentId,
    title: r.title,
    metadata: r.metadata,
    vault_ids: r.vaultIds,
    resources: [],
    outcome_evaluations: [],
    budget: r.budget ?? null,
    stats: {
      active_seconds: Math.round(r.activeMs / 1000),
      duration_seconds: Math.round(((r.archivedAt ?? now) - r.createdAt) / 1000),
    },
    usage: usageToWire(r.usage, r.activeMs),
    created_at: toRfc3339(r.createdAt),
    updated_at: toRfc3339(r.updatedAt),
    archived_at: toRfc3339OrNull(r.archivedAt),
  };
}
