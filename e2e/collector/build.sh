#!/usr/bin/env bash
# Builds the end-to-end tests' OpenTelemetry Collector distribution with the Collector
# Builder (ocb) from the Go module proxy, or reuses the one already built.
#
#   e2e/collector/build.sh [MANIFEST]      # default: builder-config.yaml beside this script
#
# Prints the path of the binary as the last line on stdout; everything else goes to stderr.
#
# Cache (outside the repository, reused by later runs and by other clones):
#   ${RUM_COLLECTOR_CACHE:-$HOME/.cache/rum-sessions/collector}/
#     tools/builder-<version>/builder    ocb itself (go install)
#     <hash>/otelcol-rum                 the distribution; <hash> = sha256 of the manifest
#     <hash>/src/                         the sources ocb generated (main.go, go.mod, ...)
# Go's own module and build caches stay at their defaults ($(go env GOMODCACHE),
# $(go env GOCACHE), under $HOME), so a second manifest reuses every compiled package.
# Delete the cache folder to force a rebuild.
set -euo pipefail

OCB_VERSION=v0.161.0   # keep in step with the core versions in builder-config.yaml
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MANIFEST="${1:-$HERE/builder-config.yaml}"
CACHE="${RUM_COLLECTOR_CACHE:-$HOME/.cache/rum-sessions/collector}"
NAME=otelcol-rum

log() { echo "collector/build.sh: $*" >&2; }

[[ -f "$MANIFEST" ]] || { log "no manifest at $MANIFEST"; exit 2; }
grep -q "^  name: $NAME\$" "$MANIFEST" || { log "$MANIFEST must set dist.name: $NAME"; exit 2; }

if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    log "go is not on the PATH (nor /usr/local/go/bin/go): install Go 1.26+"
    exit 2
  fi
fi
# Use the Go that is installed; a module asking for a newer one fails instead of downloading.
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

HASH="$( { cat "$MANIFEST"; echo "ocb $OCB_VERSION"; } | sha256sum | cut -c1-16)"
OUT="$CACHE/$HASH"
BIN="$OUT/$NAME"

if [[ -x "$BIN" ]]; then
  log "reusing $BIN"
  echo "$BIN"
  exit 0
fi

mkdir -p "$CACHE"
# One build at a time per cache (two test JVMs, or two checkouts, may ask at once).
exec 9>"$CACHE/.lock"
flock 9
if [[ -x "$BIN" ]]; then
  log "reusing $BIN (built while waiting for the lock)"
  echo "$BIN"
  exit 0
fi

OCB="$CACHE/tools/builder-$OCB_VERSION/builder"
if [[ ! -x "$OCB" ]]; then
  log "installing ocb $OCB_VERSION"
  GOBIN="$CACHE/tools/builder-$OCB_VERSION" go install "go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION" >&2
fi

WORK="$(mktemp -d "$CACHE/.build-$HASH-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# ocb takes the output folder from the manifest only: add it to a copy.
awk -v out="$WORK/src" '{ print } /^dist:[[:space:]]*$/ { print "  output_path: " out }' \
  "$MANIFEST" > "$WORK/manifest.yaml"
grep -q "output_path: $WORK/src" "$WORK/manifest.yaml" || { log "manifest has no 'dist:' line"; exit 2; }

log "building $NAME from $MANIFEST with ocb $OCB_VERSION (a cold build takes minutes)"
start=$(date +%s)
"$OCB" --config="$WORK/manifest.yaml" >&2
[[ -x "$WORK/src/$NAME" ]] || { log "ocb finished but $WORK/src/$NAME is missing"; exit 1; }
log "built in $(( $(date +%s) - start )) s"

# Publish atomically: a half-written folder is never taken for a finished build.
mkdir -p "$WORK/dist"
mv "$WORK/src/$NAME" "$WORK/dist/$NAME"
mv "$WORK/src" "$WORK/dist/src"
cp "$MANIFEST" "$WORK/dist/builder-config.yaml"
rm -rf "$OUT"
mv "$WORK/dist" "$OUT"
echo "$BIN"
