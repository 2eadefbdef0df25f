/**
 * A pre-migrated OpenClaw state dir, for the cold-boot benchmark's "pre-migrated state" variant:
 * the state database a booted gateway left behind, minus everything that belongs to that one
 * gateway, copied into each new gateway's state dir before it starts.
 *
 * What a booted (never used) gateway's `state/openclaw.sqlite` holds of its own, and is removed:
 *   device_identities       the gateway's device key pair (private key included)
 *   config_revision_keys    the HMAC key of its config revisions
 *   gateway_boot_lifecycle, config_health_entries, diagnostic_events
 *                           its boots, its config file's path and hash, its last config snapshot
 * and beside the database `config-journal-fingerprint.key` (a random key), logs, temp files and
 * the dashboard asset cache, which are not copied. VACUUM rewrites the file so no deleted row
 * survives in a free page. What stays: the schema, migration receipts and machine state (plugin
 * index, auth store location), none of it secret or tied to a session.
 *
 * Run with Node 24 (node:sqlite): `node state-template.mjs <booted state dir> <template dir>`.
 */

import { existsSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

const PER_GATEWAY_TABLES = [
  "device_identities",
  "config_revision_keys",
  "gateway_boot_lifecycle",
  "config_health_entries",
  "diagnostic_events",
];

export async function makeStateTemplate(bootedStateDir, templateDir) {
  const target = join(templateDir, "state");
  await mkdir(target, { recursive: true });
  for (const suffix of ["", "-wal", "-shm"]) {
    const source = join(bootedStateDir, "state", `openclaw.sqlite${suffix}`);
    if (existsSync(source)) await copyFile(source, join(target, `openclaw.sqlite${suffix}`));
  }
  const db = new DatabaseSync(join(target, "openclaw.sqlite"));
  try {
    for (const table of PER_GATEWAY_TABLES) db.exec(`DELETE FROM "${table}"`);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.exec("VACUUM");
  } finally {
    db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await makeStateTemplate(process.argv[2], process.argv[3]);
}
