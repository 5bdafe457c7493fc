#!/bin/sh
# The aggregator's MQTT client certificate: CN=aggregator, the identity deploy/mosquitto/acl grants
# read on all updates and write on model and pace. Run on the aggregator host with CA_DIR pointing to a
# CA copy, or make a CSR there and sign it the same way (the key stays where it is made).
set -eu
USAGE='make-aggregator-cert.sh [out-dir (default ./aggregator)]   (env: CA_DIR=./fleet-ca DAYS=825)'
. "$(dirname "$0")/pki-common.sh"

[ $# -le 1 ] || usage_error "too many arguments"
out=${1:-./aggregator}
ca=${CA_DIR:-./fleet-ca}
days=${DAYS:-825}
need_openssl
require_file "$ca/ca.key" "CA key"
require_file "$ca/ca.crt" "CA certificate"
mkdir -p "$out"
new_key "$out/aggregator.key"
ext=$(mktemp)
trap 'rm -f "$ext" "$out/aggregator.csr"' EXIT
cat > "$ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT
"$OPENSSL" req -new -key "$out/aggregator.key" -subj "/O=FedEdge/CN=aggregator" -out "$out/aggregator.csr"
"$OPENSSL" x509 -req -in "$out/aggregator.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -set_serial "$(random_serial)" \
    -sha256 -days "$days" -extfile "$ext" -out "$out/aggregator.crt"
record_issued "$out/aggregator.crt" "$ca" aggregator
cp "$ca/ca.crt" "$out/ca.crt"
chmod 0644 "$out/aggregator.crt" "$out/ca.crt"
echo "aggregator certificate: $out/aggregator.crt (CN=aggregator)"
