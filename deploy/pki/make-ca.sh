#!/bin/sh
# Creates the fleet CA: ca.key (0600, keep it offline), ca.crt (10 years, EC P-256) and an empty certificate
# revocation list crl.pem (the broker's crlfile; revoke.sh adds to it).
set -eu
USAGE='make-ca.sh [ca-dir (default ./fleet-ca)] [common name (default "FedEdge fleet CA")]'
. "$(dirname "$0")/pki-common.sh"

[ $# -le 2 ] || usage_error "too many arguments"
dir=${1:-./fleet-ca}
name=${2:-FedEdge fleet CA}
need_openssl
[ ! -e "$dir/ca.key" ] || die "$dir/ca.key exists; refusing to replace a CA (every certificate it issued would stop working)"
mkdir -p "$dir"

new_key "$dir/ca.key"
"$OPENSSL" req -new -x509 -key "$dir/ca.key" -sha256 -days 3650 -set_serial "$(random_serial)" \
    -subj "/O=FedEdge/CN=$name" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$dir/ca.crt"
chmod 0644 "$dir/ca.crt"
write_crl "$dir"
echo "fleet CA: $dir/ca.crt (key $dir/ca.key: keep offline, back it up); revocation list $dir/crl.pem"
