/** `client.audit`: the audit log of mutating calls (`GET /v1/audit`, admin scope). */
import type { RequestOptions } from "../core/http.js";
import type { Page } from "../core/pagination.js";
import type { AuditEvent, AuditListParams } from "../types.js";
import { Resource } from "./resource.js";

export class Audit extends Resource {
  /**
   * Lists audit events, newest first. `action` takes `*` wildcards (`agents.*`); `since` and
   * `until` take RFC 3339 strings or Dates.
   */
  list(params: AuditListParams = {}, options?: RequestOptions): Promise<Page<AuditEvent>> {
    return this.paginate("/v1/audit", params, options);
  }
}
