#!/bin/sh
# Revokes certificates of the fleet CA and signs a new certificate revocation list, $CA_DIR/crl.pem (run on the CA
# machine). The broker reads the list at start (deploy/mosquitto: crlfile): install it as @CERT_DIR@/crl.pem and
# RESTART mosquitto. Do not reload it with SIGHUP: mosquitto 2.0.11 then loses messages sent to an offline persistent
# session, the aggregator's included (deploy/mosquitto/README.md, "Revocation").
#   revoke.sh <identity>        every certificate issued to that CN and recorded in $CA_DIR/issued/ (by
#                               sign-device-csr.sh, make-device-cert.sh, make-aggregator-cert.sh, make-broker-cert.sh,
#                               make-homeassistant-cert.sh)
#   revoke.sh --cert <file.crt> one certificate, e.g. one issued before certificates were recorded, or the old one
#                               after a renewal
#   revoke.sh --refresh         revokes nothing; signs the list again with a new next-update date (mosquitto refuses
#                               every client once the list's next update has passed: refresh it well before)
set -eu
USAGE='revoke.sh <identity> | --cert <certificate.crt> | --refresh   (env: CA_DIR=./fleet-ca CRL_DAYS=1825)'
. "$(dirname "$0")/pki-common.sh"

ca=${CA_DIR:-./fleet-ca}
need_openssl
[ $# -ge 1 ] || usage_error "expected an identity, --cert <file> or --refresh"
require_file "$ca/ca.key" "CA key"
require_file "$ca/ca.crt" "CA certificate"
config=$(ca_database "$ca")

# revoke_one <certificate.crt>: adds it to the database as revoked, unless it is already.
revoke_one() {
    serial=$("$OPENSSL" x509 -in "$1" -noout -serial | sed 's/^serial=//')
    if grep -q "^R	[^	]*	[^	]*	$serial	" "$ca/index.txt"; then
        echo "already revoked: $serial ($(certificate_cn "$1"))"
        return
    fi
    "$OPENSSL" ca -config "$config" -revoke "$1" >/dev/null 2>&1 || die "could not revoke $1"
    echo "revoked: $serial ($(certificate_cn "$1"))"
}

case $1 in
    --refresh )
        [ $# -eq 1 ] || usage_error "--refresh takes no argument"
        ;;
    --cert )
        [ $# -eq 2 ] || usage_error "--cert needs exactly one certificate file"
        require_file "$2" "certificate"
        "$OPENSSL" verify -CAfile "$ca/ca.crt" -no_check_time "$2" >/dev/null 2>&1 \
            || die "$2 was not issued by $ca/ca.crt"
        revoke_one "$2"
        ;;
    -* )
        usage_error "unknown option '$1'"
        ;;
    * )
        [ $# -eq 1 ] || usage_error "expected one identity"
        found=0
        for issued in "$ca"/issued/*/*.crt; do
            [ -f "$issued" ] || continue
            if [ "$(certificate_cn "$issued")" = "$1" ]; then
                revoke_one "$issued"
                found=$((found + 1))
            fi
        done
        [ "$found" -gt 0 ] || die "no certificate issued to '$1' is recorded in $ca/issued/ (issued before revoke.sh existed? revoke it with --cert <file>)"
        ;;
esac

write_crl "$ca"
revoked=$(grep -c '^R' "$ca/index.txt" || true)
next=$("$OPENSSL" crl -in "$ca/crl.pem" -noout -nextupdate | sed 's/^nextUpdate=//')
echo "CRL: $ca/crl.pem ($revoked revoked, valid until $next)."
echo "Install it on the broker as @CERT_DIR@/crl.pem and restart mosquitto (systemctl restart mosquitto), not reload."
