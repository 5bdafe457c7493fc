#!/bin/sh
# Home Assistant's MQTT client certificate: CN=homeassistant, the identity deploy/mosquitto/acl lets read the discovery
# configs, predictions, availability and diagnostics of every device (and write feedback labels). Give HA's MQTT
# integration (or the bridge of HA's own broker) this key and certificate with ca.crt; see docs/home-assistant.md.
# Run with CA_DIR pointing to a CA copy, or make a CSR where HA runs and sign it the same way.
set -eu
USAGE='make-homeassistant-cert.sh [out-dir (default ./homeassistant)]   (env: CA_DIR=./fleet-ca DAYS=825)'
. "$(dirname "$0")/pki-common.sh"

[ $# -le 1 ] || usage_error "too many arguments"
out=${1:-./homeassistant}
ca=${CA_DIR:-./fleet-ca}
days=${DAYS:-825}
need_openssl
require_file "$ca/ca.key" "CA key"
require_file "$ca/ca.crt" "CA certificate"
mkdir -p "$out"
new_key "$out/homeassistant.key"
ext=$(mktemp)
trap 'rm -f "$ext" "$out/homeassistant.csr"' EXIT
cat > "$ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT
"$OPENSSL" req -new -key "$out/homeassistant.key" -subj "/O=FedEdge/CN=homeassistant" -out "$out/homeassistant.csr"
"$OPENSSL" x509 -req -in "$out/homeassistant.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -set_serial "$(random_serial)" \
    -sha256 -days "$days" -extfile "$ext" -out "$out/homeassistant.crt"
record_issued "$out/homeassistant.crt" "$ca" homeassistant
cp "$ca/ca.crt" "$out/ca.crt"
chmod 0644 "$out/homeassistant.crt" "$out/ca.crt"
echo "Home Assistant certificate: $out/homeassistant.crt (CN=homeassistant); key $out/homeassistant.key, CA $out/ca.crt"
