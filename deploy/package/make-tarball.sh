#!/usr/bin/env bash
# Packs a linux-arm64 publish of the agent into the tarball firmware-configs/install-agent.sh unpacks:
#   deploy/package/make-tarball.sh <publish-dir> <output-dir> [version]
#   -> <output-dir>/fededge-agent-<version>-linux-arm64.tar.gz with, at its top level,
#      fededge-agent (+ the rest of the publish), pki/ (deploy/pki, enroll-device.sh among them),
#      systemd/fededge-agent.service and sysusers.d/fededge-agent.conf (the user fededge).
# install-agent.sh unpacks it into /usr/lib/fededge from BOOT/fededge/fededge-agent.tar.gz: copy the versioned file
# to that name.
set -euo pipefail
. "$(dirname "$0")/package-common.sh"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
stage_publish "$stage"
mkdir -p "$stage/systemd" "$stage/sysusers.d"
install -m 0644 "$repo/deploy/systemd/fededge-agent.service" "$stage/systemd/"
install -m 0644 "$repo/deploy/systemd/sysusers.d/fededge-agent.conf" "$stage/sysusers.d/"
chmod 0755 "$stage"
tarball="$outdir/fededge-agent-$version-linux-arm64.tar.gz"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    -cf - . | gzip -9n > "$tarball"
echo "make-tarball: $tarball ($(du -h "$tarball" | cut -f1))"
