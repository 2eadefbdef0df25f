#!/usr/bin/env bash
# Fails when the work tree differs from the commit: a changed tracked file (a lockfile rewritten
# by an install, a generated file out of date) or an untracked file that .gitignore does not
# cover. CI runs it after `npm ci` and again at the end of the run.
set -euo pipefail
cd "$(dirname "$0")/.."
dirty="$(git status --porcelain --untracked-files=all)"
if [ -n "$dirty" ]; then
  echo "the work tree is not clean:" >&2
  echo "$dirty" >&2
  git --no-pager diff --stat >&2 || true
  exit 1
fi
echo "work tree clean"
