/** `client.peers`: tailnet peers (`/v1/peers`), remote agents our agents talk to over Tailscale by A2A. */
import type { RequestOptions } from "../core/http.js";
import type { Page } from "../core/pagination.js";
import type {
  Peer,
  PeerCreated,
  PeerCreateParams,
  PeerCredentialIssued,
  PeerDeleted,
  PeerInboundCredential,
  PeerListParams,
  PeerMessage,
  PeerTestResult,
} from "../types.js";
import { Resource, seg } from "./resource.js";

export class Peers extends Resource {
  /** Adds a peer. `outbound_token` is write-only; the answer's `inbound_token` is shown this once. */
  create(body: PeerCreateParams, options?: RequestOptions): Promise<PeerCreated> {
    return this.http.json({ method: "POST", path: "/v1/peers", body, options });
  }

  retrieve(peerId: string, options?: RequestOptions): Promise<Peer> {
    return this.http.json({ method: "GET", path: `/v1/peers/${seg(peerId)}`, options });
  }

  list(params: PeerListParams = {}, options?: RequestOptions): Promise<Page<Peer>> {
    return this.paginate("/v1/peers", params, options);
  }

  /** Deletes a peer: its token is erased and its inbound credentials stop working at once. */
  delete(peerId: string, options?: RequestOptions): Promise<PeerDeleted> {
    return this.http.json({ method: "DELETE", path: `/v1/peers/${seg(peerId)}`, options });
  }

  /** Probes the peer over the tailnet: reachability, latency and its public agent card. */
  test(peerId: string, options?: RequestOptions): Promise<PeerTestResult> {
    return this.http.json({ method: "POST", path: `/v1/peers/${seg(peerId)}/test`, options });
  }

  /** The peer's traffic, newest first: every message in or out (agent, session, size, outcome; never text). */
  messages(
    peerId: string,
    params: { limit?: number } = {},
    options?: RequestOptions,
  ): Promise<{ data: PeerMessage[] }> {
    return this.http.json({
      method: "GET",
      path: `/v1/peers/${seg(peerId)}/messages`,
      query: params,
      options,
    });
  }

  /** Issues another inbound credential (rotation); its `token` is shown this once. */
  issueCredential(peerId: string, options?: RequestOptions): Promise<PeerCredentialIssued> {
    return this.http.json({ method: "POST", path: `/v1/peers/${seg(peerId)}/inbound_credentials`, options });
  }

  /** Revokes an inbound credential: the peer is refused with it from the next request on. */
  revokeCredential(
    peerId: string,
    credentialId: string,
    options?: RequestOptions,
  ): Promise<PeerInboundCredential> {
    return this.http.json({
      method: "POST",
      path: `/v1/peers/${seg(peerId)}/inbound_credentials/${seg(credentialId)}/revoke`,
      options,
    });
  }
}
