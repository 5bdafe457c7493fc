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
