#!/bin/bash
# `npm run test:e2e`: the session conversation with REAL Cloudflare Containers under
# `wrangler dev` (test/e2e, vitest.e2e.config.ts).
#
# Docker comes from the shared local-containers tool ($REPO/../shared/tools/local-containers):
# its setup.sh (root; idempotent, minutes the first time) installs and starts dockerd, builds the
# offline node:24-bookworm-slim base image and the sidecar stand-in, and prints the env wrangler
# needs. Without that tool an already-usable Docker engine is used as is.
#
# Exits 0 with "e2e skipped: <reason>" when neither is available; anything else that goes
# wrong (setup failure, test failure) is a failure. Extra arguments go to vitest.
# CLAWPLANE_E2E_DEBUG=1 logs every Docker API call workerd makes (test/e2e/support/docker-api-proxy.mjs).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOL="${CLAWPLANE_LOCAL_CONTAINERS:-$REPO/../shared/tools/local-containers}"
cd "$REPO"

skip() { echo "e2e skipped: $*"; exit 0; }

if [ -x "$TOOL/setup.sh" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    # setup.sh needs root to install/start Docker; a running engine we can use is enough.
    docker info >/dev/null 2>&1 || skip "not root, so $TOOL/setup.sh cannot start Docker, and docker is not usable"
    echo "[e2e] not root: using the running Docker engine without setup.sh" >&2
    export WRANGLER_DOCKER_BIN="$TOOL/docker-shim" MINIFLARE_CONTAINER_EGRESS_IMAGE="local/container-sidecar"
  else
    setup_started=$(date +%s)
    env_lines="$("$TOOL/setup.sh")"
    eval "$env_lines"
    echo "[e2e] local-containers ready in $(($(date +%s) - setup_started)) s" >&2
  fi
elif docker info >/dev/null 2>&1; then
  echo "[e2e] $TOOL absent: using the Docker engine on PATH" >&2
else
  skip "$TOOL is absent and docker is not usable"
fi

export PATH="$REPO/node_modules/.bin:$PATH"
exec vitest run --config vitest.e2e.config.ts "$@"
