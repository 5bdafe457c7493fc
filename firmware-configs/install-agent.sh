#!/bin/sh
# First-boot installer run by cloud-init (user-data runcmd) on a FedEdge device:
#   /boot/firmware/fededge/fededge-agent.tar.gz  -> /usr/lib/fededge (agent, pki/ scripts, systemd/ unit, sysusers.d/)
#   /boot/firmware/fededge/enroll/<id>.key, <id>.crt, ca.crt, model-signing.pub.pem -> /etc/fededge
# creates the user fededge from the tarball's sysusers.d/fededge-agent.conf (installed as
# /etc/sysusers.d/fededge-agent.conf, applied by systemd-sysusers: the same file and tool as the .deb), then
# installs and starts fededge-agent.service. Safe to run again (e.g. after copying a new tarball).
# FEDEDGE_ROOT, FEDEDGE_USER and SYSTEMCTL exist for tests (install into a temporary root, no systemd).
set -eu
BOOT=${FEDEDGE_BOOT_DIR:-/boot/firmware/fededge}
ROOT=${FEDEDGE_ROOT:-}
USER_NAME=${FEDEDGE_USER:-fededge}
SYSTEMCTL=${SYSTEMCTL:-systemctl}
LIB=$ROOT/usr/lib/fededge
ETC=$ROOT/etc/fededge
UNITS=$ROOT/etc/systemd/system
SYSUSERS=$ROOT/etc/sysusers.d

die() { echo "install-agent: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root"
[ -f "$BOOT/fededge-agent.tar.gz" ] || die "$BOOT/fededge-agent.tar.gz not found"

# Unpack into a fresh folder and swap, so a half-written /usr/lib/fededge never runs.
rm -rf "$LIB.new"
mkdir -p "$LIB.new" "$ETC" "$UNITS" "$SYSUSERS"
tar -xzf "$BOOT/fededge-agent.tar.gz" -C "$LIB.new" --no-same-owner
[ -x "$LIB.new/fededge-agent" ] || die "the tarball has no executable fededge-agent at its top level"
[ -f "$LIB.new/sysusers.d/fededge-agent.conf" ] || die "the tarball has no sysusers.d/fededge-agent.conf (deploy/package/make-tarball.sh)"
chown -R root:root "$LIB.new"
chmod -R go-w "$LIB.new"
rm -rf "$LIB.old"
[ ! -d "$LIB" ] || mv "$LIB" "$LIB.old"
mv "$LIB.new" "$LIB"
rm -rf "$LIB.old"

# The service account, before enrolment hands it the device key. /etc/sysusers.d, like the unit in
# /etc/systemd/system: this is a local installation, not a package's /usr/lib.
install -m 0644 "$LIB/sysusers.d/fededge-agent.conf" "$SYSUSERS/fededge-agent.conf"
systemd-sysusers ${ROOT:+--root="$ROOT"} fededge-agent.conf
id "$USER_NAME" >/dev/null 2>&1 || die "user $USER_NAME missing after systemd-sysusers"

# Enrolment: exactly one <device-id>.key in the enroll folder names the device.
if [ -d "$BOOT/enroll" ]; then
    set -- "$BOOT"/enroll/*.key
    [ $# -eq 1 ] && [ -f "$1" ] || die "expected exactly one <device-id>.key in $BOOT/enroll"
    device=$(basename "$1" .key)
    AGENT_JSON=keep OWNER="$USER_NAME" SOURCE_DIR="$BOOT/enroll" "$LIB/pki/enroll-device.sh" "$device" "$ETC"
    # The FAT boot partition has no permissions: do not leave the key there.
    rm -f "$BOOT/enroll/$device.key"
elif [ ! -f "$ETC/device.key" ]; then
    die "no $BOOT/enroll folder and no enrolled identity in $ETC"
fi
grep -q '@DEVICE_ID@' "$ETC/agent.json" && die "$ETC/agent.json still has @DEVICE_ID@ (enrolment did not run)"

install -m 0644 "$LIB/systemd/fededge-agent.service" "$UNITS/fededge-agent.service"
$SYSTEMCTL daemon-reload
$SYSTEMCTL enable fededge-agent.service
$SYSTEMCTL restart fededge-agent.service
echo "install-agent: fededge-agent installed for $(sed -n 's/.*"DeviceId": "\(.*\)".*/\1/p' "$ETC/agent.json")"
