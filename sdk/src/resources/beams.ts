/**
 * `client.beamRuns`: delegations to Teleport Beams (`/v1/beam_runs`); `client.teleport`: the
 * org's Teleport connection (`/v1/teleport/connection`, admin) and a plane's allow/forbid.
 */
import type { RequestOptions } from "../core/http.js";
import type { Page } from "../core/pagination.js";
import type {
  BeamRun,
  BeamRunListParams,
  BeamUsage,
  BeamUsageParams,
  PlaneBeamsPutParams,
  TeleportConnection,
  TeleportConnectionPutParams,
} from "../types.js";
import { Resource, seg } from "./resource.js";

export class BeamRuns extends Resource {
  /** Lists runs, newest first; a queued run carries its `queue_position`. */
  list(params: BeamRunListParams = {}, options?: RequestOptions): Promise<Page<BeamRun>> {
    return this.paginate("/v1/beam_runs", params, options);
  }

  /** Runs and their beams' total wall time for a session, plane member or plane (the cost figure). */
  usage(params: BeamUsageParams = {}, options?: RequestOptions): Promise<BeamUsage> {
    return this.http.json({ method: "GET", path: "/v1/beam_runs/usage", query: params, options });
  }

  /** One run with its output (bounded at 10 MB; `output.truncated` marks a cut). */
  retrieve(runId: string, options?: RequestOptions): Promise<BeamRun> {
    return this.http.json({ method: "GET", path: `/v1/beam_runs/${seg(runId)}`, options });
  }

  /** Cancels a run: a queued one never starts, a running one stops and its beam is removed. */
  cancel(runId: string, options?: RequestOptions): Promise<BeamRun> {
    return this.http.json({ method: "POST", path: `/v1/beam_runs/${seg(runId)}/cancel`, options });
  }
}

export class Teleport extends Resource {
  /** Sets the org's connection; the credential is write-only (never in any answer). */
  putConnection(body: TeleportConnectionPutParams, options?: RequestOptions): Promise<TeleportConnection> {
    return this.http.json({ method: "PUT", path: "/v1/teleport/connection", body, options });
  }

  retrieveConnection(options?: RequestOptions): Promise<TeleportConnection> {
    return this.http.json({ method: "GET", path: "/v1/teleport/connection", options });
  }

  deleteConnection(
    options?: RequestOptions,
  ): Promise<{ type: "teleport_connection_deleted"; scope: string }> {
    return this.http.json({ method: "DELETE", path: "/v1/teleport/connection", options });
  }

  /** Allows or forbids delegation for a plane's members. */
  putPlaneSetting(
    planeId: string,
    body: PlaneBeamsPutParams,
    options?: RequestOptions,
  ): Promise<TeleportConnection> {
    return this.http.json({ method: "PUT", path: `/v1/planes/${seg(planeId)}/beams`, body, options });
  }
}
