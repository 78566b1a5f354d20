#!/usr/bin/env bash
# Builds deploy/validate (strict decoding of rendered manifests into the k8s.io/api and Prometheus
# Operator Go types; versions pinned in its go.mod / go.sum) or reuses the binary already built.
#
#   deploy/tools/validator.sh       # prints the path of the binary as the last line on stdout
#
# Cache: ${RUM_DEPLOY_TOOLS_CACHE:-$HOME/.cache/rum-sessions/deploy-tools}/validate-<hash>/validate,
# <hash> = sha256 of go.mod, go.sum and the sources. Go's module and build caches: Go's defaults.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$HERE/../validate"
CACHE="${RUM_DEPLOY_TOOLS_CACHE:-$HOME/.cache/rum-sessions/deploy-tools}"

log() { echo "tools/validator.sh: $*" >&2; }

HASH="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC"/*.go | sha256sum | cut -c1-16)"
BIN="$CACHE/validate-$HASH/validate"
if [[ -x "$BIN" ]]; then
  log "reusing $BIN"
  echo "$BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    log "go is not on the PATH (nor /usr/local/go/bin/go): install Go 1.26+"
    exit 2
  fi
fi
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [[ -x "$BIN" ]]; then
  log "reusing $BIN (built while waiting for the lock)"
  echo "$BIN"
  exit 0
fi
WORK="$(mktemp -d "$CACHE/.build-validate-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
start=$(date +%s)
log "building the manifest validator"
# -mod=readonly: go.sum must already pin every module (a clean clone builds what was reviewed).
(cd "$SRC" && go build -mod=readonly -trimpath -o "$WORK/validate" .) >&2
log "built in $(( $(date +%s) - start )) s"
mkdir -p "$(dirname "$BIN")"
mv "$WORK/validate" "$BIN"
echo "$BIN"
