#!/bin/sh
# The sandbox's SBOM generator for BuildKit (docs/attestations/sbom-protocol.md in moby/buildkit):
# docker/buildkit-syft-scanner lives on Docker Hub, which the sandbox cannot reach. For each root
# filesystem it writes an in-toto statement with an SPDX 2.3 document listing the busybox package
# (when present) and the number of regular files. Runs on the sandbox's busybox base image.
set -eu
scan() { # <rootfs> <scan name>
  src="$1"
  name="$2"
  files=$(find "$src" -type f | wc -l | tr -d ' ')
  pkgs=''
  if [ -e "$src/bin/busybox" ]; then
    pkgs='{"name":"busybox","SPDXID":"SPDXRef-Package-busybox","versionInfo":"NOASSERTION","downloadLocation":"NOASSERTION","filesAnalyzed":false,"supplier":"NOASSERTION"}'
  fi
  printf '{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://spdx.dev/Document","subject":[],"predicate":{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"%s","documentNamespace":"https://hac.invalid/sbom/%s-%s","creationInfo":{"created":"%s","creators":["Tool: hac-sandbox-sbom-scan"]},"comment":"regular files: %s","packages":[%s]}}\n' \
    "$name" "$name" "$(date +%s)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$files" "$pkgs" >"$BUILDKIT_SCAN_DESTINATION/$name.spdx.json"
}
scan "$BUILDKIT_SCAN_SOURCE" "$(basename "$BUILDKIT_SCAN_SOURCE")"
if [ -n "${BUILDKIT_SCAN_SOURCE_EXTRAS:-}" ] && [ -d "$BUILDKIT_SCAN_SOURCE_EXTRAS" ]; then
  for d in "$BUILDKIT_SCAN_SOURCE_EXTRAS"/*; do
    [ -d "$d" ] && scan "$d" "$(basename "$d")"
  done
fi
