#!/usr/bin/env bash
# Builds the Debian package of a linux-arm64 publish of the agent:
#   deploy/package/make-deb.sh <publish-dir> <output-dir> [version]
#   -> <output-dir>/fededge-agent_<version>_arm64.deb
# Layout (deploy/package/README.md):
#   /usr/lib/fededge/                              the publish (fededge-agent, appsettings.json, native libs) and pki/
#   /usr/lib/systemd/system/fededge-agent.service  deploy/systemd/fededge-agent.service
#   /usr/lib/sysusers.d/fededge-agent.conf         deploy/systemd/sysusers.d/fededge-agent.conf (the user fededge)
#   /usr/share/doc/fededge-agent/                  copyright, changelog.gz, third-party notices, README.pki.md
#   /usr/share/lintian/overrides/fededge-agent
# Control file, maintainer scripts, copyright, changelog and lintian overrides are deploy/package/debian/*.
# Reproducible: owner root:root, every mtime SOURCE_DATE_EPOCH, gzip -n. DEB_COMPRESSION (default xz) and
# DEB_COMPRESSION_LEVEL (default: dpkg-deb's) are passed to dpkg-deb -Z and -z; the tests use none, or xz level 1
# before lintian (which rejects an uncompressed package but does not look at the level).
set -euo pipefail
. "$(dirname "$0")/package-common.sh"
debian=$repo/deploy/package/debian
maintainer=$(sed -n 's/^Maintainer: //p' "$debian/control")

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
lib=$root/usr/lib/fededge
doc=$root/usr/share/doc/fededge-agent
stage_publish "$lib"
mkdir -p "$root/usr/lib/systemd/system" "$root/usr/lib/sysusers.d" "$doc" "$root/usr/share/lintian/overrides" "$root/DEBIAN"
# Documentation belongs under /usr/share/doc (Debian policy 12.3).
mv "$lib/pki/README.md" "$doc/README.pki.md"
install -m 0644 "$repo/deploy/systemd/fededge-agent.service" "$root/usr/lib/systemd/system/"
install -m 0644 "$repo/deploy/systemd/sysusers.d/fededge-agent.conf" "$root/usr/lib/sysusers.d/"
install -m 0644 "$debian/copyright" "$doc/copyright"
install -m 0644 "$debian/lintian-overrides" "$root/usr/share/lintian/overrides/fededge-agent"

# The third-party notices copyright points to, from the NuGet packages the publish was built from (versions from
# its deps.json). A publish without deps.json (the tests' stand-in) has none to carry.
deps=$publish/fededge-agent.deps.json
nuget=${NUGET_PACKAGES:-$HOME/.nuget/packages}
notice() { # <library name in deps.json> <NuGet package id> <file in the package> <name under /usr/share/doc>
    local version
    version=$(grep -o "\"$1/[^\"]*\"" "$deps" | head -1 | sed 's|^"[^/]*/||; s|"$||') || true
    [ -n "$version" ] || die "$deps does not list $1"
    local source="$nuget/${2,,}/$version/$3"
    [ -f "$source" ] || die "$source not found (restore the publish first, or set NUGET_PACKAGES)"
    gzip -9n < "$source" > "$doc/$4.gz"
}
if [ -f "$deps" ]; then
    notice runtimepack.Microsoft.NETCore.App.Runtime.linux-arm64 Microsoft.NETCore.App.Runtime.linux-arm64 \
        THIRD-PARTY-NOTICES.TXT dotnet-runtime.THIRD-PARTY-NOTICES
    notice Microsoft.ML.OnnxRuntime Microsoft.ML.OnnxRuntime ThirdPartyNotices.txt onnxruntime.ThirdPartyNotices
fi

# changelog.gz (a native package: FedEdge is its own upstream, so no changelog.Debian.gz). A build whose version is
# not the newest entry's gets a snapshot entry on top, dated SOURCE_DATE_EPOCH.
{
    if [ "$version" != "$release" ]; then
        printf 'fededge-agent (%s) UNRELEASED; urgency=medium\n\n' "$version"
        printf '  * Snapshot build%s, not a release.\n\n' "${commit:+ of commit $commit}"
        printf ' -- %s  %s\n\n' "$maintainer" "$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
    fi
    cat "$debian/changelog"
} | gzip -9n > "$doc/changelog.gz"
chmod 0644 "$doc"/*

for script in postinst prerm postrm; do
    install -m 0755 "$debian/$script" "$root/DEBIAN/$script"
done
installed_kib=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$installed_kib/" "$debian/control" > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
find "$root" -type d -exec chmod 0755 {} +
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

deb="$outdir/fededge-agent_${version}_arm64.deb"
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" ${DEB_COMPRESSION_LEVEL:+-z"$DEB_COMPRESSION_LEVEL"} --build "$root" "$deb" >/dev/null
echo "make-deb: $deb ($(du -h "$deb" | cut -f1))"
