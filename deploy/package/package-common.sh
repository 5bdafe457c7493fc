# Sourced by make-tarball.sh and make-deb.sh: argument checks and the package version.
# shellcheck shell=bash
repo=$(cd "$(dirname "$0")/../.." && pwd)
die() { echo "$(basename "$0"): $*" >&2; exit 1; }
[ $# -ge 2 ] || { echo "usage: $0 <publish-dir> <output-dir> [version]" >&2; exit 64; }
publish=$(cd "$1" 2>/dev/null && pwd) || die "publish folder $1 not found"
mkdir -p "$2"
outdir=$(cd "$2" && pwd)
[ -x "$publish/fededge-agent" ] || die "$publish has no executable fededge-agent (deploy/package/publish-arm64.sh)"
# A Debian version must start with a digit; "+g<commit>" sorts after the plain release.
if [ $# -ge 3 ]; then
    version=$3
elif commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null); then
    version="0.1.0+g$commit"
else
    version="0.1.0"
fi
printf '%s' "$version" | grep -Eq '^[0-9][A-Za-z0-9.+~-]*$' || die "version '$version' is not a Debian version"
# Reproducible timestamps: the commit time when there is one.
: "${SOURCE_DATE_EPOCH:=$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}"
export SOURCE_DATE_EPOCH
