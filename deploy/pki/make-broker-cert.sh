#!/bin/sh
# Issues the broker's TLS server certificate. Every argument becomes a subjectAltName: IP literals as IP entries,
# anything else as DNS entries (e.g. `mqtt.home.lan mosquitto 192.168.1.10`: LAN name, compose service name, address).
# Writes broker.key, broker.crt and copies of ca.crt and the CA's crl.pem into the output folder: the @CERT_DIR@ of
# deploy/mosquitto. Every name is recorded in $CA_DIR/reserved-names, and the CA then refuses it as a device id (a
# device certificate carrying the broker's name must never exist); a name that already is an issued device id is
# refused here for the same reason.
set -eu
USAGE='make-broker-cert.sh <hostname> [more host names or IP addresses ...]   (env: CA_DIR=./fleet-ca OUT_DIR=./broker DAYS=825)'
. "$(dirname "$0")/pki-common.sh"

[ $# -ge 1 ] || usage_error "missing host name"
host=$1
ca=${CA_DIR:-./fleet-ca}
out=${OUT_DIR:-./broker}
days=${DAYS:-825}
need_openssl
require_file "$ca/ca.key" "CA key"
require_file "$ca/ca.crt" "CA certificate"

san=
for name in "$@"; do
    case $name in
        '' | -* | *[!A-Za-z0-9.:-]* ) usage_error "'$name' is not a host name or IP address" ;;
        *:* ) entry="IP:$name" ;;
        *[!0-9.]* ) entry="DNS:$name" ;;
        * ) entry="IP:$name" ;;
    esac
    san="${san:+$san,}$entry"
    case $(printf '%s' "$name" | tr 'A-Z' 'a-z') in
        aggregator | homeassistant ) die "'$name' is a client identity (deploy/mosquitto/acl), not a broker name" ;;
    esac
    for issued in "$ca"/issued/device/*.crt; do
        [ -f "$issued" ] || continue
        [ "$(certificate_cn "$issued" | tr 'A-Z' 'a-z')" != "$(printf '%s' "$name" | tr 'A-Z' 'a-z')" ] \
            || die "'$name' is the identity of an issued device certificate ($issued); choose another broker name"
    done
done

mkdir -p "$out"
new_key "$out/broker.key"
ext=$(mktemp)
trap 'rm -f "$ext" "$out/broker.csr"' EXIT
cat > "$ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT
"$OPENSSL" req -new -key "$out/broker.key" -subj "/O=FedEdge/CN=$host" -out "$out/broker.csr"
"$OPENSSL" x509 -req -in "$out/broker.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -set_serial "$(random_serial)" \
    -sha256 -days "$days" -extfile "$ext" -out "$out/broker.crt"
record_issued "$out/broker.crt" "$ca" broker
for name in "$@"; do
    grep -qixF -e "$name" "$ca/reserved-names" 2>/dev/null || printf '%s\n' "$name" >> "$ca/reserved-names"
done
[ -f "$ca/crl.pem" ] || write_crl "$ca"
cp "$ca/ca.crt" "$out/ca.crt"
cp "$ca/crl.pem" "$out/crl.pem"
chmod 0644 "$out/broker.crt" "$out/ca.crt" "$out/crl.pem"
echo "broker certificate: $out/broker.crt ($san); names reserved in $ca/reserved-names"
