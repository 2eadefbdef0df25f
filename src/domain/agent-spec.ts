/**
 * The versioned content of an agent and the rules for producing it.
 *
 * An `AgentSpec` is everything an agent response carries except identity and bookkeeping (id,
 * type, version, timestamps), already in response form. Create builds one from a request body;
 * update derives the next one from the current one. The store compares specs to decide whether
 * an update makes a new version, so both functions always produce the same normalised shape.
 */
import { ApiError, type FieldError } from "../errors";
import type { Agent, AgentCreate, AgentUpdate, ModelConfig, ModelParam, Skill } from "../schemas/agents";
import { applyMetadataPatch, assertValidMetadata } from "../schemas/metadata";
import type { SessionLimits } from "../schemas/session-limits";
import { expandTools, toolProblems } from "./agent-tools";
import { jsonEqual } from "./json-equal";
import { multiagentProblems, resolveMultiagent } from "./multiagent";

/** The versioned content of an agent, in response form. */
export type AgentSpec = Omit<Agent, "id" | "type" | "version" | "created_at" | "updated_at" | "archived_at">;

/** Runs carry no customer-named principal unless the agent names one. */
function defaultExecutionIdentity(): AgentSpec["execution_identity"] {
  return { type: "service_account" };
}

/**
 * Normalises `model` to its object form. `preserveEffort` carries the stored effort over when
 * an update omits it; the other fields of an object are replaced whole, as the SDK documents.
 */
function modelConfigOf(param: ModelParam, preserveEffort?: ModelConfig["effort"]): ModelConfig {
  const config: ModelConfig = { id: typeof param === "string" ? param : param.id };
  const effort =
    typeof param === "string" || param.effort === undefined
      ? preserveEffort
      : param.effort === null
        ? undefined
        : { type: typeof param.effort === "string" ? param.effort : param.effort.type };
  if (effort) config.effort = { type: effort.type };
  if (typeof param !== "string") {
    if (param.speed) config.speed = param.speed;
    if (param.inference_geo) config.inference_geo = param.inference_geo;
  }
  return config;
}

/**
 * Resolves skill references. Clawplane has no Skills API yet and its runtime maps no skill, so
 * no reference can be resolved: each one is refused (404 `skill_not_found`, at its path) rather
 * than stored and silently ignored. Only an empty list passes.
 */
function skillsOf(skills: NonNullable<AgentCreate["skills"]>): Skill[] {
  if (skills.length === 0) return [];
  const fields = skills.map((skill, i) => ({
    path: `skills.${i}`,
    message: `${skill.type} skill "${skill.skill_id}" not found`,
  }));
  const named = skills.map((skill) => `"${skill.skill_id}"`).join(", ");
  throw new ApiError(
    "skill_not_found",
    `skill ${named} not found: this deployment serves no skills yet (no Skills API), so agents cannot reference any`,
    { fields },
  );
}

/** Empty text and null both mean "no value" for description and system. */
function textOrNull(value: string | null | undefined): string | null {
  return value ? value : null;
}

/** Limits with every field present (null = unlimited); no limit at all is null. */
function limitsOrNull(limits: SessionLimits | null | undefined): SessionLimits | null {
  if (!limits) return null;
  const full = {
    max_cost_usd: limits.max_cost_usd ?? null,
    max_tokens: limits.max_tokens ?? null,
    max_wall_time_seconds: limits.max_wall_time_seconds ?? null,
  };
  return Object.values(full).some((v) => v !== null) ? full : null;
}

function fail(problems: FieldError[]): never {
  const message = problems.length === 1 ? `${problems[0]!.path}: ${problems[0]!.message}` : "Invalid agent";
  throw new ApiError("invalid_request", message, { fields: problems });
}

/** Throws `invalid_request` naming every cross-field rule `spec` breaks. */
function assertValidSpec(spec: AgentSpec, problems: FieldError[]): void {
  problems.push(...toolProblems(spec.tools, spec.mcp_servers), ...multiagentProblems(spec.multiagent));
  if (problems.length > 0) fail(problems);
}

/**
 * Builds the spec of a new agent: expands toolsets, fills defaults, and checks the rules that
 * span fields. Throws `invalid_request` (with a path per problem) or `invalid_metadata`.
 */
export function agentSpecFromCreate(body: AgentCreate): AgentSpec {
  const problems: FieldError[] = [];
  const metadata = { ...body.metadata };
  assertValidMetadata(metadata);
  const spec: AgentSpec = {
    name: body.name,
    description: textOrNull(body.description),
    model: modelConfigOf(body.model),
    system: textOrNull(body.system),
    tools: expandTools(body.tools ?? [], problems),
    mcp_servers: (body.mcp_servers ?? []).map((s) => ({ type: s.type, name: s.name, url: s.url })),
    skills: skillsOf(body.skills ?? []),
    multiagent: body.multiagent ? resolveMultiagent(body.multiagent, null) : null,
    execution_identity: body.execution_identity ?? defaultExecutionIdentity(),
    session_limits: limitsOrNull(body.session_limits),
    metadata,
  };
  assertValidSpec(spec, problems);
  return spec;
}

/**
 * Derives the next spec from `current` and an update body.
 *
 * Omitted fields are preserved; null, `""` or `[]` clear description, system, tools,
 * mcp_servers, skills and multiagent; arrays replace whole; `metadata` is a patch; `version` is
 * ignored here (optimistic concurrency is the store's job). `changed` is false when the result
 * equals `current`, so a no-op update must not create a version.
 */
export function applyAgentUpdate(
  current: AgentSpec,
  body: AgentUpdate,
): { spec: AgentSpec; changed: boolean } {
  const problems: FieldError[] = [];
  if (body.name === null || body.name === "") {
    problems.push({ path: "name", message: "name cannot be cleared; omit it to keep the current name" });
  }
  if (body.model === null) {
    problems.push({ path: "model", message: "model cannot be cleared; omit it to keep the current model" });
  }
  if (problems.length > 0) fail(problems);

  const pick = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);
  const spec: AgentSpec = {
    name: body.name ?? current.name,
    description: body.description === undefined ? current.description : textOrNull(body.description),
    model: body.model ? modelConfigOf(body.model, current.model.effort) : current.model,
    system: body.system === undefined ? current.system : textOrNull(body.system),
    tools: body.tools === undefined ? current.tools : expandTools(body.tools ?? [], problems),
    mcp_servers: pick(body.mcp_servers, current.mcp_servers) ?? [],
    skills: body.skills === undefined ? current.skills : skillsOf(body.skills ?? []),
    multiagent:
      body.multiagent === undefined
        ? current.multiagent
        : body.multiagent && resolveMultiagent(body.multiagent, current.multiagent),
    execution_identity:
      pick(body.execution_identity, current.execution_identity) ?? defaultExecutionIdentity(),
    session_limits:
      body.session_limits === undefined
        ? (current.session_limits ?? null)
        : limitsOrNull(body.session_limits),
    metadata: body.metadata
      ? applyMetadataPatch(current.metadata, body.metadata, { emptyStringDeletes: false })
      : current.metadata,
  };
  assertValidSpec(spec, problems);
  return { spec, changed: !jsonEqual(current, spec) };
}
