/**
 * The container's network edge under limited networking: a `WorkerEntrypoint` that the session
 * DO installs with `interceptAllOutboundHttp` and `interceptOutboundHttps("*", ...)` (internet
 * off), bound with `props: { sessionId, policy }`. Every outbound HTTP(S) request of the
 * container arrives here and is decided by src/egress/policy.ts:
 *
 *   LLM / MCP proxy hosts → handed to their entrypoints (same session)
 *   allowed               → fetched from the Worker, request and response streamed through
 *   denied                → 403 with a plain-text body naming the host and the policy
 *
 * The props are set by the DO and trusted; the policy is fixed for the container's lifetime
 * (environment updates apply to new containers, as in the contract).
 *
 * Secret substitution: a container whose env holds placeholders of `environment_variable` vault
 * credentials is bound with `substituteSecrets: true` (also under unrestricted networking, when
 * this edge fetches everything itself). For each allowed request (not the proxies' hosts) the
 * edge then asks the session DO for the current placeholder → secret table — nothing is cached
 * beyond the request — and swaps placeholders for values where the credential's networking
 * allows the host (src/egress/secret-substitution.ts). Logs carry hosts and counts, never
 * values, paths or queries.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { decideEgress, describePolicy, type EgressDecision, type EgressPolicy } from "../egress/policy";
import { type EgressSecrets, substituteSecrets } from "../egress/secret-substitution";
import { describeError, log } from "../lib/log";
import { egressSecrets } from "./session-ports";

/** What the session DO binds into the entrypoint for its container (a flag, never a secret). */
export interface EgressProps {
  sessionId: string;
  policy: EgressPolicy;
  /** The container's env holds secret placeholders: substitute them (see the module comment). */
  substituteSecrets?: boolean;
}

/** Header on every answer the egress edge gives itself (not the destination's). */
export const EGRESS_HEADER = "x-clawplane-egress";

/** The 403 a denied request gets: readable by a person running curl and by a program. */
export function egressDenied(decision: Extract<EgressDecision, { allow: false }>, policy: EgressPolicy) {
  const body =
    `Blocked by Clawplane egress policy: ${decision.reason}.\n` +
    `Host: ${decision.host}\nPolicy: ${describePolicy(policy)}\n`;
  return new Response(body, {
    status: 403,
    headers: { "content-type": "text/plain; charset=utf-8", [EGRESS_HEADER]: "denied" },
  });
}

/** Outbound handler for every HTTP(S) request of a limited-networking container. */
export class EgressEntrypoint extends WorkerEntrypoint<Env, EgressProps> {
  override async fetch(request: Request): Promise<Response> {
    const props = this.ctx.props;
    if (!props?.sessionId || !props.policy) {
      log("error", "egress entrypoint misconfigured", { has_session: Boolean(props?.sessionId) });
      return new Response("Clawplane egress is misconfigured for this container.\n", {
        status: 503,
        headers: { [EGRESS_HEADER]: "misconfigured" },
      });
    }
    const decision = decideEgress(props.policy, request.url);
    if (!decision.allow) {
      // Host only: paths and queries may carry secrets.
      log("warn", "egress denied", { session_id: props.sessionId, host: decision.host });
      return egressDenied(decision, props.policy);
    }
    // The proxies' own hosts are routed to them directly; this keeps them reachable whichever
    // interception the platform applies first.
    const session = { props: { sessionId: props.sessionId } };
    if (decision.via === "llm_proxy") return this.ctx.exports.LlmProxyEntrypoint(session).fetch(request);
    if (decision.via === "mcp_proxy") return this.ctx.exports.McpProxyEntrypoint(session).fetch(request);
    log("debug", "egress allowed", { session_id: props.sessionId, host: decision.host, via: decision.via });
    let outbound = request;
    if (props.substituteSecrets) {
      let secrets: EgressSecrets | null;
      try {
        secrets = await egressSecrets(this.env, props.sessionId);
      } catch (err) {
        log("warn", "egress secrets unavailable", { session_id: props.sessionId, ...describeError(err) });
        return new Response("Clawplane egress could not load this session's secrets; try again.\n", {
          status: 503,
          headers: { [EGRESS_HEADER]: "secrets_unavailable" },
        });
      }
      const done = await substituteSecrets(request, secrets ?? {});
      outbound = done.request;
      if (done.headers + done.body > 0) {
        log("debug", "egress secrets substituted", {
          session_id: props.sessionId,
          host: decision.host,
          headers: done.headers,
          body: done.body,
        });
      }
    }
    try {
      return await fetch(outbound);
    } catch (err) {
      log("warn", "egress fetch failed", {
        session_id: props.sessionId,
        host: decision.host,
        ...describeError(err),
      });
      return new Response(`Clawplane egress could not reach ${decision.host}.\n`, {
        status: 502,
        headers: { [EGRESS_HEADER]: "unreachable" },
      });
    }
  }
}
