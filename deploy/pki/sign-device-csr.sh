#!/bin/sh
# Recommended path, step 2 (on the CA machine): signs a device CSR as a TLS client certificate (clientAuth only:
# whatever extensions the CSR asks for are not copied, so a device certificate never serves as a broker's).
# The CN must be a valid device id and no name of the broker; the CSR's own signature is checked (proof the requester
# holds the key). A copy of the certificate stays in $CA_DIR/issued/device/ for revoke.sh.
set -eu
USAGE='sign-device-csr.sh <device-id.csr> [out-dir (default: next to the CSR)]   (env: CA_DIR=./fleet-ca DAYS=1825)'
. "$(dirname "$0")/pki-common.sh"

[ $# -ge 1 ] && [ $# -le 2 ] || usage_error "expected a CSR file and optionally an output folder"
csr=$1
require_file "$csr" "CSR"
out=${2:-$(dirname "$csr")}
ca=${CA_DIR:-./fleet-ca}
days=${DAYS:-1825}
need_openssl
require_file "$ca/ca.key" "CA key"
require_file "$ca/ca.crt" "CA certificate"

"$OPENSSL" req -in "$csr" -noout -verify 2>/dev/null || die "$csr: signature does not verify"
subject=$("$OPENSSL" req -in "$csr" -noout -subject -nameopt RFC2253)
id=$(printf '%s\n' "$subject" | sed -n 's/^subject=\(.*,\)\{0,1\}CN=\([^,]*\).*$/\2/p')
check_device_id "$id"
check_not_reserved_name "$id" "$ca"
"$OPENSSL" req -in "$csr" -noout -text | grep -q 'ASN1 OID: prime256v1' || die "$csr: key is not EC P-256"

mkdir -p "$out"
[ ! -e "$out/$id.crt" ] || die "$out/$id.crt exists; remove it first to reissue"
ext=$(mktemp)
trap 'rm -f "$ext"' EXIT
write_client_extensions "$ext"
"$OPENSSL" x509 -req -in "$csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -set_serial "$(random_serial)" \
    -sha256 -days "$days" -subj "/O=FedEdge/CN=$id" -extfile "$ext" -out "$out/$id.crt"
chmod 0644 "$out/$id.crt"
record_issued "$out/$id.crt" "$ca" device
echo "device certificate: $out/$id.crt (CN=$id); send it and $ca/ca.crt back to the device"
