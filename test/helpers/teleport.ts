/**
 * Beams tests in workerd: the org's Teleport connection, configured as an org admin would (the
 * tsh/tbot doubles accept any join token; each test file names its own to find it later).
 */
import { callJson } from "./api";

/** `PUT /v1/teleport/connection` with a bot join token; the response, for the test to check. */
export function connectTeleport(joinToken: string) {
  return callJson("/v1/teleport/connection", {
    method: "PUT",
    body: {
      proxy_address: "acme.teleport.sh:443",
      bot_name: "clawplane",
      credential: { type: "join_token", token: joinToken },
    },
  });
}
