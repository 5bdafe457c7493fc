#!/usr/bin/env bash
# Runs a linux-arm64 publish of the agent on an x86-64 Debian host under qemu user-mode emulation:
#   deploy/package/run-arm64.sh <publish-dir> [fededge-agent arguments...]
# e.g. deploy/package/run-arm64.sh out/agent --self-test --simulated-sensors
#
# Needs qemu-user-static and the arm64 C/C++ runtime from Debian multiarch (test.sh installs them):
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install qemu-user-static libc6:arm64 libstdc++6:arm64 zlib1g:arm64 libssl3:arm64
# The agent's apphost then finds /lib/ld-linux-aarch64.so.1 and /lib/aarch64-linux-gnu on the host itself.
#
# Why a fake /proc/cpuinfo: ONNX Runtime initialises pytorch/cpuinfo, which on Linux/arm64 parses
# /proc/cpuinfo for ARM "processor"/"CPU part" records. qemu 7.2 (Debian 12) passes the host's x86
# /proc/cpuinfo through, cpuinfo finds no ARM processor and dereferences NULL while reading the cache
# topology (SIGSEGV at the first InferenceSession). qemu's -L prefix is searched first for every absolute
# path the guest opens, so a prefix holding only proc/cpuinfo (Cortex-A72 records, one per possible CPU)
# replaces that one file and leaves every other path to the host. -cpu cortex-a72 makes the emulated CPU
# (and the HWCAP bits cpuinfo reads from the aux vector) agree with it: the Pi 4's core.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 <publish-dir> [fededge-agent arguments...]" >&2; exit 64; }
dir=$1
shift
die() { echo "run-arm64: $*" >&2; exit 127; }
qemu=$(command -v qemu-aarch64-static || true)
[ -n "$qemu" ] || die "qemu-aarch64-static not found (apt-get install qemu-user-static)"
[ -x "$dir/fededge-agent" ] || die "$dir/fededge-agent not found (deploy/package/publish-arm64.sh $dir)"
[ -e /lib/ld-linux-aarch64.so.1 ] || die "/lib/ld-linux-aarch64.so.1 missing (dpkg --add-architecture arm64; apt-get install libc6:arm64)"
for lib in libstdc++.so.6 libz.so.1 libssl.so.3; do
    [ -e "/usr/lib/aarch64-linux-gnu/$lib" ] || [ -e "/lib/aarch64-linux-gnu/$lib" ] \
        || die "arm64 $lib missing (apt-get install libstdc++6:arm64 zlib1g:arm64 libssl3:arm64)"
done

prefix=$(mktemp -d "${TMPDIR:-/tmp}/fededge-qemu-prefix.XXXXXX")
trap 'rm -rf "$prefix"' EXIT
mkdir "$prefix/proc"
# /sys/devices/system/cpu/possible is a list of ranges such as "0-3" or "0,2-5".
cpus=$(tr ',' '\n' < /sys/devices/system/cpu/possible | while IFS=- read -r first last; do seq "$first" "${last:-$first}"; done)
for cpu in $cpus; do
    printf 'processor\t: %s\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\nCPU revision\t: 3\n\n' "$cpu"
done > "$prefix/proc/cpuinfo"

"$qemu" -cpu cortex-a72 -L "$prefix" "$dir/fededge-agent" "$@"
