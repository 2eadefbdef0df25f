/** `client.agents`: versioned agents (`/v1/agents`), as in Claude Managed Agents. */
import type { RequestOptions } from "../core/http.js";
import type { Page } from "../core/pagination.js";
import type { Agent, AgentCreateParams, AgentListParams, AgentUpdateParams, PageParams } from "../types.js";
import { Resource, seg } from "./resource.js";

/** Agent versions: every update that changes something creates version N+1. */
export class AgentVersions extends Resource {
  /** Lists the versions of an agent, newest first. */
  list(agentId: string, params: PageParams = {}, options?: RequestOptions): Promise<Page<Agent>> {
    return this.paginate(`/v1/agents/${seg(agentId)}/versions`, params, options);
  }
}

export class Agents extends Resource {
  readonly versions = new AgentVersions(this.http);

  /** Creates an agent (version 1). */
  create(body: AgentCreateParams, options?: RequestOptions): Promise<Agent> {
    return this.http.json({ method: "POST", path: "/v1/agents", body, options });
  }

  /** Retrieves the latest version, or `version` when given. */
  retrieve(agentId: string, params: { version?: number } = {}, options?: RequestOptions): Promise<Agent> {
    return this.http.json({ method: "GET", path: `/v1/agents/${seg(agentId)}`, query: params, options });
  }

  /**
   * Updates an agent, creating a new version. Pass `version` (the one you read) to make it
   * conditional: a stale one fails with `ConflictError` and `code === "version_conflict"`.
   */
  update(agentId: string, body: AgentUpdateParams, options?: RequestOptions): Promise<Agent> {
    return this.http.json({ method: "POST", path: `/v1/agents/${seg(agentId)}`, body, options });
  }

  /** Archives an agent: terminal; history stays readable, no new sessions can use it. */
  archive(agentId: string, options?: RequestOptions): Promise<Agent> {
    return this.http.json({ method: "POST", path: `/v1/agents/${seg(agentId)}/archive`, options });
  }

  /** Lists agents, newest first; `for await` over the page walks all of them. */
  list(params: AgentListParams = {}, options?: RequestOptions): Promise<Page<Agent>> {
    return this.paginate("/v1/agents", params, options);
  }
}
