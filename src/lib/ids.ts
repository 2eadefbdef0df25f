/**
 * Resource ids: a type prefix (`agent_`, `env_`, ...) and 24 random base62 characters
 * (~143 bits), so ids are unguessable and say what they name.
 */

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Random base62 string of `length` characters, without modulo bias. */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
    for (const b of bytes) {
      // 248 = 4 * 62: rejecting larger bytes keeps every character equally likely.
      if (b < 248 && out.length < length) out += ALPHABET[b % 62];
    }
  }
  return out;
}

export const ID_PREFIX = {
  agent: "agent_",
  environment: "env_",
  apiKey: "key_",
  request: "req_",
  session: "sesn_",
  vault: "vlt_",
  vaultCredential: "vcrd_",
  plane: "plane_",
  planeMember: "pmem_",
  planeRollout: "prol_",
  planeToken: "ptok_",
  beamRun: "beam_",
  peer: "peer_",
  peerCredential: "pcrd_",
  peerMessage: "pmsg_",
  channel: "chan_",
} as const;

export function newId(kind: keyof typeof ID_PREFIX): string {
  return ID_PREFIX[kind] + randomBase62(24);
}
