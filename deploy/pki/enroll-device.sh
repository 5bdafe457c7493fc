#!/bin/sh
# Installs a device's identity where the agent reads it (run on the device, as root for /etc/fededge):
#   device.key (0600, owner $OWNER), device.crt, ca.crt, model-signing.pub.pem (0644) and agent.json (0644).
# Sources, looked up in SOURCE_DIR (default .): <device-id>.key, <device-id>.crt, ca.crt, model-signing.pub.pem.
# Checks before copying: the certificate's CN is the device id, it chains to ca.crt, and it matches the key.
set -eu
USAGE='enroll-device.sh <device-id> [target-dir (default /etc/fededge)]
       env: SOURCE_DIR=. BROKER_HOST=mqtt.local BROKER_PORT=8883 FLEET=home OWNER=fededge (if that user exists)
            AGENT_JSON=write (default: write a minimal agent.json) | keep (keep an existing one, e.g. a board
            profile from cloud-init, and only fill its @DEVICE_ID@ placeholder)'
. "$(dirname "$0")/pki-common.sh"

[ $# -ge 1 ] && [ $# -le 2 ] || usage_error "expected a device id and optionally a target folder"
id=$1
check_device_id "$id"
check_not_reserved_name "$id"
target=${2:-/etc/fededge}
src=${SOURCE_DIR:-.}
broker=${BROKER_HOST:-mqtt.local}
port=${BROKER_PORT:-8883}
fleet=${FLEET:-home}
agent_json=${AGENT_JSON:-write}
need_openssl
case $agent_json in write | keep) ;; *) usage_error "AGENT_JSON must be 'write' or 'keep', not '$agent_json'" ;; esac
case $port in '' | *[!0-9]*) usage_error "BROKER_PORT '$port' is not a number" ;; esac
case $broker in '' | *[!A-Za-z0-9.:-]*) usage_error "BROKER_HOST '$broker' is not a host name or address" ;; esac
case $fleet in '' | *[!A-Za-z0-9_-]*) usage_error "FLEET '$fleet' may contain only letters, digits, '_' and '-' (it is an MQTT topic level)" ;; esac

key=$src/$id.key
crt=$src/$id.crt
require_file "$key" "device key"
require_file "$crt" "device certificate"
require_file "$src/ca.crt" "fleet CA certificate"
require_file "$src/model-signing.pub.pem" "model-signing public key"

cn=$("$OPENSSL" x509 -in "$crt" -noout -subject -nameopt RFC2253 | sed -n 's/^subject=\(.*,\)\{0,1\}CN=\([^,]*\).*$/\2/p')
[ "$cn" = "$id" ] || die "$crt is issued to '$cn', not '$id'"
"$OPENSSL" verify -CAfile "$src/ca.crt" -purpose sslclient "$crt" >/dev/null 2>&1 \
    || die "$crt is not a client certificate signed by $src/ca.crt"
[ "$("$OPENSSL" x509 -in "$crt" -noout -pubkey)" = "$("$OPENSSL" pkey -in "$key" -pubout)" ] \
    || die "$key does not belong to $crt"
grep -q 'BEGIN PUBLIC KEY' "$src/model-signing.pub.pem" \
    || die "$src/model-signing.pub.pem is not a PEM public key (never copy the signing PRIVATE key to a device)"

owner=${OWNER:-}
if [ -z "$owner" ] && [ "$(id -u)" -eq 0 ] && id fededge >/dev/null 2>&1; then
    owner=fededge
fi

mkdir -p "$target"
chmod 0755 "$target"
target=$(cd "$target" && pwd)
# install(1) would be shorter, but busybox images lack -m on some builds; cp + chmod works everywhere.
(umask 077 && cp "$key" "$target/device.key.new") && chmod 0600 "$target/device.key.new"
cp "$crt" "$target/device.crt.new" && chmod 0644 "$target/device.crt.new"
cp "$src/ca.crt" "$target/ca.crt.new" && chmod 0644 "$target/ca.crt.new"
cp "$src/model-signing.pub.pem" "$target/model-signing.pub.pem.new" && chmod 0644 "$target/model-signing.pub.pem.new"
if [ "$agent_json" = keep ] && [ -f "$target/agent.json" ]; then
    sed "s/@DEVICE_ID@/$id/g" "$target/agent.json" > "$target/agent.json.new"
else
    cat > "$target/agent.json.new" <<JSON
{
  "Agent": {
    "DeviceId": "$id",
    "Fleet": "$fleet",
    "ModelSigningPublicKeyPath": "$target/model-signing.pub.pem",
    "Mqtt": {
      "Host": "$broker",
      "Port": $port,
      "ClientId": "$id",
      "UseTls": true,
      "CaCertificatePath": "$target/ca.crt",
      "ClientCertificatePath": "$target/device.crt",
      "ClientKeyPath": "$target/device.key"
    }
  }
}
JSON
fi
chmod 0644 "$target/agent.json.new"
if [ -n "$owner" ]; then
    chown "$owner" "$target/device.key.new"
fi
# Rename last, so an interrupted enrolment never leaves a key without its certificate.
for f in device.key device.crt ca.crt model-signing.pub.pem agent.json; do
    mv -f "$target/$f.new" "$target/$f"
done
echo "enrolled $id into $target${owner:+ (key owner $owner)}"
