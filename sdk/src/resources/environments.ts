/** `client.environments`: sandbox configurations sessions run in (`/v1/environments`). */
import type { RequestOptions } from "../core/http.js";
import type { Page } from "../core/pagination.js";
import type {
  Environment,
  EnvironmentCreateParams,
  EnvironmentDeleted,
  EnvironmentListParams,
  EnvironmentUpdateParams,
} from "../types.js";
import { Resource, seg } from "./resource.js";

export class Environments extends Resource {
  /** Creates an environment; names are unique among live environments (409 `name_conflict`). */
  create(body: EnvironmentCreateParams, options?: RequestOptions): Promise<Environment> {
    return this.http.json({ method: "POST", path: "/v1/environments", body, options });
  }

  retrieve(environmentId: string, options?: RequestOptions): Promise<Environment> {
    return this.http.json({ method: "GET", path: `/v1/environments/${seg(environmentId)}`, options });
  }

  /** Updates an environment; omitted fields are kept, the config type cannot change. */
  update(
    environmentId: string,
    body: EnvironmentUpdateParams,
    options?: RequestOptions,
  ): Promise<Environment> {
    return this.http.json({ method: "POST", path: `/v1/environments/${seg(environmentId)}`, body, options });
  }

  archive(environmentId: string, options?: RequestOptions): Promise<Environment> {
    return this.http.json({
      method: "POST",
      path: `/v1/environments/${seg(environmentId)}/archive`,
      options,
    });
  }

  delete(environmentId: string, options?: RequestOptions): Promise<EnvironmentDeleted> {
    return this.http.json({ method: "DELETE", path: `/v1/environments/${seg(environmentId)}`, options });
  }

  /** Lists environments, newest first. */
  list(params: EnvironmentListParams = {}, options?: RequestOptions): Promise<Page<Environment>> {
    return this.paginate("/v1/environments", params, options);
  }
}
