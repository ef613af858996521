#!/bin/sh
# deps.sh - install the Debian packages the build and tests need (idempotent; quiet when all are present).
set -e
PKGS="gcc make binutils qemu-system-x86 qemu-system-data newlib-source libcunit1-dev \
bochs bochsbios vgabios grub-pc-bin grub-common xorriso mtools xz-utils \
iproute2 iputils-ping curl wrk procps nftables \
gnuplot-nox clang libclang-rt-14-dev \
libsodium-dev libmicrohttpd-dev libjansson-dev libsqlite3-dev libcurl4-openssl-dev python3 \
gdb libpcap-dev tshark"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# tshark pulls in wireshark-common, which asks whether non-root users may capture: no (we only read files)
echo 'wireshark-common wireshark-common/install-setuid boolean false' | $SUDO debconf-set-selections
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "deps: done"
