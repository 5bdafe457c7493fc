#!/usr/bin/env bash
# Builds a Debian package of a linux-arm64 publish of the agent:
#   deploy/package/make-deb.sh <publish-dir> <output-dir> [version]
#   -> <output-dir>/fededge-agent_<version>_arm64.deb
# Layout (the one deploy/systemd/fededge-agent.service expects: ExecStart=/usr/lib/fededge/fededge-agent,
# WorkingDirectory=/usr/lib/fededge):
#   /usr/lib/fededge/            the publish (fededge-agent, appsettings.json, native libs) and pki/ (enroll-device.sh ...)
#   /lib/systemd/system/fededge-agent.service
#   /usr/lib/sysusers.d/fededge-agent.conf   deploy/systemd/sysusers.d/fededge-agent.conf
# postinst creates the system user and group fededge and its i2c/gpio membership with systemd-sysusers (the one
# definition of the user, which install-agent.sh applies too), and reloads systemd. It enables and starts the agent only when the device says so:
# FEDEDGE_AGENT_ENABLE=yes in /etc/default/fededge-agent (cloud-init writes it after enrolment); an agent
# started before /etc/fededge holds an identity would only fail and hit the unit's start limit.
# DEB_COMPRESSION (default xz) is passed to dpkg-deb -Z; the tests use none.
set -euo pipefail
. "$(dirname "$0")/package-common.sh"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
lib="$root/usr/lib/fededge"
mkdir -p "$lib/pki" "$root/lib/systemd/system" "$root/usr/lib/sysusers.d" "$root/DEBIAN"
cp -a "$publish/." "$lib/"
cp -a "$repo/deploy/pki/." "$lib/pki/"
cp "$repo/deploy/systemd/fededge-agent.service" "$root/lib/systemd/system/"
cp "$repo/deploy/systemd/sysusers.d/fededge-agent.conf" "$root/usr/lib/sysusers.d/"
chmod -R u=rwX,go=rX "$root"

cat > "$root/DEBIAN/control" <<CONTROL
Package: fededge-agent
Version: $version
Architecture: arm64
Maintainer: FedEdge project <fededge@example.invalid>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: systemd | systemd-standalone-sysusers | systemd-sysusers, libc6, libstdc++6, zlib1g, libssl3 | libssl3t64
Recommends: libgpiod2 | libgpiod3
Section: misc
Priority: optional
Description: FedEdge device agent (federated learning with differential privacy)
 Reads smart-home sensors, trains a small model locally with DP-SGD on ONNX
 Runtime, and publishes clipped, noised updates over mutual-TLS MQTT.
 Self-contained .NET publish in /usr/lib/fededge; systemd unit fededge-agent.service.
 Check a board with: /usr/lib/fededge/fededge-agent --self-test
CONTROL

cat > "$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    # The user fededge and its i2c/gpio memberships: /usr/lib/sysusers.d/fededge-agent.conf is the only definition.
    systemd-sysusers fededge-agent.conf
    FEDEDGE_AGENT_ENABLE=no
    if [ -r /etc/default/fededge-agent ]; then . /etc/default/fededge-agent; fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
        if [ "$FEDEDGE_AGENT_ENABLE" = yes ]; then
            systemctl enable fededge-agent.service || true
            systemctl restart fededge-agent.service || true
        else
            # an upgrade of an agent the admin started by hand runs the new binary
            systemctl try-restart fededge-agent.service || true
        fi
    elif [ "$FEDEDGE_AGENT_ENABLE" = yes ]; then
        systemctl enable fededge-agent.service || true   # image build (chroot): enable offline
    fi
fi
exit 0
POSTINST

cat > "$root/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ "$1" = remove ]; then
    if [ -d /run/systemd/system ]; then systemctl stop fededge-agent.service || true; fi
    if command -v systemctl >/dev/null 2>&1; then systemctl disable fededge-agent.service >/dev/null 2>&1 || true; fi
fi
exit 0
PRERM

cat > "$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
# Kept even on purge, on purpose: /var/lib/fededge-agent holds the privacy ledger (deleting it would reset the
# privacy budget this device has spent) and /etc/fededge the device identity. The user fededge stays too
# (Debian policy: a removed system user's uid could be reused by files it still owns).
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
exit 0
POSTRM
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

deb="$outdir/fededge-agent_${version}_arm64.deb"
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" --build "$root" "$deb" >/dev/null
echo "make-deb: $deb ($(du -h "$deb" | cut -f1))"
