/** `client.apiKeys`: scoped API keys (`/v1/api_keys`, admin scope). */
import type { RequestOptions } from "../core/http.js";
import type { Page } from "../core/pagination.js";
import type { ApiKey, ApiKeyCreated, ApiKeyCreateParams, ApiKeyListParams } from "../types.js";
import { Resource, seg } from "./resource.js";

export class ApiKeys extends Resource {
  /** Creates a key; the answer's `key` is the secret, returned this once. */
  create(body: ApiKeyCreateParams, options?: RequestOptions): Promise<ApiKeyCreated> {
    return this.http.json({ method: "POST", path: "/v1/api_keys", body, options });
  }

  retrieve(apiKeyId: string, options?: RequestOptions): Promise<ApiKey> {
    return this.http.json({ method: "GET", path: `/v1/api_keys/${seg(apiKeyId)}`, options });
  }

  /** Revokes a key; it fails authentication from the next request on. */
  revoke(apiKeyId: string, options?: RequestOptions): Promise<ApiKey> {
    return this.http.json({ method: "POST", path: `/v1/api_keys/${seg(apiKeyId)}/revoke`, options });
  }

  /** Lists keys (prefixes only, never secrets); revoked ones with `include_revoked`. */
  list(params: ApiKeyListParams = {}, options?: RequestOptions): Promise<Page<ApiKey>> {
    return this.paginate("/v1/api_keys", params, options);
  }
}
