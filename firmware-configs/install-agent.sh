#!/bin/sh
# First-boot installer run by cloud-init (user-data runcmd) on a FedEdge device:
#   /boot/firmware/fededge/fededge-agent.tar.gz  -> /opt/fededge (agent, pki/ scripts, systemd/ unit)
#   /boot/firmware/fededge/enroll/<id>.key, <id>.crt, ca.crt, model-signing.pub.pem -> /etc/fededge
# then installs and starts fededge-agent.service. Safe to run again (e.g. after copying a new tarball).
set -eu
BOOT=${FEDEDGE_BOOT_DIR:-/boot/firmware/fededge}
OPT=/opt/fededge
ETC=/etc/fededge

die() { echo "install-agent: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root"
id fededge >/dev/null 2>&1 || die "user fededge missing (user-data 'users:' creates it)"
[ -f "$BOOT/fededge-agent.tar.gz" ] || die "$BOOT/fededge-agent.tar.gz not found"

# Unpack into a fresh folder and swap, so a half-written /opt/fededge never runs.
rm -rf "$OPT.new"
mkdir -p "$OPT.new"
tar -xzf "$BOOT/fededge-agent.tar.gz" -C "$OPT.new" --no-same-owner
[ -x "$OPT.new/fededge-agent" ] || die "the tarball has no executable fededge-agent at its top level"
chown -R root:root "$OPT.new"
chmod -R go-w "$OPT.new"
rm -rf "$OPT.old"
[ ! -d "$OPT" ] || mv "$OPT" "$OPT.old"
mv "$OPT.new" "$OPT"
rm -rf "$OPT.old"

# Enrolment: exactly one <device-id>.key in the enroll folder names the device.
if [ -d "$BOOT/enroll" ]; then
    set -- "$BOOT"/enroll/*.key
    [ $# -eq 1 ] && [ -f "$1" ] || die "expected exactly one <device-id>.key in $BOOT/enroll"
    device=$(basename "$1" .key)
    AGENT_JSON=keep OWNER=fededge SOURCE_DIR="$BOOT/enroll" "$OPT/pki/enroll-device.sh" "$device" "$ETC"
    # The FAT boot partition has no permissions: do not leave the key there.
    rm -f "$BOOT/enroll/$device.key"
elif [ ! -f "$ETC/device.key" ]; then
    die "no $BOOT/enroll folder and no enrolled identity in $ETC"
fi
grep -q '@DEVICE_ID@' "$ETC/agent.json" && die "$ETC/agent.json still has @DEVICE_ID@ (enrolment did not run)"

install -m 0644 "$OPT/systemd/fededge-agent.service" /etc/systemd/system/fededge-agent.service
systemctl daemon-reload
systemctl enable fededge-agent.service
systemctl restart fededge-agent.service
echo "install-agent: fededge-agent installed for $(sed -n 's/.*"DeviceId": "\(.*\)".*/\1/p' "$ETC/agent.json")"
