/**
 * `Idempotency-Key` on POST: a retry with the same key and the same request gets the first
 * response again (with `idempotent-replayed: true`) and causes no second effect. Keys are
 * scoped to the caller and remembered durably in D1 for `IDEMPOTENCY_TTL_HOURS` (≥ 24 h).
 *
 * - same key, different method/path/body → 422 `idempotency_key_reused`
 * - same key while the first request still runs → 409 `idempotency_request_in_progress`
 * - a first attempt that failed with 5xx is forgotten, so its retry runs afresh
 * - a record that can no longer be opened → 422 `idempotency_replay_unavailable` (see below)
 *
 * Stored bodies are encrypted with the vault keyring (src/db/idempotency.ts), so a POST that
 * carries the header needs `VAULT_ENCRYPTION_KEYS`: without it the request is refused with the
 * same 503 the vault routes give, before it runs. Running it without being able to store (or
 * storing in plaintext) would silently break the promise the header asks for.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { IDEMPOTENCY_KEY_MAX_LENGTH } from "../config";
import { createDb } from "../db/client";
import { claimKey, completeKey, openStoredResponse, releaseKey } from "../db/idempotency";
import { ApiError } from "../errors";
import { hmacSha256Hex } from "../lib/crypto";
import { keyringFromEnv } from "../lib/keyring";

/** Response headers worth replaying; the rest (request id, rate limit) belong to the retry. */
const REPLAYED_HEADERS = ["content-type", "location", "x-should-retry"];

export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header("idempotency-key");
  if (c.req.method !== "POST" || key === undefined) return next();
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new ApiError("invalid_request", "Idempotency-Key must be 1-255 visible ASCII characters", {
      fields: [{ path: "headers.idempotency-key", message: "invalid value" }],
    });
  }

  const keyring = await keyringFromEnv(c.env);
  const db = createDb(c.env.DB);
  const principalId = c.get("principal").id;
  const url = new URL(c.req.url);
  // Keyed, because bodies can carry secrets (vault credentials) and only the digest is stored.
  const fingerprint = await hmacSha256Hex(
    c.env.ADMIN_API_KEY || "clawplane-idempotency",
    `POST ${url.pathname}${url.search}\n${await c.req.text()}`,
  );
  const claim = await claimKey(db, {
    principalId,
    key,
    fingerprint,
    now: Date.now(),
    ttlMs: c.get("config").idempotencyTtlMs,
  });

  if (claim.kind === "existing") {
    const { row } = claim;
    if (row.fingerprint !== fingerprint) {
      throw new ApiError(
        "idempotency_key_reused",
        "this Idempotency-Key was already used with a different request; use a new key",
      );
    }
    if (row.state === "pending" || row.status === null) {
      throw new ApiError(
        "idempotency_request_in_progress",
        "a request with this Idempotency-Key is still running",
        {
          headers: { "retry-after": "1" },
        },
      );
    }
    const stored = await openStoredResponse(keyring, row);
    if (!stored) {
      // The first request ran, but its response cannot be shown again: sealed under a key
      // since removed from the keyring (or stored before encryption). Running it again could
      // repeat its effect (a second API key, a second member), and it may have returned a
      // one-time secret nobody can see again anyway, so the only safe answer is a refusal the
      // client must act on. 422 like `idempotency_key_reused`, and not 409: SDKs retry 409s,
      // and retrying this can never succeed.
      throw new ApiError(
        "idempotency_replay_unavailable",
        "the request sent first with this Idempotency-Key was processed, but its response can no longer be replayed; check whether it took effect, and use a new key to send it again",
      );
    }
    const headers = new Headers(stored.headers);
    headers.set("idempotent-replayed", "true");
    return new Response(stored.body, { status: stored.status, headers });
  }

  await next();
  const res = c.res;
  if (res.status >= 500 || res.headers.get("content-type")?.includes("text/event-stream")) {
    await releaseKey(db, principalId, key);
    return;
  }
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = res.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  await completeKey(db, keyring, {
    principalId,
    key,
    status: res.status,
    headers,
    body: await res.clone().text(),
  });
});
