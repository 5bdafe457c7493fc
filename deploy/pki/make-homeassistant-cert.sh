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
issue_service_client_cert homeassistant "$out" "$ca" "$days"
echo "Home Assistant certificate: $out/homeassistant.crt (CN=homeassistant); key $out/homeassistant.key, CA $out/ca.crt"
