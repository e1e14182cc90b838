#!/bin/sh
# Installs the build dependencies with apt-get (python3 writes the man pages, debhelper
# builds the packages of `make deb`); with --test also what the test suites drive
# (Kamailio, sipp, pytest, lintian and systemd-analyze for the packages, the mosquitto
# MQTT broker and clients, MariaDB's server for play media's database, libsrtp2 as an
# independent SRTP peer for the interop tests,
# headless chromium and
# python3-pylibsrtp for the WebRTC end-to-end tests, and Debian's
# rtpengine daemon and tools as the differential-test oracle, which the product itself
# never uses). Idempotent: packages already present are not
# touched, so a warm machine pays only a dpkg query. `make deb` also needs dh-dkms and
# libxtables-dev (the DKMS and iptables plugin packages); the packaging test runs dkms
# and shellcheck. ffmpeg (libavcodec, libavformat for play media's files, libswresample), bcg729, libopus, spandsp and the AMR
# encoders (opencore-amrnb, vo-amrwbenc) are the codec layer's (lib/codec); libtiff writes and reads the fax
# pages of the T.38 gateway test (t38-fax-tests, built with the rest).
set -eu

PACKAGES="
build-essential cmake ninja-build pkg-config ccache
clang libclang-rt-14-dev
libglib2.0-dev libsystemd-dev nlohmann-json3-dev
libwebsockets-dev libssl-dev
libiptc-dev
libcurl4-openssl-dev libxmlrpc-core-c3-dev
libmosquitto-dev
zlib1g-dev
libavcodec-dev libavformat-dev libavutil-dev libswresample-dev libbcg729-dev libopus-dev libspandsp-dev libtiff-dev
libopencore-amrnb-dev libvo-amrwbenc-dev
libmariadb-dev
googletest libgtest-dev libgmock-dev
netcat-openbsd
python3
debhelper dpkg-dev dh-dkms libxtables-dev
"
# The kernel module, the iptables plugin and t/kernel: Debian 12's kernel headers (the
# ABI t/kernel boots), libxtables, iptables (legacy and nft), and qemu with a busybox
# initramfs for the guest, and python3-cryptography for its SRTP known answers. `--kernel`
# installs only these (plus the build deps above).
KERNEL_PACKAGES="
linux-headers-amd64 libxtables-dev iptables
qemu-system-x86 busybox-static cpio kmod python3-cryptography
"
if [ "${1:-}" = "--kernel" ]; then
    PACKAGES="$PACKAGES $KERNEL_PACKAGES"
fi
if [ "${1:-}" = "--test" ]; then
    PACKAGES="$PACKAGES $KERNEL_PACKAGES"
    PACKAGES="$PACKAGES
python3 python3-pytest iproute2 procps
kamailio kamailio-extra-modules sip-tester
rtpengine-daemon rtpengine-utils
lintian systemd man-db dkms shellcheck
prometheus openssl
mosquitto mosquitto-clients
mariadb-server
python3-aioice python3-pylibsrtp python3-numpy
libsrtp2-dev
chromium
"
fi

missing=""
for pkg in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done

[ -z "$missing" ] && exit 0

echo "installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
