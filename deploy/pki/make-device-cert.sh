#!/bin/sh
# Lab shortcut: key, CSR and certificate in one go on the CA machine. The device key is then made here and has
# to be carried to the device (enroll-device.sh); for real fleets use make-device-csr.sh on the device and
# sign-device-csr.sh on the CA, so that no private key ever travels.
set -eu
USAGE='make-device-cert.sh <device-id> [out-dir (default ./devices)]   (env: CA_DIR=./fleet-ca DAYS=1825)'
here=$(dirname "$0")
. "$here/pki-common.sh"

[ $# -ge 1 ] && [ $# -le 2 ] || usage_error "expected a device id and optionally an output folder"
check_device_id "$1"
check_not_reserved_name "$1" "${CA_DIR:-./fleet-ca}"
out=${2:-./devices}
"$here/make-device-csr.sh" "$1" "$out" >/dev/null
"$here/sign-device-csr.sh" "$out/$1.csr" "$out"
rm -f "$out/$1.csr"
