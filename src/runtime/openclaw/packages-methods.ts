/**
 * The packages plugin's gateway methods (container/plugins/clawplane-packages/index.mjs): the
 * session installs its environment's set through them after a claim (session/environment-packages.ts),
 * and a keyed pool's member installs its pool's set through them while warming.
 */
export const PACKAGES_STATUS_METHOD = "clawplane.packages.status";
export const PACKAGES_INSTALL_METHOD = "clawplane.packages.install";
