#!/usr/bin/env bash
# Builds Argo Rollouts' rollouts-controller from its published Go module into the
# cache, for `npm run bench` only (never CI, never tests). Idempotent: a binary
# whose stamp matches the requested version is not rebuilt.
#
#   nice -n 19 scripts/bench/build-argo-rollouts.sh
#
# Writes $CACHE/bin/rollouts-controller and $CACHE/bench/argo-rollouts-<v>/ (a
# writable copy of the module, whose manifests/crds/ the bench applies).
# HAC_ARGO_ROLLOUTS_VERSION overrides the version; HAC_CACHE_DIR the cache.
set -euo pipefail

VERSION="${HAC_ARGO_ROLLOUTS_VERSION:-v1.10.2}"
CACHE="${HAC_CACHE_DIR:-$HOME/.cache/hac}"
BIN="$CACHE/bin"
SRC="$CACHE/bench/argo-rollouts-$VERSION"
LOG="$CACHE/bench/argo-rollouts-$VERSION.log"
mkdir -p "$BIN" "$CACHE/bench"

# v1.10.2 needs Go >= 1.26.10; the go command fetches this approved toolchain.
export GOTOOLCHAIN="${GOTOOLCHAIN_ARGO:-go1.27.3}"
export GOFLAGS="${GOFLAGS:--mod=mod}"
export CGO_ENABLED="${CGO_ENABLED:-0}"

log() { printf '[bench:argo] %s\n' "$*" >&2; }

if [[ -x "$BIN/rollouts-controller" && -f "$BIN/.rollouts-controller.version" &&
  "$(cat "$BIN/.rollouts-controller.version")" == "$VERSION" && -d "$SRC/manifests/crds" ]]; then
  log "rollouts-controller $VERSION: cached ($BIN/rollouts-controller)"
  exit 0
fi

start=$SECONDS
log "rollouts-controller $VERSION: resolving module (log: $LOG)"
dir="$(cd "$CACHE/bench" && go mod download -json "github.com/argoproj/argo-rollouts@$VERSION" |
  sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
[[ -d "$dir" ]] || { log "cannot download github.com/argoproj/argo-rollouts@$VERSION"; exit 1; }

rm -rf "$SRC"
cp -r "$dir" "$SRC"
chmod -R u+w "$SRC"
log "rollouts-controller $VERSION: building in $SRC"
if ! (cd "$SRC" && go build -o "$BIN/rollouts-controller.tmp" ./cmd/rollouts-controller) >"$LOG" 2>&1; then
  log "FAILED after $((SECONDS - start))s; last lines of $LOG:"
  tail -n 30 "$LOG" >&2
  exit 1
fi
mv "$BIN/rollouts-controller.tmp" "$BIN/rollouts-controller"
printf '%s\n' "$VERSION" >"$BIN/.rollouts-controller.version"
log "rollouts-controller $VERSION: done in $((SECONDS - start))s"
