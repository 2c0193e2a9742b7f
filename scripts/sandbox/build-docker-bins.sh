#!/usr/bin/env bash
# Builds the Docker-side sandbox binaries from published Go modules into the
# cache (default ~/.cache/hac/bin), like build-bins.sh does for the others:
#
#   docker-buildx      github.com/docker/buildx      ./cmd/buildx
#   buildkitd, buildctl github.com/moby/buildkit     ./cmd/buildkitd ./cmd/buildctl
#
#   build-docker-bins.sh [buildx] [buildkit]   (default: both, in parallel)
#
# `go install pkg@version` is refused for buildx (its go.mod has `exclude`
# directives), so each module is downloaded, copied to a writable directory and
# built there with its own go.mod. BuildKit is pinned to the version buildx
# itself requires, so the two builds share the Go build cache.
# Versions: HAC_BUILDX_VERSION, HAC_BUILDKIT_VERSION.
set -euo pipefail

BUILDX_VERSION="${HAC_BUILDX_VERSION:-v0.30.1}"
BUILDKIT_VERSION="${HAC_BUILDKIT_VERSION:-v0.26.1}"

CACHE="${HAC_CACHE_DIR:-$HOME/.cache/hac}"
BIN="$CACHE/bin"
BUILD="$CACHE/build"
mkdir -p "$BIN" "$BUILD"

export GOFLAGS="${GOFLAGS:--mod=mod}"
export CGO_ENABLED="${CGO_ENABLED:-0}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

log() { printf '[sandbox:build] %s\n' "$*" >&2; }
up_to_date() { [[ -x "$BIN/$1" && -f "$BIN/.$1.version" && "$(cat "$BIN/.$1.version")" == "$2" ]]; }
stamp() { printf '%s\n' "$2" >"$BIN/.$1.version"; }

# module_copy MODULE VERSION DEST: a writable copy of the module's source
module_copy() {
  local dir
  dir="$(cd "$BUILD" && go mod download -json "$1@$2" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  [[ -d "$dir" ]] || { log "cannot download $1@$2"; return 1; }
  rm -rf "$3" && cp -r "$dir" "$3" && chmod -R u+w "$3"
}

# build_module LABEL MODULE VERSION LDFLAGS OUT... -- PKG...
build_module() {
  local label="$1" module="$2" version="$3" ld="$4"; shift 4
  local start=$SECONDS logf="$BUILD/$label.log" src="$BUILD/$label-src"
  log "$label: building (log: $logf)"
  if ! { module_copy "$module" "$version" "$src" &&
    (cd "$src" && go build -trimpath -ldflags "$ld" "$@"); } >"$logf" 2>&1; then
    log "$label: FAILED after $((SECONDS - start))s; last lines of $logf:"
    tail -n 30 "$logf" >&2
    return 1
  fi
  rm -rf "$src"
  log "$label: done in $((SECONDS - start))s"
}

build_buildx() {
  if up_to_date docker-buildx "$BUILDX_VERSION"; then log "buildx $BUILDX_VERSION: cached"; return 0; fi
  local ld="-s -w -X github.com/docker/buildx/version.Version=$BUILDX_VERSION"
  ld+=" -X github.com/docker/buildx/version.Package=github.com/docker/buildx"
  build_module "buildx-$BUILDX_VERSION" github.com/docker/buildx "$BUILDX_VERSION" "$ld" \
    -o "$BIN/docker-buildx" ./cmd/buildx
  stamp docker-buildx "$BUILDX_VERSION"
}

build_buildkit() {
  if up_to_date buildkitd "$BUILDKIT_VERSION" && up_to_date buildctl "$BUILDKIT_VERSION"; then
    log "buildkit $BUILDKIT_VERSION: cached"
    return 0
  fi
  local ld="-s -w -X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION"
  ld+=" -X github.com/moby/buildkit/version.Package=github.com/moby/buildkit"
  build_module "buildkit-$BUILDKIT_VERSION" github.com/moby/buildkit "$BUILDKIT_VERSION" "$ld" \
    -o "$BIN/" ./cmd/buildkitd ./cmd/buildctl
  stamp buildkitd "$BUILDKIT_VERSION"
  stamp buildctl "$BUILDKIT_VERSION"
}

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(buildx buildkit)
pids=()
for t in "${targets[@]}"; do
  case "$t" in
    buildx) build_buildx & pids+=($!) ;;
    buildkit) build_buildkit & pids+=($!) ;;
    *) log "unknown target: $t"; exit 2 ;;
  esac
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
exit $rc
