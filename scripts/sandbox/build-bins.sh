#!/usr/bin/env bash
# Builds the sandbox's Go binaries from published Go modules into the cache
# (default ~/.cache/hac/bin). Idempotent: a binary whose stamp matches the
# requested version is not rebuilt.
#
#   build-bins.sh [k8s] [etcd] [kwok] [act] [actionlint]   (default: all)
#
# Versions can be overridden with HAC_K8S_VERSION, HAC_ETCD_VERSION,
# HAC_KWOK_VERSION, HAC_ACT_VERSION, HAC_ACTIONLINT_VERSION.
set -euo pipefail

K8S_VERSION="${HAC_K8S_VERSION:-v1.34.4}"
ETCD_VERSION="${HAC_ETCD_VERSION:-v3.6.16}"
KWOK_VERSION="${HAC_KWOK_VERSION:-v0.8.0}"
ACT_VERSION="${HAC_ACT_VERSION:-v0.2.89}"
ACTIONLINT_VERSION="${HAC_ACTIONLINT_VERSION:-v1.7.12}"

CACHE="${HAC_CACHE_DIR:-$HOME/.cache/hac}"
BIN="$CACHE/bin"
BUILD="$CACHE/build"
mkdir -p "$BIN" "$BUILD"

export GOFLAGS="${GOFLAGS:--mod=mod}"
export CGO_ENABLED="${CGO_ENABLED:-0}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

log() { printf '[sandbox:build] %s\n' "$*" >&2; }

# up_to_date NAME VERSION: true when $BIN/NAME exists and was built for VERSION
up_to_date() {
  [[ -x "$BIN/$1" && -f "$BIN/.$1.version" && "$(cat "$BIN/.$1.version")" == "$2" ]]
}
stamp() { printf '%s\n' "$2" >"$BIN/.$1.version"; }

# with_progress LABEL CMD...: runs CMD, printing a line every 30s so long
# builds show they are alive; output goes to a log that is shown on failure.
with_progress() {
  local label="$1"; shift
  local logf="$BUILD/${label//[^a-zA-Z0-9._-]/_}.log"
  local start=$SECONDS
  log "$label: building (log: $logf)"
  "$@" >"$logf" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && log "$label: still building ($((SECONDS - start))s)"
  done
  if ! wait "$pid"; then
    log "$label: FAILED after $((SECONDS - start))s; last lines of $logf:"
    tail -n 30 "$logf" >&2
    return 1
  fi
  log "$label: done in $((SECONDS - start))s"
}

build_k8s() {
  local names=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
  local need=0 n
  for n in "${names[@]}"; do up_to_date "$n" "$K8S_VERSION" || need=1; done
  if [[ $need == 0 ]]; then log "kubernetes $K8S_VERSION: cached"; return 0; fi

  local dir="$BUILD/k8s-$K8S_VERSION"
  mkdir -p "$dir"
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  local staging="v0.${K8S_VERSION#v1.}"
  log "kubernetes $K8S_VERSION: resolving module (staging modules at $staging)"
  local modfile
  modfile="$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  [[ -f "$modfile" ]] || { log "cannot download k8s.io/kubernetes@$K8S_VERSION"; return 1; }
  local gover
  gover="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$modfile" | head -1)"
  {
    echo "module hac.local/k8s-build"
    echo
    echo "go ${gover:-1.24.0}"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    # every k8s.io/<staging> => ./staging/src/k8s.io/<staging> becomes the published module
    sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/k8s\.io/.*#\t\1 => \1 '"$staging"'#p' "$modfile"
    echo ")"
  } >"$dir/go.mod"
  printf 'package main\n\nfunc main() {}\n' >"$dir/main.go"
  local date; date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  local ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date -X $pkg.gitCommit=0000000000000000000000000000000000000000"
  done
  with_progress "kubernetes-$K8S_VERSION" bash -c "cd '$dir' && go build -trimpath -ldflags '$ld' -o '$BIN/' \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl"
  for n in "${names[@]}"; do stamp "$n" "$K8S_VERSION"; done
}

build_etcd() {
  if up_to_date etcd "$ETCD_VERSION"; then log "etcd $ETCD_VERSION: cached"; return 0; fi
  local dir="$BUILD/etcd-$ETCD_VERSION"
  mkdir -p "$dir"
  cat >"$dir/go.mod" <<MOD
module hac.local/etcd-build

go 1.26.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION

replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 $ETCD_VERSION
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 $ETCD_VERSION
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 $ETCD_VERSION
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 $ETCD_VERSION
)
MOD
  printf 'package main\n\nfunc main() {}\n' >"$dir/main.go"
  with_progress "etcd-$ETCD_VERSION" bash -c "cd '$dir' && go build -trimpath -ldflags '-s -w' -o '$BIN/etcd' go.etcd.io/etcd/server/v3"
  stamp etcd "$ETCD_VERSION"
}

go_install() { # NAME VERSION PKG
  local name="$1" version="$2" pkg="$3"
  if up_to_date "$name" "$version"; then log "$name $version: cached"; return 0; fi
  with_progress "$name-$version" env GOBIN="$BIN" go install -trimpath -ldflags '-s -w' "$pkg@$version"
  stamp "$name" "$version"
}

build_kwok() {
  go_install kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
  go_install kwokctl "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwokctl
}

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(etcd kwok actionlint act k8s)
for t in "${targets[@]}"; do
  case "$t" in
    k8s) build_k8s ;;
    etcd) build_etcd ;;
    kwok) build_kwok ;;
    act) go_install act "$ACT_VERSION" github.com/nektos/act ;;
    actionlint) go_install actionlint "$ACTIONLINT_VERSION" github.com/rhysd/actionlint/cmd/actionlint ;;
    *) log "unknown target: $t"; exit 2 ;;
  esac
done
