# Shared by the deploy/pki scripts (sourced, not run). POSIX sh.
# Every key is ECDSA P-256 (the curve the broker, MQTTnet's TLS and the model signer all accept), PKCS#8 PEM.

OPENSSL=${OPENSSL:-openssl}

die() {
    printf '%s: %s\n' "${0##*/}" "$*" >&2
    exit 1
}

usage_error() {
    printf '%s: %s\n' "${0##*/}" "$1" >&2
    printf 'usage: %s\n' "$USAGE" >&2
    exit 2
}

need_openssl() {
    command -v "$OPENSSL" >/dev/null 2>&1 || die "openssl not found (set OPENSSL=/path/to/openssl)"
}

# A device id becomes the certificate CN, the MQTT username and a topic level, so it follows the wire rule
# (WireIdentifier: 1-64 of [A-Za-z0-9_-]). "aggregator" and "homeassistant" are identities of their own in
# deploy/mosquitto/acl (refused in any letter case, so no look-alike is issued), and a name with a dot looks like a
# host name (kitchen.local) and is no topic-level id FedEdge accepts.
check_device_id() {
    lower=$(printf '%s' "$1" | tr 'A-Z' 'a-z')
    case $lower in
        '' ) usage_error "device id is empty" ;;
        aggregator | homeassistant ) die "device id '$1' is reserved for the $lower certificate (deploy/mosquitto/acl)" ;;
        *.* ) die "device id '$1' contains a '.': it looks like a host name; a device id is letters, digits, '_' and '-' only" ;;
        -* ) die "device id '$1' must start with a letter or digit" ;;
        *[!a-z0-9_-]* ) die "device id '$1' may contain only letters, digits, '_' and '-'" ;;
    esac
    [ "${#1}" -le 64 ] || die "device id '$1' is longer than 64 characters"
}

# new_key <path>: a fresh P-256 key readable only by its owner.
new_key() {
    [ ! -e "$1" ] || die "$1 exists; refusing to overwrite a private key"
    (umask 077 && "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1") \
        || die "could not generate $1"
}

# require_file <path> <what>
require_file() {
    [ -f "$1" ] || die "$2 not found: $1"
}

# random_serial: a 128-bit positive serial, so two signers never collide.
random_serial() {
    printf '0x%s' "$("$OPENSSL" rand -hex 16 | sed 's/^./4/')"
}

# certificate_cn <certificate.crt>: the subject's CN.
certificate_cn() {
    "$OPENSSL" x509 -in "$1" -noout -subject -nameopt RFC2253 | sed -n 's/^subject=\(.*,\)\{0,1\}CN=\([^,]*\).*$/\2/p'
}

# check_not_reserved_name <id> [ca-dir]: a device id must not be a name a client could be told to reach the broker
# by, or a device certificate named like that would pass a client's host-name check. "localhost" is refused
# everywhere; the CA also refuses every name make-broker-cert.sh issued (recorded in <ca-dir>/reserved-names).
check_not_reserved_name() {
    [ "$(printf '%s' "$1" | tr 'A-Z' 'a-z')" != localhost ] \
        || die "device id '$1' is reserved: it is a host name (a device certificate must never look like the broker's)"
    if [ -n "${2:-}" ] && [ -f "$2/reserved-names" ] && grep -qixF -e "$1" "$2/reserved-names"; then
        die "device id '$1' is reserved: $2/reserved-names lists it as a name of the broker (make-broker-cert.sh)"
    fi
}

# record_issued <certificate.crt> <ca-dir> <role>: keeps a copy as <ca-dir>/issued/<role>/<serial>.crt, so that
# revoke.sh can find every certificate of an identity and make-broker-cert.sh every device id.
record_issued() {
    serial=$("$OPENSSL" x509 -in "$1" -noout -serial | sed 's/^serial=//')
    mkdir -p "$2/issued/$3"
    cp "$1" "$2/issued/$3/$serial.crt"
}

# ca_database <ca-dir>: the openssl ca database revoke.sh keeps (index.txt, crlnumber) and a configuration for it,
# created when missing (a CA made before revocation existed gets them on first use). Prints the configuration path.
ca_database() {
    ca_abs=$(cd "$1" && pwd)
    [ -f "$ca_abs/index.txt" ] || : > "$ca_abs/index.txt"
    [ -f "$ca_abs/crlnumber" ] || echo 01 > "$ca_abs/crlnumber"
    cat > "$ca_abs/openssl-ca.cnf" <<CNF
# Written by deploy/pki (ca_database in pki-common.sh) for revoke.sh; regenerated on every use.
[ ca ]
default_ca = fleet
[ fleet ]
database = $ca_abs/index.txt
crlnumber = $ca_abs/crlnumber
certificate = $ca_abs/ca.crt
private_key = $ca_abs/ca.key
default_md = sha256
default_crl_days = ${CRL_DAYS:-1825}
unique_subject = no
crl_extensions = crl_extensions
[ crl_extensions ]
authorityKeyIdentifier = keyid:always
CNF
    printf '%s\n' "$ca_abs/openssl-ca.cnf"
}

# write_crl <ca-dir>: signs <ca-dir>/crl.pem anew from the database (every certificate revoke.sh recorded), valid for
# CRL_DAYS (default 1825) days. mosquitto refuses EVERY client once its CRL has passed its next update, so re-run
# `revoke.sh --refresh` well before that date.
write_crl() {
    config=$(ca_database "$1")
    "$OPENSSL" ca -config "$config" -gencrl -out "$1/crl.pem.new" 2>/dev/null \
        || die "could not sign a CRL with $1/ca.key"
    chmod 0644 "$1/crl.pem.new"
    mv -f "$1/crl.pem.new" "$1/crl.pem"
}

# issue_service_client_cert <identity> <out-dir> <ca-dir> <days>: a fresh key and a clientAuth-only certificate with
# CN=<identity> for one of the reserved service identities (aggregator, homeassistant), recorded for revoke.sh, with
# ca.crt beside it. The key is made where the script runs and never leaves that folder.
issue_service_client_cert() {
    _id=$1 _out=$2 _ca=$3 _days=$4
    require_file "$_ca/ca.key" "CA key"
    require_file "$_ca/ca.crt" "CA certificate"
    mkdir -p "$_out"
    new_key "$_out/$_id.key"
    _ext=$(mktemp)
    # shellcheck disable=SC2064 # expand now: the names are fixed for this call
    trap "rm -f '$_ext' '$_out/$_id.csr'" EXIT
    write_client_extensions "$_ext"
    "$OPENSSL" req -new -key "$_out/$_id.key" -subj "/O=FedEdge/CN=$_id" -out "$_out/$_id.csr"
    "$OPENSSL" x509 -req -in "$_out/$_id.csr" -CA "$_ca/ca.crt" -CAkey "$_ca/ca.key" -set_serial "$(random_serial)" \
        -sha256 -days "$_days" -extfile "$_ext" -out "$_out/$_id.crt"
    record_issued "$_out/$_id.crt" "$_ca" "$_id"
    cp "$_ca/ca.crt" "$_out/ca.crt"
    chmod 0644 "$_out/$_id.crt" "$_out/ca.crt"
}

# write_client_extensions <file>: the X.509 extensions of every client certificate (devices, aggregator, Home Assistant):
# not a CA, signatures only, TLS client authentication only — never serverAuth, so no client passes as the broker.
write_client_extensions() {
    cat > "$1" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT
}
