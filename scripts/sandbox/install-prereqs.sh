#!/usr/bin/env bash
# Installs the Debian packages the local sandbox needs. Idempotent and
# self-contained: when everything is already installed it does nothing.
# Needs root (or passwordless sudo). Package services are not started:
# the sandbox runs its own instances on loopback ports.
set -euo pipefail

PKGS=(buildah docker-registry prometheus busybox-static skopeo uidmap ca-certificates curl docker.io runc)
OPTIONAL=(packer)

SUDO=""
if [[ $(id -u) != 0 ]]; then SUDO="sudo -n"; fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for p in "${PKGS[@]}" "${OPTIONAL[@]}"; do installed "$p" || missing+=("$p"); done
if [[ ${#missing[@]} == 0 ]]; then
  echo "[sandbox:prereqs] all packages present"
else
  echo "[sandbox:prereqs] installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # keep package maintainer scripts from starting system services
  guard=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    guard=1
  fi
  trap '[[ -n "$guard" ]] && $SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  $SUDO apt-get update -qq
  required=()
  for p in "${PKGS[@]}"; do installed "$p" || required+=("$p"); done
  if [[ ${#required[@]} -gt 0 ]]; then
    $SUDO apt-get install -y -qq --no-install-recommends "${required[@]}"
  fi
  for p in "${OPTIONAL[@]}"; do
    installed "$p" && continue
    policy="$(apt-cache policy "$p" 2>/dev/null || true)"
    if [[ "$policy" =~ Candidate:\ [0-9] ]]; then
      $SUDO apt-get install -y -qq --no-install-recommends "$p" ||
        echo "[sandbox:prereqs] optional package $p failed to install; continuing" >&2
    else
      echo "[sandbox:prereqs] optional package $p not available; skipping" >&2
    fi
  done
fi

# tools expected from the machine image
for tool in go node python3; do
  command -v "$tool" >/dev/null || { echo "[sandbox:prereqs] missing $tool on PATH" >&2; exit 1; }
done
