#!/bin/bash
# Builds the smcdump lab's "6.12-lo" kernel (issue 15 item 1): Debian's
# linux-source-6.12 with CONFIG_SMC_LO=y (loopback-ism, the software ISM
# device of Linux 6.9+ that gives SMC-D between namespaces of one host).
# Debian's kernels are built without it.
#
#   sudo testdata/lab/build-kernel-lo.sh        # result: work/x/<release>/boot/vmlinuz-<release>
#
# Deviation from "Debian's config + CONFIG_SMC_LO": Debian's full config
# builds thousands of modules (hours on 2 cores). This starts from
# `make defconfig` + `make kvm_guest.config` and turns on, built in (=y, no
# modules, so the lab's initramfs needs none), what the lab uses: SMC,
# SMC_DIAG, SMC_LO, INFINIBAND + RDMA_RXE (soft-RoCE), veth, network
# namespaces, nf_tables (inet family, exthdr), virtio net/blk. Debug info and
# module signing are off. Everything else is defconfig.
#
# Cached under work/ (git-ignored); rebuilt only when missing.
set -euo pipefail
LAB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$LAB/work
SRC_TAR=/usr/src/linux-source-6.12.tar.xz
say() { echo "[lab-kernel $(date -u +%H:%M:%S)] $*"; }
[ "$(id -u)" = 0 ] || { echo "run as root (apt-get)" >&2; exit 1; }

need=()
[ -f "$SRC_TAR" ] || need+=(linux-source-6.12)
for c in gcc make bc flex bison; do command -v $c >/dev/null || need+=($c); done
dpkg -s libelf-dev >/dev/null 2>&1 || need+=(libelf-dev)
dpkg -s libssl-dev >/dev/null 2>&1 || need+=(libssl-dev)
if [ ${#need[@]} -gt 0 ]; then
  say "apt-get install ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=600 -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

SRC=$WORK/src/linux-source-6.12
if [ ! -f "$SRC/Makefile" ]; then
  say "extracting $SRC_TAR"
  mkdir -p "$WORK/src"
  tar -xf "$SRC_TAR" -C "$WORK/src"
fi
cd "$SRC"
if [ ! -f .config ] || [ "${SMCLAB_RECONFIG:-}" = 1 ]; then
  say "configuring (defconfig + kvm_guest.config + lab options)"
  make -s defconfig
  make -s kvm_guest.config
  scripts/config \
    -e NET_NS -e VETH -e NETFILTER -e NF_TABLES -e NF_TABLES_INET -e NFT_EXTHDR \
    -e INFINIBAND -e INFINIBAND_USER_ACCESS -e RDMA_RXE \
    -e SMC -e SMC_DIAG -e SMC_LO \
    -e VIRTIO_NET -e VIRTIO_BLK -e VIRTIO_PCI -e BLK_DEV_INITRD -e DEVTMPFS \
    -e TMPFS -e IPV6 -e UNIX -e PACKET -e INET_DIAG \
    -d DEBUG_INFO -d DEBUG_INFO_DWARF5 -d DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT -e DEBUG_INFO_NONE \
    -d MODULE_SIG -d SYSTEM_TRUSTED_KEYRING \
    --set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
    --set-str LOCALVERSION "-smclab-lo"
  make -s olddefconfig
  for o in SMC SMC_DIAG SMC_LO RDMA_RXE VETH NF_TABLES; do
    grep -q "^CONFIG_$o=y" .config || { echo "CONFIG_$o is not =y after olddefconfig" >&2; exit 1; }
  done
fi
# kernel.release is only current after a build: build (a no-op when up to
# date), then name the result by it
say "building bzImage (nice -n 19, -j$(nproc); a no-op when up to date)"
T0=$SECONDS
nice -n 19 make -s -j"$(nproc)" bzImage
REL=$(make -s kernelrelease)
OUT=$WORK/x/$REL
mkdir -p "$OUT/boot" "$OUT/lib/modules/$REL/kernel"
cp arch/x86/boot/bzImage "$OUT/boot/vmlinuz-$REL"
cp .config "$OUT/boot/config-$REL"
echo "$REL" > "$WORK/kernel-6.12-lo.release"
say "kernel $REL ready after $((SECONDS - T0)) s: $OUT/boot/vmlinuz-$REL"
