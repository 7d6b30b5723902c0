#!/bin/bash
# smcdump real-SMC kernel lab (issue #6): ONE command that installs its Debian
# packages, fetches Debian kernels 6.1 (bookworm) and 6.12 (bookworm-backports),
# builds the static Go helpers and a busybox initramfs, boots qemu VMs (KVM or TCG)
# and records one trace + kernel snapshots per scenario into
# testdata/lab/out/<kernel>/, then writes out/<kernel>/manifest.json.
#
#   sudo testdata/lab/run.sh [--kernel 6.1|6.12|6.12-lo|all] [--scenario NAME[,NAME]] [--g-count N]
#                            [--capture smcdump|tcpdump] [--out DIR] [--accel auto|kvm|tcg]
#
# --capture: the tool recording the trace inside the guest; smcdump (default,
# <scenario>.pcapng with embedded kernel-counter snapshots) or tcpdump
# (<scenario>.pcap, for comparison). --out: results go to DIR/<kernel>/
# (default testdata/lab/out). --accel: qemu accelerator; auto (default) uses
# KVM (-accel kvm -cpu host) when /dev/kvm is usable and TCG (-accel tcg
# -cpu max) otherwise; SMCLAB_ACCEL sets the default. With --accel kvm the
# script exits with status 3 when KVM is not usable for the lab kernel.
# --kernel 6.12-lo: Debian's linux-source-6.12 built with CONFIG_SMC_LO=y by
# build-kernel-lo.sh (cached in work/); "all" means 6.1 and 6.12.
#
# Networking: single-VM scenarios have no NIC at all (two netns + veth inside
# the guest); two-VM scenarios use only "-netdev socket" on 127.0.0.1.
set -euo pipefail

LAB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LAB/../.." && pwd)
WORK=$LAB/work
OUTROOT=$LAB/out
CAPTURE=smcdump
KERNELS=all
SCENARIOS=all
G_N=200
VM_MEM=512
BOOT_TIMEOUT=${SMCLAB_VM_TIMEOUT:-420}
ACCEL=${SMCLAB_ACCEL:-auto}

LO_SCENARIOS="m-smcd-lo n-smcd-and-smcr o-lo-hidden-smcr-client p-lo-hidden-no-device q-2vm-smcd-smcr r-2vm-smcd-client-smcr-server s-2vm-smcr-client-smcd-server t-lo-pnet-table-match" # 6.12-lo only (loopback-ism)
ALL_SCENARIOS="a-peer-no-smc b-no-device d-roce-blocked c-smcr-link e-ueid-mismatch e-ueid-missing-server e-ueid-missing-client e-pnet-missing-server e-pnet-missing-client f-ipv6 g-many h-listen-pressure i-mbox-strip-syn i-mbox-strip-synack j-syncookies k-limit-hs-sysctl l-ipproto-smc"

usage() { sed -n 2,22p "$0"; echo "scenarios: $ALL_SCENARIOS (c-smcr-link is recorded as c-smcr-stall on 6.1); 6.12-lo: $LO_SCENARIOS"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) KERNELS=$2; shift 2 ;;
    --scenario) SCENARIOS=$2; shift 2 ;;
    --g-count) G_N=$2; G_N_SET=1; shift 2 ;;
    --capture) CAPTURE=$2; shift 2 ;;
    --out) OUTROOT=$2; shift 2 ;;
    --accel) ACCEL=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
[ "$KERNELS" = all ] && KERNELS="6.1 6.12"
case "$CAPTURE" in smcdump|tcpdump) ;; *) echo "--capture must be smcdump or tcpdump" >&2; exit 2 ;; esac
case "$ACCEL" in auto|kvm|tcg) ;; *) echo "--accel must be auto, kvm or tcg" >&2; exit 2 ;; esac
mkdir -p "$OUTROOT" && OUTROOT=$(cd "$OUTROOT" && pwd)
SCENARIOS=${SCENARIOS//,/ }

say() { echo "[lab $(date -u +%H:%M:%S)] $*"; }
die() { echo "[lab] ERROR: $*" >&2; exit 1; }

QEMU_PIDS=()
cleanup() {
  for p in "${QEMU_PIDS[@]:-}"; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "run as root (apt-get, qemu)"

# ---------------------------------------------------------------- packages
install_packages() {
  local need=()
  command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
  dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static) # static, with cpio/nsenter applets
  command -v tcpdump >/dev/null || need+=(tcpdump)
  command -v rdma >/dev/null && command -v ip >/dev/null || need+=(iproute2)
  command -v xz >/dev/null || need+=(xz-utils)
  command -v nft >/dev/null || need+=(nftables) # router netns of the i-mbox-* scenarios
  command -v go >/dev/null || [ -x /usr/local/go/bin/go ] || die "Go toolchain missing (expected /usr/local/go)"
  if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
    say "adding bookworm-backports to apt sources"
    cat > /etc/apt/sources.list.d/smcdump-lab-backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    NEED_UPDATE=1
  fi
  if [ ${#need[@]} -gt 0 ] || [ -n "${NEED_UPDATE:-}" ]; then
    say "apt-get update"
    apt-get update -q >/dev/null
  fi
  if [ ${#need[@]} -gt 0 ]; then
    say "apt-get install ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=600 -y -q "${need[@]}" >/dev/null
  fi
}

# KVM is usable when /dev/kvm opens read-write, qemu initialises the kvm
# accelerator, and the lab kernel actually boots under it: a probe VM
# (scenario "probe": modules loaded, results written, power off) must report
# "smclab: done" within 60 s (a KVM boot of this initramfs takes seconds). The boot test matters: on a host whose /dev/kvm
# is kvm-pvm (a paravirtualised KVM that emulates guest kernel instructions),
# the unmodified Debian kernel dies at once with "KVM internal error ...
# emulation failure" (BMI2 shrx in the zstd decompressor; booted as vmlinux
# over PVH, lock cmpxchg16b), and qemu then sits paused forever.
kvm_probe() { # label
  KVM_WHY=
  if ! [ -c /dev/kvm ] || ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then KVM_WHY="/dev/kvm missing or not read-write"; return 1; fi
  if ! echo quit | timeout 20 qemu-system-x86_64 -accel kvm -machine none -nodefaults -display none -monitor stdio >/dev/null 2>&1; then
    KVM_WHY="qemu cannot initialise the kvm accelerator"; return 1
  fi
  local vmdir=$WORK/$1/vm-kvm-probe n=0 t0=$SECONDS
  rm -rf "$vmdir"
  ACCEL_ARGS=(-accel kvm -cpu host)
  boot_vm "$vmdir" probe single -nic none
  while kill -0 "$LAST_PID" 2>/dev/null && [ $n -lt 120 ]; do
    grep -q '^smclab: done' "$vmdir/console.log" 2>/dev/null && break
    grep -q 'KVM internal error' "$vmdir/qemu.stdout" 2>/dev/null && break
    sleep 0.5; n=$((n+1))
  done
  sleep 0.5
  kill -KILL "$LAST_PID" 2>/dev/null || true
  wait "$LAST_PID" 2>/dev/null || true
  if grep -q '^smclab: done' "$vmdir/console.log" 2>/dev/null; then
    say "KVM probe: $1 kernel booted and powered off under KVM in $((SECONDS - t0))s"
    return 0
  fi
  if grep -q 'KVM internal error' "$vmdir/qemu.stdout" 2>/dev/null; then
    KVM_WHY="the $1 kernel does not boot under this KVM: $(grep -m1 'KVM internal error' "$vmdir/qemu.stdout"), $(grep -m1 -o 'emulation failure' "$vmdir/qemu.stdout"); code at RIP: $(grep -m1 '^Code=' "$vmdir/qemu.stdout" | cut -c1-80)"
    [ -d /sys/module/kvm_pvm ] && KVM_WHY="$KVM_WHY (host KVM is kvm-pvm)"
  else
    KVM_WHY="the $1 kernel's probe VM did not finish within 60 s under KVM"
  fi
  return 1
}
# The probe's answer is cached per kernel in work/kvm-probe-<label>, keyed by
# the host kernel, the guest kernel and the qemu version.
kvm_probe_cached() { # label
  local f=$WORK/kvm-probe-$1 key
  key="host=$(uname -r) guest=$KVER $(qemu-system-x86_64 --version | head -1)"
  if [ -f "$f" ] && [ "$(sed -n 1p "$f")" = "$key" ]; then
    KVM_WHY=$(sed -n 3p "$f")
    say "KVM probe for $1: cached answer ($(sed -n 2p "$f"); delete $f to probe again)"
    [ "$(sed -n 2p "$f")" = usable ]
    return
  fi
  if kvm_probe "$1"; then printf '%s\nusable\n\n' "$key" > "$f"; return 0; fi
  printf '%s\nnot usable\n%s\n' "$key" "$KVM_WHY" > "$f"
  return 1
}
choose_accel() { # label
  case "$ACCEL" in
    tcg) ACCEL_ARGS=(-accel tcg -cpu max); USED_ACCEL=tcg ;;
    kvm) if kvm_probe_cached "$1"; then ACCEL_ARGS=(-accel kvm -cpu host); USED_ACCEL=kvm
         else echo "[lab] KVM not usable: $KVM_WHY" >&2; exit 3; fi ;;
    auto) if kvm_probe_cached "$1"; then ACCEL_ARGS=(-accel kvm -cpu host); USED_ACCEL=kvm
          else say "KVM not usable ($KVM_WHY): using TCG"; ACCEL_ARGS=(-accel tcg -cpu max); USED_ACCEL=tcg; fi ;;
  esac
  say "qemu accelerator for $1: $USED_ACCEL (${ACCEL_ARGS[*]})"
}

# kernel package name for a label
kernel_pkg() {
  case "$1" in
    6.1) apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6\.1\./{print $2; exit}' ;;
    6.12) apt-cache depends linux-image-6.12-amd64 2>/dev/null | awk '/Depends: linux-image-6\.12/{print $2; exit}' ;;
  esac
}

fetch_kernel() { # label -> sets KDIR, KVER
  local label=$1 pkg deb
  if [ "$label" = 6.12-lo ]; then
    # built from Debian's linux-source-6.12 with CONFIG_SMC_LO=y (cached)
    "$LAB/build-kernel-lo.sh"
    KVER=$(cat "$WORK/kernel-6.12-lo.release")
    KDIR=$WORK/x/$KVER
    KPKG="linux-source-6.12 $(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null) built by testdata/lab/build-kernel-lo.sh (CONFIG_SMC_LO=y)"
    return
  fi
  pkg=$(kernel_pkg "$label")
  [ -n "$pkg" ] || { apt-get update -q >/dev/null; pkg=$(kernel_pkg "$label"); }
  [ -n "$pkg" ] || die "no kernel package found for $label"
  KVER=${pkg#linux-image-}
  KDIR=$WORK/x/$KVER
  KPKG=linux-image-$KVER
  mkdir -p "$WORK/debs"
  if [ ! -f "$KDIR/boot/vmlinuz-$KVER" ]; then
    deb=$(ls "$WORK"/debs/"${pkg}"_*.deb 2>/dev/null | head -1 || true)
    if [ -z "$deb" ]; then
      say "apt-get download $pkg"
      (cd "$WORK/debs" && apt-get download -q "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
      deb=$(ls "$WORK"/debs/"${pkg}"_*.deb | head -1)
    fi
    say "extracting $deb"
    mkdir -p "$KDIR"
    dpkg-deb -x "$deb" "$KDIR"
  fi
}

# dependency-ordered module list (from each module's modinfo depends=)
declare -A MODPATH SEEN
ORDER=()
mod_index() {
  MODPATH=(); SEEN=(); ORDER=()
  local f n
  while IFS= read -r f; do
    n=${f##*/}; n=${n%.xz}; n=${n%.ko}; n=${n//-/_}
    MODPATH[$n]=$f
  done < <(find "$KDIR/lib/modules/$KVER/kernel" -name '*.ko' -o -name '*.ko.xz')
}
mod_resolve() {
  local n=${1//-/_} f deps d
  [ -n "${SEEN[$n]:-}" ] && return 0
  SEEN[$n]=1
  f=${MODPATH[$n]:-}
  [ -n "$f" ] || return 0 # built in
  if [[ $f == *.xz ]]; then deps=$(xz -dc "$f" | grep -a -o 'depends=[a-z0-9_,-]*' | head -1); else deps=$(grep -a -o 'depends=[a-z0-9_,-]*' "$f" | head -1); fi
  deps=${deps#depends=}
  for d in ${deps//,/ }; do mod_resolve "$d"; done
  ORDER+=("$n")
}

build_go() {
  say "building static Go helpers (CGO_ENABLED=0)"
  mkdir -p "$WORK/bin"
  export PATH=$PATH:/usr/local/go/bin
  (cd "$REPO" && CGO_ENABLED=0 go build -trimpath -o "$WORK/bin/peer" ./testdata/lab/peer \
     && CGO_ENABLED=0 go build -trimpath -o "$WORK/bin/smcnl" ./testdata/lab/smcnl \
     && CGO_ENABLED=0 go build -trimpath -o "$WORK/bin/labmanifest" ./testdata/lab/labmanifest \
     && CGO_ENABLED=0 go build -trimpath -o "$WORK/bin/smcdump" ./cmd/smcdump)
}

copy_bin() { # host-binary dest-name root
  local src=$1 dst=$2 root=$3 lib
  install -D -m 755 "$src" "$root/usr/bin/$dst"
  for lib in $(ldd "$src" | grep -o '/[^ ]*' | sort -u); do
    [ -e "$root$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$root$lib"
  done
}

build_initramfs() { # label
  local label=$1 root=$WORK/$1/root n f key
  # rebuild only when an input changed (kernel, helpers, guest scripts, this script)
  key=$( (echo "$KVER"; cat "$WORK/bin/peer" "$WORK/bin/smcnl" "$WORK/bin/smcdump" "$LAB/guest/init" "$LAB/guest/scenario.sh" "$0" /bin/busybox) | sha256sum | cut -c1-16)
  if [ -f "$WORK/$label/initramfs.gz" ] && [ "$(cat "$WORK/$label/initramfs.key" 2>/dev/null)" = "$key" ]; then
    say "initramfs for $label is up to date"
    return 0
  fi
  say "building initramfs for $label ($KVER)"
  rm -rf "$root"; mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/modules,lab,etc,proc,sys,dev,run,tmp,out,root}
  install -m 755 /bin/busybox "$root/bin/busybox"
  ln -s busybox "$root/bin/sh" # the other applet links are made by /init (busybox --install -s)
  copy_bin "$(command -v ip)" xip "$root"
  copy_bin "$(command -v rdma)" rdma "$root"
  copy_bin "$(command -v tcpdump)" tcpdump "$root"
  copy_bin "$(command -v nft)" nft "$root"
  echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
  echo 'root:x:0:' > "$root/etc/group"
  install -m 755 "$WORK/bin/peer" "$WORK/bin/smcnl" "$WORK/bin/smcdump" "$root/lab/"
  install -m 755 "$LAB/guest/init" "$root/init"
  install -m 755 "$LAB/guest/scenario.sh" "$root/lab/scenario.sh"
  mod_index
  for n in crc32_generic veth virtio_pci virtio_blk virtio_net failover net_failover ib_core smc smc_diag udp_tunnel ip6_udp_tunnel ib_uverbs rdma_rxe crc32c_generic nf_tables; do
    mod_resolve "$n"
  done
  : > "$root/lab/modules.order"
  for n in "${ORDER[@]}"; do
    f=${MODPATH[$n]}
    if [[ $f == *.xz ]]; then xz -dc "$f" > "$root/lib/modules/$n.ko"; else cp "$f" "$root/lib/modules/$n.ko"; fi
    echo "$n.ko" >> "$root/lab/modules.order"
  done
  say "modules: $(tr '\n' ' ' < "$root/lab/modules.order")"
  (cd "$root" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$WORK/$label/initramfs.gz")
  echo "$key" > "$WORK/$label/initramfs.key"
}

# boot one VM: name scenario role netargs... ; runs in background, sets LAST_PID
boot_vm() {
  local vmdir=$1 scen=$2 role=$3; shift 3
  mkdir -p "$vmdir"
  rm -f "$vmdir/out.img"; truncate -s 64M "$vmdir/out.img"
  local cmd=(qemu-system-x86_64 -machine q35 "${ACCEL_ARGS[@]}" -smp 1 -m $VM_MEM
    -kernel "$KDIR/boot/vmlinuz-$KVER" -initrd "$WORK/$LABEL/initramfs.gz"
    -append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4 smclab.scenario=$scen smclab.role=$role smclab.gn=$G_N smclab.capture=$CAPTURE"
    -drive "file=$vmdir/out.img,format=raw,if=virtio"
    -display none -monitor none -serial "file:$vmdir/console.log" -no-reboot "$@")
  printf '%q ' "${cmd[@]}" > "$vmdir/qemu-cmd.txt"
  "${cmd[@]}" > "$vmdir/qemu.stdout" 2>&1 &
  LAST_PID=$!
  QEMU_PIDS+=("$LAST_PID")
}

wait_vm() { # pid vmdir timeout
  local pid=$1 vmdir=$2 t=$3 n=0
  local done_at=-1
  while kill -0 "$pid" 2>/dev/null; do
    # the guest prints "smclab: done" after its results are on disk; a
    # kernel with a task stuck in SMC (6.1 stall) may then hang in poweroff.
    if [ $done_at -lt 0 ] && grep -q '^smclab: done' "$vmdir/console.log" 2>/dev/null; then done_at=$n; fi
    if [ $done_at -ge 0 ] && [ $((n - done_at)) -ge 15 ]; then
      say "VM $(basename "$vmdir") finished its work but did not power off in 15 s: killing it"
      echo "guest finished but did not power off within 15 s (kernel shutdown blocked); killed by host" > "$vmdir/killed.txt"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    if grep -q 'KVM internal error' "$vmdir/qemu.stdout" 2>/dev/null; then
      say "VM $(basename "$vmdir"): KVM internal error (see qemu.stdout): killing it"
      echo "KVM internal error; killed by host: $(grep -m1 '^Code=' "$vmdir/qemu.stdout")" > "$vmdir/killed.txt"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    if [ $n -ge "$t" ]; then
      say "VM $(basename "$vmdir") still running after ${t}s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
      echo "killed by host after ${t}s" > "$vmdir/killed.txt"
      break
    fi
    sleep 1; n=$((n+1))
  done
  wait "$pid" 2>/dev/null || true
  mkdir -p "$vmdir/out"
  tar -xf "$vmdir/out.img" -C "$vmdir/out" 2>/dev/null || say "no results from $(basename "$vmdir") (see $vmdir/console.log)"
  say "VM $(basename "$vmdir") finished after ${n}s"
}

collect() { # scenario vmdir capture-vm? ; copy results of one VM into OUT
  local scen=$1 vmdir=$2 side=$3 o=$OUT
  mkdir -p "$o/snap/$scen" "$o/logs/$scen"
  [ -f "$vmdir/out/trace.pcap" ] && cp "$vmdir/out/trace.pcap" "$o/$scen.pcap"
  [ -f "$vmdir/out/trace.pcapng" ] && cp "$vmdir/out/trace.pcapng" "$o/$scen.pcapng"
  [ -d "$vmdir/out/snap" ] && cp -r "$vmdir/out/snap/." "$o/snap/$scen/"
  local f
  # kernel log from the SMC module's registration on (boot noise dropped; the
  # first line names the kernel)
  if [ -f "$vmdir/out/dmesg.txt" ]; then
    awk 'NR==1 {print; next} /Registered PF_SMC/ {p=1} p' "$vmdir/out/dmesg.txt" > "$o/logs/$scen/$side-dmesg.txt"
  fi
  # extra capture points (trace-TAG.pcapng -> <scenario>-TAG.pcapng)
  for f in "$vmdir"/out/trace-*.pcap "$vmdir"/out/trace-*.pcapng; do
    [ -f "$f" ] && cp "$f" "$o/$scen-${f##*/trace-}"
  done
  for f in "$vmdir"/out/smcdump-*.log; do
    [ -f "$f" ] && [ "${f##*/}" != smcdump-stats.log ] && cp "$f" "$o/logs/$scen/$side-${f##*/}"
  done
  for f in client.log server.log client.stderr server.stderr guest.log commands.txt topology.txt capture.txt rdma-link.txt notes.txt tcpdump.log smcdump.log smcdump-stats.log uname-r.txt nft-before.txt nft-after.txt; do
    [ -f "$vmdir/out/$f" ] && cp "$vmdir/out/$f" "$o/logs/$scen/$side-$f"
  done
  cp "$vmdir/qemu-cmd.txt" "$o/logs/$scen/$side-qemu-cmd.txt"
  [ -f "$vmdir/killed.txt" ] && cp "$vmdir/killed.txt" "$o/logs/$scen/$side-killed.txt"
  # the serial console only when the guest's results are missing (debugging)
  [ -f "$vmdir/out/guest.log" ] || tail -c 100000 "$vmdir/console.log" > "$o/logs/$scen/$side-console.txt" 2>/dev/null || true
}

run_scenario() { # scenario
  local scen=$1 rec=$1 vmdir
  [ "$LABEL" = 6.1 ] && [ "$scen" = c-smcr-link ] && rec=c-smcr-stall
  say "=== $LABEL: scenario $rec"
  rm -rf "$OUT/snap/$rec" "$OUT/logs/$rec" "$OUT/$rec.pcap" "$OUT/$rec.pcapng" "$OUT/$rec"-*.pcap "$OUT/$rec"-*.pcapng
  case "$rec" in
    a-*|b-*|d-*|h-*|i-*|j-*|k-*|l-*|m-*|n-*|o-*|p-*|t-*)
      vmdir=$WORK/$LABEL/vm-$rec
      rm -rf "$vmdir"
      boot_vm "$vmdir" "$rec" single -nic none
      wait_vm "$LAST_PID" "$vmdir" "$BOOT_TIMEOUT"
      collect "$rec" "$vmdir" vm
      ;;
    *)
      local port=$(( 20000 + RANDOM % 20000 )) sdir=$WORK/$LABEL/vm-$rec-server cdir=$WORK/$LABEL/vm-$rec-client spid cpid
      rm -rf "$sdir" "$cdir"
      boot_vm "$sdir" "$rec" server -netdev "socket,id=n0,listen=127.0.0.1:$port" -device virtio-net-pci,netdev=n0,mac=52:54:00:5c:00:02
      spid=$LAST_PID
      sleep 2
      boot_vm "$cdir" "$rec" client -netdev "socket,id=n0,connect=127.0.0.1:$port" -device virtio-net-pci,netdev=n0,mac=52:54:00:5c:00:01
      cpid=$LAST_PID
      wait_vm "$cpid" "$cdir" "$BOOT_TIMEOUT"
      wait_vm "$spid" "$sdir" 60
      collect "$rec" "$sdir" server
      collect "$rec" "$cdir" client
      ;;
  esac
  local tr
  for tr in "$OUT/$rec.pcapng" "$OUT/$rec.pcap" ""; do [ -z "$tr" ] || [ -f "$tr" ] && break; done
  [ -n "$tr" ] && say "$rec: trace $(basename "$tr") $(stat -c %s "$tr") bytes" || say "$rec: no trace"
}

install_packages
build_go
for LABEL in $KERNELS; do
  case "$LABEL" in 6.1|6.12|6.12-lo) ;; *) die "--kernel must be 6.1, 6.12, 6.12-lo or all" ;; esac
  fetch_kernel "$LABEL"
  OUT=$OUTROOT/$LABEL
  mkdir -p "$OUT"
  G_N=${G_N_ORIG:=$G_N}
  if [ "$LABEL" = 6.1 ] && [ -z "${G_N_SET:-}" ]; then
    G_N=8 # every SMC-R connection stalls on 6.1 (bounded at 30 s each): keep g short
  fi
  build_initramfs "$LABEL"
  choose_accel "$LABEL"
  T0=$(date +%s)
  RUN_SCENARIOS=$SCENARIOS
  if [ "$SCENARIOS" = all ]; then
    RUN_SCENARIOS=$ALL_SCENARIOS; [ "$LABEL" = 6.12-lo ] && RUN_SCENARIOS=$LO_SCENARIOS
  fi
  for s in $RUN_SCENARIOS; do
    case " $ALL_SCENARIOS $LO_SCENARIOS c-smcr-stall " in *" $s "*) ;; *) die "unknown scenario $s" ;; esac
    [ "$s" = c-smcr-stall ] && s=c-smcr-link
    run_scenario "$s"
  done
  say "$LABEL: scenarios took $(( $(date +%s) - T0 ))s; writing manifest"
  "$WORK/bin/labmanifest" -dir "$OUT" -kernel-label "$LABEL" -kernel-package "$KPKG" -g-count "$G_N" \
    || say "manifest generation failed"
done
say "done; results in $OUTROOT"
