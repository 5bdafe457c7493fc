#!/bin/sh
# Creates the aggregator's model-signing key (ECDSA P-256): model-signing.key (PKCS#8, 0600, stays on the
# aggregator: AggregatorServiceOptions.SigningKeyPath) and model-signing.pub.pem (SubjectPublicKeyInfo,
# the key every device pins; enroll-device.sh copies it).
set -eu
USAGE='make-signing-key.sh [out-dir (default ./signing)]'
. "$(dirname "$0")/pki-common.sh"

[ $# -le 1 ] || usage_error "too many arguments"
out=${1:-./signing}
need_openssl
mkdir -p "$out"
new_key "$out/model-signing.key"
"$OPENSSL" pkey -in "$out/model-signing.key" -pubout -out "$out/model-signing.pub.pem"
chmod 0644 "$out/model-signing.pub.pem"
echo "model-signing key: $out/model-signing.key; public key to pin on devices: $out/model-signing.pub.pem"
