#!/bin/sh
# Container entrypoint: the OpenClaw gateway for one Clawplane session.
#
# Sets OpenClaw's embedding defaults (each can be overridden by the start env), checks that
# the per-session values the config template needs are present, and execs the gateway so it
# is PID 1's direct successor and receives the platform's SIGTERM itself.
#
# Required env (from the Durable Object's ctx.container.start({env})):
#   OPENCLAW_GATEWAY_TOKEN   bearer the Durable Object uses; without it OpenClaw invents one
#   CLAWPLANE_LLM_BASE_URL   the Worker's LLM proxy (OpenAI-compatible, ends in /v1)
#   CLAWPLANE_SESSION_TOKEN  per-session token the LLM proxy accepts (never a provider key)
# Optional:
#   CLAWPLANE_SESSION_CONFIG the session's half of the gateway config (JSON, `${VAR}` references for
#                            the values above; src/runtime/openclaw/session-config.ts): gateway
#                            token, LLM proxy identity, tools, tool policy, MCP, peers, prompt.
#                            Written to clawplane-session.json; the root config includes the
#                            generic template first and this second (later wins)
#   CLAWPLANE_MCP_CONFIG     OpenClaw's `mcp` block as JSON (the agent's MCP servers, pointed at
#                            the Worker's MCP proxy; no secrets); written to clawplane-mcp.json
#   CLAWPLANE_TOOLS_CONFIG   the tools OpenClaw may offer the model (`allow`/`deny`, JSON);
#                            written to clawplane-tools.json
#   CLAWPLANE_POOL_MEMBER    1: a warm pool runtime with no session yet; port 18790 also serves the
#                            claim (session-claim.mjs) that applies a session's document to it
#   CLAWPLANE_CUSTOM_TOOLS   the agent's custom tools (JSON `[{name, description, input_schema}]`);
#                            installed as $OPENCLAW_STATE_DIR/clawplane-custom-tools
set -eu

# Embedding preset (OpenClaw docs gateway/embedding.md) plus offline mode (no fd/ripgrep downloads).
export OPENCLAW_DISABLE_BONJOUR="${OPENCLAW_DISABLE_BONJOUR:-1}"
export OPENCLAW_NO_RESPAWN="${OPENCLAW_NO_RESPAWN:-1}"
export OPENCLAW_SKIP_CHANNELS="${OPENCLAW_SKIP_CHANNELS:-1}"
export OPENCLAW_EXEC_SHELL_SNAPSHOT="${OPENCLAW_EXEC_SHELL_SNAPSHOT:-0}"
export OPENCLAW_OFFLINE="${OPENCLAW_OFFLINE:-1}"
export OPENCLAW_CONFIG_PATH="${OPENCLAW_CONFIG_PATH:-/app/openclaw.json5}"
export OPENCLAW_STATE_DIR="${OPENCLAW_STATE_DIR:-/data/state}"
export HOME="${HOME:-/data/home}"
export CLAWPLANE_WORKSPACE_DIR="${CLAWPLANE_WORKSPACE_DIR:-/workspace}"
export CLAWPLANE_PLUGINS_DIR="${CLAWPLANE_PLUGINS_DIR:-/app/plugins}"
# The environment's packages (plugins/clawplane-packages): installed after boot, when the session
# asks, under these dirs; the same for every session, so a pre-booted runtime serves any set.
export CLAWPLANE_PACKAGES_DIR="${CLAWPLANE_PACKAGES_DIR:-/data/packages}"
export CLAWPLANE_PACKAGES_CACHE_DIR="${CLAWPLANE_PACKAGES_CACHE_DIR:-/data/packages-cache}"

missing=""
for name in OPENCLAW_GATEWAY_TOKEN CLAWPLANE_LLM_BASE_URL CLAWPLANE_SESSION_TOKEN; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || missing="$missing $name"
done
if [ -n "$missing" ]; then
  # 78 (EX_CONFIG) is also what OpenClaw itself exits with on a configuration error.
  echo "clawplane entrypoint: missing required environment:$missing (pass them in ctx.container.start({ env }))" >&2
  exit 78
fi

mkdir -p "$OPENCLAW_STATE_DIR" "$HOME" "$CLAWPLANE_WORKSPACE_DIR"

# The root config: the generic template (OPENCLAW_CONFIG_PATH as given), then the session's document.
template="$OPENCLAW_CONFIG_PATH"
config_dir="$(dirname "$template")"
session_config="${CLAWPLANE_SESSION_CONFIG:-}"
[ -n "$session_config" ] || session_config='{}'
printf '%s\n' "$session_config" > "$config_dir/clawplane-session.json"
printf '{"$include":["./%s","./clawplane-session.json"]}\n' "$(basename "$template")" > "$config_dir/openclaw.json"
export OPENCLAW_CONFIG_PATH="$config_dir/openclaw.json"
# The template includes the MCP block and the tool lists from beside itself (older Workers still
# send them as env; a current one puts them in the session's document).
mcp_config="${CLAWPLANE_MCP_CONFIG:-}"
[ -n "$mcp_config" ] || mcp_config='{}'
printf '%s\n' "$mcp_config" > "$config_dir/clawplane-mcp.json"
tools_config="${CLAWPLANE_TOOLS_CONFIG:-}"
[ -n "$tools_config" ] || tools_config='{}'
printf '%s\n' "$tools_config" > "$config_dir/clawplane-tools.json"
# The agent's custom tools: a per-session copy of the plugin whose manifest names them.
node "$CLAWPLANE_PLUGINS_DIR/clawplane-custom-tools/install.mjs" "$OPENCLAW_STATE_DIR/clawplane-custom-tools"

# Limited networking: the container's HTTPS is terminated at Cloudflare's egress edge with a
# per-container CA that only exists at run time. Trust it for Node (OpenClaw) and for tools that
# read the system bundle (curl, git, pip); the image runs as non-root, so no update-ca-certificates.
cf_ca=/etc/cloudflare/certs/cloudflare-containers-ca.crt
if [ -r "$cf_ca" ]; then
  export NODE_EXTRA_CA_CERTS="${NODE_EXTRA_CA_CERTS:-$cf_ca}"
  if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
    # The system roots plus the edge's CA, so direct HTTPS keeps working where it is allowed.
    bundle="$HOME/ca-bundle.crt"
    cat /etc/ssl/certs/ca-certificates.crt "$cf_ca" > "$bundle"
    export SSL_CERT_FILE="$bundle" CURL_CA_BUNDLE="$bundle" REQUESTS_CA_BUNDLE="$bundle" GIT_SSL_CAINFO="$bundle"
  fi
fi
# The installed set's binaries and libraries within the agent's reach (PATH, NODE_PATH, ...).
eval "$(node "$CLAWPLANE_PLUGINS_DIR/clawplane-packages/paths.mjs")"
cd "$CLAWPLANE_WORKSPACE_DIR"
# The workspace archive endpoint (port 18790, gateway token required): the session's object saves
# /workspace through it after each turn and puts it back into a fresh container.
# A warm pool member (CLAWPLANE_POOL_MEMBER=1) also takes its claiming session's document there
# (session-claim.mjs), written beside the root config.
CLAWPLANE_CONFIG_DIR="$config_dir" node /app/workspace-archive.mjs &
# --bind lan: listen on 0.0.0.0 so the platform can reach port 18789 from outside the container.
exec openclaw gateway run --port 18789 --bind lan "$@"
