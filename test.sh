#!/usr/bin/env bash
# Runs every FedEdge test. Installs the Debian packages the tests need when they are missing
# (apt-get update once, then only what is absent, so a second run starts at once),
# then runs `dotnet test` over the solution and ends with "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")"

missing=()
have_cmd() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
have_py() { [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import $1" >/dev/null 2>&1; }
have_cmd mosquitto || missing+=(mosquitto)
have_cmd mosquitto_pub || missing+=(mosquitto-clients)
have_py onnx || missing+=(python3-onnx)
have_py numpy || missing+=(python3-numpy)
have_cmd qemu-aarch64-static || missing+=(qemu-user-static)
have_cmd systemd-analyze || missing+=(systemd)   # verifies the unit files in deploy/systemd
have_cmd openssl || missing+=(openssl)           # the PKI scripts in deploy/pki
have_cmd lintian || missing+=(lintian)           # Debian policy checks of the .deb (deploy/package/make-deb.sh)

if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing missing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
  fi
  if [ "$SUDO" = "none" ]; then
    echo "test.sh: not root and no passwordless sudo; tests that need ${missing[*]} will fail" >&2
  else
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >/dev/null || echo "test.sh: apt-get update failed" >&2
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || echo "test.sh: apt-get install ${missing[*]} failed" >&2
  fi
fi

# arm64: tests/FedEdge.IntegrationTests/Arm64 runs the linux-arm64 agent under qemu-aarch64-static
# (deploy/package/run-arm64.sh), which loads the arm64 C/C++ runtime from Debian multiarch (/lib/aarch64-linux-gnu).
# No libicu: the projects set InvariantGlobalization. Only when a library is missing (dpkg-query is quick).
arm64_missing=()
for pkg in libc6:arm64 libstdc++6:arm64 zlib1g:arm64 libssl3:arm64; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || arm64_missing+=("$pkg")
done
if [ ${#arm64_missing[@]} -gt 0 ]; then
  echo "test.sh: installing arm64 multiarch libraries for qemu: ${arm64_missing[*]}"
  ARM64_SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then ARM64_SUDO="sudo -n"; else ARM64_SUDO="none"; fi
  fi
  if [ "$ARM64_SUDO" = "none" ]; then
    echo "test.sh: not root and no passwordless sudo; the arm64 tests will fail without ${arm64_missing[*]}" >&2
  else
    export DEBIAN_FRONTEND=noninteractive
    dpkg --print-foreign-architectures | grep -qx arm64 || $ARM64_SUDO dpkg --add-architecture arm64
    $ARM64_SUDO apt-get update -qq >/dev/null || echo "test.sh: apt-get update (arm64) failed" >&2
    $ARM64_SUDO apt-get install -y -qq --no-install-recommends "${arm64_missing[@]}" >/dev/null \
      || echo "test.sh: apt-get install ${arm64_missing[*]} failed" >&2
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
dotnet test --solution FedEdge.sln -c Release "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

count() { grep -E "^[[:space:]]+$1: [0-9]+" "$log" | tail -1 | grep -oE '[0-9]+' || echo 0; }
total=$(count total); failed=$(count failed); passed=$(count succeeded); skipped=$(count skipped)
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # the build failed or a test host crashed: count the whole run as one failure
  failed=1
fi
line="$passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then line="$line, $skipped skipped"; fi
echo "$line"
exit "$rc"
