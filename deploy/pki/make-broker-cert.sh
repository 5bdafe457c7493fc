#!/bin/sh
# Issues the broker's TLS server certificate (SAN: the host name plus any IP addresses given).
# Writes broker.key, broker.crt and a copy of ca.crt into the output folder: the @CERT_DIR@ of deploy/mosquitto.
set -eu
USAGE='make-broker-cert.sh <hostname> [ip-address ...]   (env: CA_DIR=./fleet-ca OUT_DIR=./broker DAYS=825)'
. "$(dirname "$0")/pki-common.sh"

[ $# -ge 1 ] || usage_error "missing host name"
host=$1
shift
case $host in '' | -* | *[!A-Za-z0-9.:-]*) usage_error "'$host' is not a host name or IP address" ;; esac
ca=${CA_DIR:-./fleet-ca}
out=${OUT_DIR:-./broker}
days=${DAYS:-825}
need_openssl
require_file "$ca/ca.key" "CA key"
require_file "$ca/ca.crt" "CA certificate"

# A host given as an IP literal is also an IP SAN (clients that connect by address check that one).
case $host in
    *:* ) san="IP:$host" ;;
    *[!0-9.]* ) san="DNS:$host" ;;
    * ) san="IP:$host" ;;
esac
for ip in "$@"; do
    case $ip in '' | *[!0-9A-Fa-f.:]*) usage_error "'$ip' is not an IP address" ;; esac
    san="$san,IP:$ip"
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
cp "$ca/ca.crt" "$out/ca.crt"
chmod 0644 "$out/broker.crt" "$out/ca.crt"
echo "broker certificate: $out/broker.crt ($san)"
