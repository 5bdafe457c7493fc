#!/bin/sh
# Recommended path, step 1 (on the device): makes the device key and a certificate signing request.
# The key never leaves the device; only <device-id>.csr goes to the CA machine (sign-device-csr.sh).
set -eu
USAGE='make-device-csr.sh <device-id> [out-dir (default .)]'
. "$(dirname "$0")/pki-common.sh"

[ $# -ge 1 ] && [ $# -le 2 ] || usage_error "expected a device id and optionally an output folder"
id=$1
check_device_id "$id"
check_not_reserved_name "$id"
out=${2:-.}
need_openssl
mkdir -p "$out"
new_key "$out/$id.key"
"$OPENSSL" req -new -key "$out/$id.key" -subj "/O=FedEdge/CN=$id" -out "$out/$id.csr"
echo "device key: $out/$id.key (stays here); send $out/$id.csr to the CA"
