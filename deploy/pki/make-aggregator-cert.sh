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
issue_service_client_cert aggregator "$out" "$ca" "$days"
echo "aggregator certificate: $out/aggregator.crt (CN=aggregator)"
