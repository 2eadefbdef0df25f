/**
 * Plane logs' redactor: oversight without secret access. It knows the exact secret values of a
 * member's vault credentials (decrypted here, inside the Worker, only to know what to hide; never
 * returned) on top of the well-known credential shapes of src/lib/redact.ts.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { vaultCredentials } from "../db/schema";
import { keyringFromEnv } from "../lib/keyring";
import { describeError, log } from "../lib/log";
import { makeRedactor, type Redactor } from "../lib/redact";
import { openSecrets } from "../vaults/credential-store";

/** A redactor that knows the secret values in `vaultId` (archived credentials included). */
export async function redactorForVault(db: Db, env: Env, vaultId: string): Promise<Redactor> {
  const rows = await db.select().from(vaultCredentials).where(eq(vaultCredentials.vaultId, vaultId));
  const literals: string[] = [];
  if (rows.length > 0) {
    try {
      const keyring = await keyringFromEnv(env);
      for (const row of rows) {
        const secrets = await openSecrets(keyring, row);
        for (const [key, value] of Object.entries(secrets)) {
          if (key !== "type" && typeof value === "string") literals.push(value);
        }
      }
    } catch (err) {
      // Fail closed: without the literal values, logs are not shown at all.
      log("error", "plane logs: vault secrets unavailable for redaction", {
        vault_id: vaultId,
        ...describeError(err),
      });
      throw err;
    }
  }
  return makeRedactor(literals);
}
