#!/usr/bin/env bash
# Publishes the device agent for linux-arm64: self-contained (no .NET on the Pi) and trimmed (~57 MB, not 120 MB).
#   deploy/package/publish-arm64.sh <output-dir> [extra dotnet publish arguments...]
# e.g. deploy/package/publish-arm64.sh out/agent
#      deploy/package/publish-arm64.sh out/agent --artifacts-path /tmp/arm64-build   (keeps bin/obj of the
#      checkout untouched, as the arm64 integration test does while other test projects run from them)
#      deploy/package/publish-arm64.sh out/agent -p:PublishTrimmed=false              (the untrimmed folder)
#
# Trimming is safe because the agent binds its options with the configuration-binding source generator and
# validates them with [OptionsValidator] code (no reflection), and the trimmer's analysis is clean: any new
# trim warning stops the publish (TreatWarningsAsErrors). UnitsNet and System.Device.Gpio are kept whole
# (src/FedEdge.Agent/FedEdge.Agent.csproj). deploy/package/README.md has the measured sizes.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 <output-dir> [dotnet publish arguments...]" >&2; exit 64; }
out=$1
shift
repo=$(cd "$(dirname "$0")/../.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# --disable-build-servers: no MSBuild node or compiler server outlives the publish (a caller that waits for
# end-of-output on our stdout would otherwise wait for them too).
dotnet publish "$repo/src/FedEdge.Agent/FedEdge.Agent.csproj" -c Release -r linux-arm64 --self-contained \
    -p:PublishTrimmed=true --disable-build-servers -o "$out" "$@"
# Debug symbols and XML docs are not needed on the device (about 1 MB).
find "$out" -maxdepth 1 \( -name '*.pdb' -o -name 'FedEdge.*.xml' -o -name 'fededge-agent.xml' \) -delete
echo "publish-arm64: $(du -sh "$out" | cut -f1) in $out"
