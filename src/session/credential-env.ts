/**
 * A session's `environment_variable` vault credentials, as its runtime sees them: placeholders.
 *
 * Each live `environment_variable` credential of the session's bound vaults gets a per-session
 * random placeholder (`cpsec_<random>`), minted once and kept with the session's runtime secrets
 * in its Durable Object. The runtime starts with `<secret_name>=<placeholder>`; the real value
 * only ever exists in the Worker, where the container's egress edge asks the object for the
 * placeholder → secret table of a request (src/egress/secret-substitution.ts) and substitutes
 * it for the hosts the credential allows. Local runtimes have no egress edge, so there the
 * process sees (and sends) the placeholder only.
 */
import { createDb } from "../db/client";
import { type EgressSecrets, PLACEHOLDER_PREFIX } from "../egress/secret-substitution";
import { randomBase62 } from "../lib/ids";
import { keyringFromEnv } from "../lib/keyring";
import type { ResolvedAuth } from "../vaults/credential-auth";
import { type LoadedCredential, loadCredentialSecrets } from "../vaults/secrets";

type EnvAuth = Extract<ResolvedAuth, { type: "environment_variable" }>;
type EnvCredential = LoadedCredential & { auth: EnvAuth };

/** credential id → placeholder, as stored with the session's runtime secrets. */
export type Placeholders = Record<string, string>;

/** A fresh placeholder: recognisable prefix, 192+ bits of randomness. */
export function mintPlaceholder(): string {
  return `${PLACEHOLDER_PREFIX}${randomBase62(40)}`;
}

/** The live `environment_variable` credentials of `vaultIds`, in binding order, secrets included. */
export async function loadEnvCredentials(
  env: Pick<Env, "DB" | "VAULT_ENCRYPTION_KEYS">,
  vaultIds: readonly string[],
): Promise<EnvCredential[]> {
  if (vaultIds.length === 0) return [];
  const keyring = await keyringFromEnv(env);
  const all = await loadCredentialSecrets(createDb(env.DB), keyring, vaultIds);
  return all.filter((c): c is EnvCredential => c.auth.type === "environment_variable");
}

/**
 * The env entries for a runtime start (`secret_name` → placeholder; the first bound vault wins
 * a name two credentials share), minting placeholders for credentials that have none yet.
 * Returns the placeholders to store back (unchanged when nothing was minted).
 */
export function credentialEnv(
  credentials: readonly EnvCredential[],
  stored: Placeholders,
): { env: Record<string, string>; placeholders: Placeholders } {
  const placeholders = { ...stored };
  const env: Record<string, string> = {};
  for (const credential of credentials) {
    placeholders[credential.credentialId] ??= mintPlaceholder();
    const name = credential.auth.secret_name;
    if (!(name in env)) env[name] = placeholders[credential.credentialId] as string;
  }
  return { env, placeholders };
}

/** placeholder → secret for the credentials whose placeholder the runtime was given. */
export function egressSecretsOf(credentials: readonly EnvCredential[], stored: Placeholders): EgressSecrets {
  const secrets: EgressSecrets = {};
  for (const { credentialId, auth } of credentials) {
    const placeholder = stored[credentialId];
    if (!placeholder) continue;
    secrets[placeholder] = {
      value: auth.secret_value,
      networking: auth.networking,
      injection: { header: auth.injection_location.header, body: auth.injection_location.body },
    };
  }
  return secrets;
}
