#!/usr/bin/env bash
# Packs a linux-arm64 publish of the agent into the tarball firmware-configs/install-agent.sh unpacks:
#   deploy/package/make-tarball.sh <publish-dir> <output-dir> [version]
#   -> <output-dir>/fededge-agent-<version>-linux-arm64.tar.gz with, at its top level,
#      fededge-agent (+ the rest of the publish), pki/ (deploy/pki, enroll-device.sh among them),
#      systemd/fededge-agent.service and sysusers.d/fededge-agent.conf (the user fededge).
# install-agent.sh reads BOOT/fededge/fededge-agent.tar.gz: copy the versioned file to that name.
set -euo pipefail
. "$(dirname "$0")/package-common.sh"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -a "$publish/." "$stage/"
mkdir -p "$stage/pki" "$stage/systemd" "$stage/sysusers.d"
cp -a "$repo/deploy/pki/." "$stage/pki/"
cp -a "$repo/deploy/systemd/fededge-agent.service" "$stage/systemd/"
cp -a "$repo/deploy/systemd/sysusers.d/fededge-agent.conf" "$stage/sysusers.d/"
chmod -R u=rwX,go=rX "$stage"
tarball="$outdir/fededge-agent-$version-linux-arm64.tar.gz"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    -cf - . | gzip -9n > "$tarball"
echo "make-tarball: $tarball ($(du -h "$tarball" | cut -f1))"
