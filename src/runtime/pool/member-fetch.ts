/**
 * How a session's object reaches its claimed pool container: a `fetch` to the member object
 * that names the session (checked against the member's claim) and the container port to
 * forward to. Kept apart from pool-member.ts, which is a Durable Object class and imports
 * `cloudflare:workers`, so the session side (and Node tests that load it) does not pull that in.
 */
export const POOL_SESSION_HEADER = "x-clawplane-pool-session";
export const POOL_PORT_HEADER = "x-clawplane-pool-port";
