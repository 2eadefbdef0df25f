/**
 * Recorded Agents Plane answers, typed with the SDK's types (which come from the Worker's
 * schemas), so a fixture that drifts from what the Worker returns fails the typecheck.
 */
import type {
  Plane,
  PlaneCreated,
  PlaneLogEvent,
  PlaneMember,
  PlaneMemberCreated,
  PlaneRollout,
  PlaneStatus,
} from "../src/index";

const T0 = "2026-11-02T10:00:00.000Z";

export const PLANE: Plane = {
  type: "plane",
  id: "plane_01acme",
  name: "acme-agents",
  description: null,
  template: {
    description: null,
    model: { id: "claude-sonnet-4-6" },
    system: "You help Acme engineers.",
    tools: [],
    mcp_servers: [],
    skills: [],
    multiagent: null,
    execution_identity: { type: "service_account" },
    session_limits: null,
    metadata: {},
  },
  template_version: 1,
  runtime_version: "2026.9.6",
  environment: { networking: { type: "unrestricted" } },
  instance_type: "standard-1",
  region: "auto",
  monthly_budget_usd: 50,
  warm_pool: null,
  metadata: {},
  created_at: T0,
  updated_at: T0,
};

export const PLANE_CREATED: PlaneCreated = { ...PLANE, admin_token: "cpa_secretadmin0123456789" };

export const OTHER_PLANE: Plane = {
  ...PLANE,
  id: "plane_02beta",
  name: "beta-team",
  monthly_budget_usd: null,
  instance_type: "basic",
};

export const MEMBER: PlaneMember = {
  type: "plane_member",
  id: "pmem_01alice",
  plane_id: PLANE.id,
  name: "alice",
  owner: "alice@acme.com",
  agent_id: "agent_01alice",
  environment_id: "env_01alice",
  vault_id: "vlt_01alice",
  status: "active",
  template_version: 1,
  runtime_version: "2026.9.6",
  metadata: {},
  created_at: T0,
  removed_at: null,
};

export const MEMBER_CREATED: PlaneMemberCreated = { ...MEMBER, token: "cpm_secretmember0123456789" };

/** A local deployment's warm pool, as plane status reports it. */
export const RUNTIME_POOL: PlaneStatus["runtime_pool"] = {
  type: "runtime_pool",
  runtime: "local",
  enabled: true,
  note: null,
  min_idle: 1,
  max: 2,
  ttl_seconds: 1800,
  idle: 1,
  warming: 0,
  claims: 3,
  misses: 1,
  refills: 4,
  replaced: 0,
  expired: 0,
  pools: [],
  cost: { month: "2026-11", usd_per_hour: null, billed: [], warm_seconds: 0, cost_usd: 0 },
};

/** A container deployment's status for a plane with its own pool: its cost, a stop and a warm-up failure. */
export const PLANE_POOL: PlaneStatus["runtime_pool"] = {
  ...RUNTIME_POOL,
  runtime: "container",
  pools: [
    {
      key: "plane:plane_01acme@2026.10.1+standard-1",
      scope: "plane",
      owner_id: "plane_01acme",
      billed_to: "plane:plane_01acme",
      packages_key: null,
      min_idle: 0,
      max: 0,
      ttl_seconds: 1800,
      idle: 0,
      warming: 0,
      claims: 4,
      misses: 1,
      refills: 5,
      replaced: 0,
      expired: 1,
      warm_seconds: 9720,
      last_error: "pool:plane:plane_01acme@2026.10.1+standard-1:5: did not warm up within 19 min",
      last_error_at: "2026-11-02T09:00:00.000Z",
      stopped:
        "plane plane_01acme's budget for 2026-11 is spent ($100.19 of $100.00: 2 member(s) × $50.00, warm pool included)",
    },
  ],
  cost: {
    month: "2026-11",
    usd_per_hour: 0.074,
    billed: [{ billed_to: "plane:plane_01acme", warm_seconds: 9720, cost_usd: 0.1998 }],
    warm_seconds: 9720,
    cost_usd: 0.1998,
  },
};

export const STATUS: PlaneStatus = {
  type: "plane_status",
  plane: { id: PLANE.id, name: PLANE.name, template_version: 2, runtime_version: "2026.10.1" },
  members: [
    {
      id: MEMBER.id,
      name: "alice",
      owner: "alice@acme.com",
      agent_id: MEMBER.agent_id,
      agent_version: 2,
      health: "healthy",
      sessions: { active: 1, live: 1, total: 3 },
      runtime_state: "running",
      last_activity_at: "2026-11-02T10:05:00.000Z",
      runtime_version: "2026.10.1",
      template_version: 2,
      cost_this_month_usd: 1.2,
      tokens_this_month: { input: 12000, output: 3400 },
      budget_usd: 50,
      budget_remaining_usd: 48.8,
    },
    {
      id: "pmem_02bob",
      name: "bob",
      owner: "bob@acme.com",
      agent_id: "agent_02bob",
      agent_version: 1,
      health: "over_budget",
      sessions: { active: 0, live: 0, total: 9 },
      runtime_state: "stopped",
      last_activity_at: null,
      runtime_version: "2026.9.6",
      template_version: 1,
      cost_this_month_usd: 50.25,
      tokens_this_month: { input: 900000, output: 120000 },
      budget_usd: 50,
      budget_remaining_usd: 0,
    },
  ],
  totals: {
    members: 2,
    sessions_active: 1,
    sessions_total: 12,
    cost_this_month_usd: 51.45,
    warm_pool_cost_this_month_usd: 0,
  },
  rollout: {
    id: "prol_01up",
    status: "in_progress",
    target: { template_version: 2, runtime_version: "2026.10.1" },
    members_total: 2,
    members_upgraded: 1,
    sessions_pending: 1,
  },
  runtime_pool: RUNTIME_POOL,
};

export const OTHER_STATUS: PlaneStatus = {
  type: "plane_status",
  plane: { id: OTHER_PLANE.id, name: OTHER_PLANE.name, template_version: 1, runtime_version: "2026.9.6" },
  members: [],
  totals: {
    members: 0,
    sessions_active: 0,
    sessions_total: 0,
    cost_this_month_usd: 0,
    warm_pool_cost_this_month_usd: 0,
  },
  rollout: null,
  runtime_pool: RUNTIME_POOL,
};

export const ROLLOUT: PlaneRollout = {
  type: "plane_rollout",
  id: "prol_01up",
  plane_id: PLANE.id,
  status: "in_progress",
  from: { template_version: 1, runtime_version: "2026.9.6" },
  to: { template_version: 1, runtime_version: "2026.10.1" },
  members_total: 2,
  members_upgraded: 0,
  sessions_pending: 1,
  error: null,
  created_at: T0,
  completed_at: null,
  rolled_back_at: null,
};

export const ROLLED_BACK: PlaneRollout = {
  ...ROLLOUT,
  status: "rolled_back",
  members_upgraded: 2,
  sessions_pending: 0,
  completed_at: "2026-11-02T10:10:00.000Z",
  rolled_back_at: "2026-11-02T10:10:00.000Z",
};

/** A short turn of bob's as his logs show it. */
export const LOGS: PlaneLogEvent[] = [
  {
    session_id: "sesn_01bob",
    event: {
      id: "sevt_01",
      type: "user.message",
      content: [{ type: "text", text: "deploy the docs with token [REDACTED]" }],
      processed_at: "2026-11-02T10:00:01.000Z",
    },
  },
  {
    session_id: "sesn_01bob",
    event: { id: "sevt_02", type: "session.status_running", processed_at: "2026-11-02T10:00:02.000Z" },
  },
  {
    session_id: "sesn_01bob",
    event: {
      id: "sevt_03",
      type: "session.error",
      error: {
        type: "model_request_failed_error",
        message: "upstream timed out",
        retry_status: { type: "retrying" },
      },
      processed_at: "2026-11-02T10:00:03.000Z",
    },
  },
  {
    session_id: "sesn_01bob",
    event: {
      id: "sevt_04",
      type: "agent.message",
      content: [{ type: "text", text: "Done: docs deployed." }],
      processed_at: "2026-11-02T10:00:05.000Z",
    },
  },
];
