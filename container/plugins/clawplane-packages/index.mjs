// Clawplane environment packages: installs the environment's package set inside the running
// gateway when the session's Durable Object asks, before the session's first turn.
//
// Loaded by the gateway like the other Clawplane plugins (`plugins.load.paths` in
// openclaw.json5). The set is not part of the runtime's boot config: it arrives over the
// session's gateway link (install after claim), so every runtime boots the same way and a
// pre-booted one can serve any environment. The Worker side is
// src/session/environment-packages.ts.
//
// Gateway methods (operator.admin: only the session's own driver holds that scope):
//   clawplane.packages.status  {key}            → {active}: whether the set `key` is in use here
//   clawplane.packages.install {key, packages}  → {result, steps, error} (install.mjs)
//
// Where sets go: CLAWPLANE_PACKAGES_DIR (this runtime's `active` pointer) and
// CLAWPLANE_PACKAGES_CACHE_DIR (the cache, which runtimes on one machine may share).

import { installPackageSet, isActive } from "./install.mjs";

const STATUS_METHOD = "clawplane.packages.status";
const INSTALL_METHOD = "clawplane.packages.install";

/**
 * One install at a time per process, however many callers (a reconnecting session may ask
 * twice): kept on the process, since OpenClaw may load this module more than once.
 */
const QUEUE_KEY = Symbol.for("clawplane.packages.queue");
globalThis[QUEUE_KEY] ??= { tail: Promise.resolve() };
const queue = globalThis[QUEUE_KEY];

function serialized(task) {
  const result = queue.tail.then(task, task);
  queue.tail = result.catch(() => {});
  return result;
}

function dirs() {
  const packagesDir = process.env.CLAWPLANE_PACKAGES_DIR;
  if (!packagesDir) throw new Error("CLAWPLANE_PACKAGES_DIR is not set in this runtime");
  return { packagesDir, cacheDir: process.env.CLAWPLANE_PACKAGES_CACHE_DIR || `${packagesDir}/cache` };
}

function validPackages(packages) {
  if (!packages || typeof packages !== "object" || Array.isArray(packages)) return false;
  return Object.values(packages).every(
    (list) => Array.isArray(list) && list.every((spec) => typeof spec === "string" && spec.length > 0),
  );
}

const entry = {
  id: "clawplane-packages",
  name: "Clawplane environment packages",
  description: "Installs the environment's packages when the session asks, before its first turn.",
  register(api) {
    api.registerGatewayMethod(
      STATUS_METHOD,
      async ({ params, respond }) => {
        try {
          respond(true, { active: await isActive({ key: params?.key, ...dirs() }) });
        } catch (error) {
          respond(false, undefined, { code: "UNAVAILABLE", message: String(error?.message ?? error) });
        }
      },
      { scope: "operator.admin" },
    );
    api.registerGatewayMethod(
      INSTALL_METHOD,
      async ({ params, respond }) => {
        const { key, packages } = params ?? {};
        if (typeof key !== "string" || !validPackages(packages)) {
          respond(false, undefined, {
            code: "INVALID_REQUEST",
            message: "key (a string) and packages ({manager: [spec]}) are required",
          });
          return;
        }
        try {
          respond(true, await serialized(() => installPackageSet({ key, packages, ...dirs() })));
        } catch (error) {
          respond(false, undefined, { code: "UNAVAILABLE", message: String(error?.message ?? error) });
        }
      },
      { scope: "operator.admin" },
    );
  },
};

export default entry;
