/**
 * Agents as OpenAI "models". The `model` of a chat completion names an agent, by id or by
 * name. Names are not unique in the agents API, so a name means the newest live (non-archived)
 * agent that carries it; an archived agent is no model at all (it cannot start sessions).
 */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { MAX_PAGE_LIMIT } from "../config";
import { type AgentRecord, getAgent } from "../db/agents";
import type { Db } from "../db/client";
import { agents, agentVersions } from "../db/schema";
import { ApiError } from "../errors";

/** The `/v1/models` entry shape. */
export interface ModelEntry {
  id: string;
  object: "model";
  created: number;
  owned_by: "clawplane";
  agent_id: string;
}

/**
 * An agent's name, read from its stored spec. `json_extract` fails the whole query on one row
 * SQLite cannot read (JSON nested deeper than its 1,000-level limit, stored before request
 * bodies were bounded); `json_valid` first makes such a row nameless instead of breaking the
 * model list for every caller.
 */
const nameOf = sql<
  string | null
>`CASE WHEN json_valid(${agentVersions.spec}) THEN json_extract(${agentVersions.spec}, '$.name') END`;

/** Live agents (latest version), newest first. */
function liveAgents(db: Db) {
  return db
    .select({ id: agents.id, createdAt: agents.createdAt, name: nameOf })
    .from(agents)
    .innerJoin(
      agentVersions,
      and(eq(agentVersions.agentId, agents.id), eq(agentVersions.version, agents.currentVersion)),
    )
    .orderBy(desc(agents.createdAt), desc(agents.id));
}

function modelNotFound(model: string): ApiError {
  return new ApiError(
    "agent_not_found",
    `the model '${model}' does not exist: no live agent has this id or name`,
    {
      fields: [{ path: "model", message: "no live agent has this id or name" }],
    },
  );
}

/**
 * Resolves `model` to a live agent: an exact id first, else the newest live agent so named.
 * With `onlyAgentId` (a plane member) only that agent, by its id or its own name, exists.
 */
export async function resolveModel(db: Db, model: string, onlyAgentId?: string): Promise<AgentRecord> {
  if (onlyAgentId !== undefined) {
    const own = await getAgent(db, onlyAgentId);
    if (own.archivedAt !== null || (model !== own.id && model !== own.spec.name)) throw modelNotFound(model);
    return own;
  }
  const byId = await getAgent(db, model).catch((err: unknown) => {
    if (err instanceof ApiError && err.code === "agent_not_found") return undefined;
    throw err;
  });
  if (byId) {
    if (byId.archivedAt !== null) throw modelNotFound(model);
    return byId;
  }
  const [named] = await liveAgents(db)
    .where(and(isNull(agents.archivedAt), eq(nameOf, model)))
    .limit(1);
  if (!named) throw modelNotFound(model);
  return getAgent(db, named.id);
}

const toEntry = (id: string, agentId: string, createdAt: number): ModelEntry => ({
  id,
  object: "model",
  created: Math.floor(createdAt / 1000),
  owned_by: "clawplane",
  agent_id: agentId,
});

/**
 * Every live agent as a model, newest first: once by its id (stable) and once by its name
 * (readable; a shared name is listed once, for the newest agent, which is what it resolves to).
 * Capped at MAX_PAGE_LIMIT agents: OpenAI's model list has no pagination.
 */
export async function listModels(db: Db, onlyAgentId?: string): Promise<ModelEntry[]> {
  const rows = await liveAgents(db)
    .where(and(isNull(agents.archivedAt), onlyAgentId === undefined ? undefined : eq(agents.id, onlyAgentId)))
    .limit(MAX_PAGE_LIMIT);
  const entries: ModelEntry[] = [];
  const names = new Set<string>();
  for (const row of rows) {
    entries.push(toEntry(row.id, row.id, row.createdAt));
    // A name that is also some agent's id would be shadowed by the id rule; skip it.
    if (row.name && !names.has(row.name) && !rows.some((r) => r.id === row.name)) {
      names.add(row.name);
      entries.push(toEntry(row.name, row.id, row.createdAt));
    }
  }
  return entries;
}

/** One model by id or name, as `GET /v1/models/{model}` shows it. */
export async function retrieveModel(db: Db, model: string, onlyAgentId?: string): Promise<ModelEntry> {
  const agent = await resolveModel(db, model, onlyAgentId);
  return toEntry(model, agent.id, agent.createdAt);
}
