# Sourced by make-tarball.sh and make-deb.sh: argument checks, the package version and the staging of the publish.
# shellcheck shell=bash
repo=$(cd "$(dirname "$0")/../.." && pwd)
die() { echo "$(basename "$0"): $*" >&2; exit 1; }
[ $# -ge 2 ] || { echo "usage: $0 <publish-dir> <output-dir> [version]" >&2; exit 64; }
publish=$(cd "$1" 2>/dev/null && pwd) || die "publish folder $1 not found"
mkdir -p "$2"
outdir=$(cd "$2" && pwd)
[ -x "$publish/fededge-agent" ] || die "$publish has no executable fededge-agent (deploy/package/publish-arm64.sh)"
# The release version is the newest entry of deploy/package/debian/changelog. A build of any other commit is a
# snapshot, "<release>+git<commits>.g<commit>": it sorts after the release, and a later commit of the same branch
# sorts after an earlier one (the commit count grows; the hash alone would sort at random).
release=$(sed -n '1s/^fededge-agent (\([^)]*\)).*/\1/p' "$repo/deploy/package/debian/changelog")
[ -n "$release" ] || die "deploy/package/debian/changelog does not start with a fededge-agent entry"
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || true)
if [ $# -ge 3 ]; then
    version=$3
elif [ -n "$commit" ]; then
    version="$release+git$(git -C "$repo" rev-list --count HEAD).g$commit"
else
    version=$release
fi
printf '%s' "$version" | grep -Eq '^[0-9][A-Za-z0-9.+~]*$' || die "version '$version' is not a native Debian version"
# Reproducible timestamps: the commit time when there is one.
: "${SOURCE_DATE_EPOCH:=$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}"
export SOURCE_DATE_EPOCH

# Copies the publish and deploy/pki into <dir> with the modes both packages ship: directories 0755, files 0644,
# executables (the apphost, createdump, the pki scripts) 0755. Shared libraries are mapped, not executed: 0644, as
# Debian installs them (the publish marks them 0744).
stage_publish() {
    mkdir -p "$1/pki"
    cp -a "$publish/." "$1/"
    cp -a "$repo/deploy/pki/." "$1/pki/"
    chmod -R u=rwX,go=rX "$1"
    find "$1" -type f -name '*.so' -exec chmod 0644 {} +
}
