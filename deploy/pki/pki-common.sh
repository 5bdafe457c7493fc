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

# A device id becomes the certificate CN, the MQTT username and a topic level, so it must be a single safe
# topic segment; "aggregator" is reserved by deploy/mosquitto/acl.
check_device_id() {
    case $1 in
        '' ) usage_error "device id is empty" ;;
        aggregator ) die "device id 'aggregator' is reserved for the aggregator's certificate" ;;
        -* | .* ) die "device id '$1' must start with a letter or digit" ;;
        *[!A-Za-z0-9._-]* ) die "device id '$1' may contain only letters, digits, '.', '_' and '-'" ;;
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
