#!/usr/bin/env bash
# Builds Helm (v4, helm.sh/helm/v4 from the Go module proxy) for the chart checks, or reuses the
# one already built, like e2e/collector/build.sh does for the Collector.
#
#   deploy/tools/helm.sh            # prints the path of the helm binary as the last line on stdout
#
# Cache (outside the repository, reused by later runs and by other clones):
#   ${RUM_DEPLOY_TOOLS_CACHE:-$HOME/.cache/rum-sessions/deploy-tools}/helm-<version>/helm
# Go's module and build caches stay at their defaults ($(go env GOMODCACHE), $(go env GOCACHE),
# under $HOME), shared with the Collector build and the schema validator.
# Delete the cache folder to force a rebuild.
set -euo pipefail

HELM_VERSION=v4.3.2
CACHE="${RUM_DEPLOY_TOOLS_CACHE:-$HOME/.cache/rum-sessions/deploy-tools}"
OUT="$CACHE/helm-$HELM_VERSION"
BIN="$OUT/helm"

log() { echo "tools/helm.sh: $*" >&2; }

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
# Use the Go that is installed; a module asking for a newer one fails instead of downloading.
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [[ -x "$BIN" ]]; then
  log "reusing $BIN (built while waiting for the lock)"
  echo "$BIN"
  exit 0
fi

WORK="$(mktemp -d "$CACHE/.build-helm-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
log "building helm $HELM_VERSION with $(go version | cut -d' ' -f3) (a cold build takes minutes)"
start=$(date +%s)
# The version string `helm version` prints, as Helm's own Makefile sets it.
GOBIN="$WORK" CGO_ENABLED=0 go install \
  -ldflags "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" \
  "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" >&2
[[ -x "$WORK/helm" ]] || { log "go install finished but $WORK/helm is missing"; exit 1; }
"$WORK/helm" version >&2
log "built in $(( $(date +%s) - start )) s"
rm -rf "$OUT"
mkdir -p "$OUT"
mv "$WORK/helm" "$BIN"
echo "$BIN"
