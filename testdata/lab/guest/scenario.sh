#!/bin/sh
# smcdump lab: runs one scenario inside the guest. Called by /init as
#   scenario.sh SCENARIO ROLE
# ROLE is "single" (one VM, two network namespaces "cli" and "srv" joined by
# a veth pair vc/vs) or "server"/"client" (two VMs joined by a qemu socket
# netdev, eth0 in the initial namespace of each).
# Results go to /out (see ../README.md). iproute2's ip is installed as
# "xip" because busybox's ip applet would shadow it and iproute2 parses
# argv[0] (names starting with "ip").
SCEN=$1 ROLE=$2
PORT=5000
CLI4=10.0.0.1 SRV4=10.0.0.2 CLI6=fd00::1 SRV6=fd00::2
UEID=SMCDUMP-LAB-UEID
OUT=/out
mkdir -p $OUT/snap
log() { echo "smclab[$ROLE]: $*"; echo "smclab[$ROLE]: $*" > /dev/console; }
run() { log "+ $*"; echo "$*" >> $OUT/commands.txt; "$@"; }
NS() { ns=$1; shift; if [ "$ns" = init ]; then "$@"; else xip netns exec "$ns" "$@"; fi; }

snap() { # netns side phase
  run NS "$1" smcnl snap -dir "$OUT/snap/$2-$3" -side "$2" -netns "$1" || log "snapshot $2-$3 failed"
  # the same moment through smcdump's own collector (capture/kstat), as
  # `smcdump stats` writes it: snap/<side>-<phase>.json (schema smcdump.kstat/v1)
  run NS "$1" timeout -s KILL 30 smcdump stats --json -o "$OUT/snap/$2-$3.json" > /dev/null 2>> $OUT/smcdump-stats.log \
    || log "smcdump stats $2-$3 failed"
}

# ---- single-VM topology: netns cli (vc, 10.0.0.1, fd00::1) <-veth-> netns srv (vs, 10.0.0.2, fd00::2)
two_ns() {
  run xip netns add cli
  run xip netns add srv
  run xip link add vc type veth peer name vs
  run xip link set vc netns cli
  run xip link set vs netns srv
  for p in cli:vc:$CLI4:$CLI6 srv:vs:$SRV4:$SRV6; do
    ns=${p%%:*}; r=${p#*:}; dev=${r%%:*}; r=${r#*:}; a4=${r%%:*}; a6=${r#*:}
    run NS $ns xip link set lo up
    run NS $ns xip addr add $a4/24 dev $dev
    run NS $ns xip -6 addr add $a6/64 dev $dev nodad
    run NS $ns xip link set $dev up
  done
  echo "single VM; netns cli: vc $CLI4/24 $CLI6/64; netns srv: vs $SRV4/24 $SRV6/64 (veth pair)" > $OUT/topology.txt
}

# ---- routed single-VM topology: netns cli (vc 10.0.1.1) <-veth-> rc [netns rtr] rs <-veth-> vs (10.0.2.2) netns srv
# The router forwards IPv4 and runs the nftables rule set of the scenario
# ($1: one nft rule in an inet filter forward chain, with a counter).
RCLI4=10.0.1.1 RSRV4=10.0.2.2
routed_ns() { # "nft rule"
  for n in cli rtr srv; do run xip netns add $n; done
  run xip link add vc type veth peer name rc
  run xip link add vs type veth peer name rs
  run xip link set vc netns cli
  run xip link set rc netns rtr
  run xip link set vs netns srv
  run xip link set rs netns rtr
  for n in cli rtr srv; do run NS $n xip link set lo up; done
  run NS cli xip addr add $RCLI4/24 dev vc
  run NS cli xip link set vc up
  run NS cli xip route add default via 10.0.1.254
  run NS srv xip addr add $RSRV4/24 dev vs
  run NS srv xip link set vs up
  run NS srv xip route add default via 10.0.2.254
  run NS rtr xip addr add 10.0.1.254/24 dev rc
  run NS rtr xip addr add 10.0.2.254/24 dev rs
  run NS rtr xip link set rc up
  run NS rtr xip link set rs up
  run NS rtr sysctl -w net.ipv4.ip_forward=1
  printf 'table inet mbox {\n  chain strip {\n    type filter hook forward priority filter; policy accept;\n    %s\n  }\n}\n' "$1" > /tmp/mbox.nft
  cat /tmp/mbox.nft >> $OUT/commands.txt
  run NS rtr nft -f /tmp/mbox.nft || log "nft rule set failed"
  NS rtr nft list ruleset > $OUT/nft-before.txt 2>&1
  echo "single VM, routed; netns cli: vc $RCLI4/24 via 10.0.1.254; netns rtr: rc 10.0.1.254/24, rs 10.0.2.254/24, ip_forward=1, nftables: $1; netns srv: vs $RSRV4/24 via 10.0.2.254" > $OUT/topology.txt
}
nft_after() { NS rtr nft list ruleset > $OUT/nft-after.txt 2>&1; log "nft after: $(grep -o 'counter packets [0-9]* bytes [0-9]*' $OUT/nft-after.txt)"; }

# soft-RoCE on both veths + UEID + PNET IDs (ethname per namespace, ibname in
# the initial namespace; the kernel ignores IB entries in other namespaces).
two_ns_rxe() { # [skip-ueid] ...
  run NS cli rdma link add rxec type rxe netdev vc
  run NS srv rdma link add rxes type rxe netdev vs
  run smcnl ueid-add $UEID
  run NS cli smcnl pnet-add -name PNETLAB -eth vc
  run NS srv smcnl pnet-add -name PNETLAB -eth vs
  run smcnl pnet-add -name PNETLAB -ib rxec -port 1
  run smcnl pnet-add -name PNETLAB -ib rxes -port 1
  run rdma link show > $OUT/rdma-link.txt 2>&1
}

# CAPTURE (kernel command line smclab.capture, set by run.sh --capture):
# "smcdump" (default: smcdump's own AF_PACKET capture, pcapng with kernel
# counter snapshots embedded at start, every second and at the end) or
# "tcpdump" (for comparison, classic pcap). Either writes the whole frame
# (-s 0), SYNs included, no filter.
CAPTURE=${SMCLAB_CAPTURE:-smcdump}
CAPS="" # "pid:log" of every running capture
capture_start() { # netns dev [tag]: tag "" writes trace.pcapng, else trace-TAG.pcapng
  tag=${3:-}; sfx=${tag:+-$tag}
  # Started directly (not through the NS function, whose background subshell
  # would be $! and ignore SIGINT): "xip netns exec" execs the tool, so
  # $CAPPID is the capture process itself.
  if [ "$1" = init ]; then set -- "$1" "$2"; else set -- "$1" "$2" xip netns exec "$1"; fi
  if [ "$CAPTURE" = tcpdump ]; then
    TRACE=$OUT/trace$sfx.pcap CAPLOG=$OUT/tcpdump$sfx.log
    echo "${tag:+point=$tag }netns=$1 interface=$2 vm=$ROLE tool=tcpdump snaplen=0(262144) filter=none" >> $OUT/capture.txt
    ns=$1 dev=$2; shift 2
    "$@" tcpdump -i "$dev" -s 0 -U -n -w $TRACE -Z root > $CAPLOG 2>&1 &
  else
    TRACE=$OUT/trace$sfx.pcapng CAPLOG=$OUT/smcdump$sfx.log
    echo "${tag:+point=$tag }netns=$1 interface=$2 vm=$ROLE tool=smcdump format=pcapng snaplen=0(262144) filter=none buffer=16MiB stats-interval=1s" >> $OUT/capture.txt
    echo "smcdump -i $2 -s 0 -B 16384 --stats-interval 1s -w $TRACE (netns $1)" >> $OUT/commands.txt
    ns=$1 dev=$2; shift 2
    "$@" smcdump -i "$dev" -s 0 -B 16384 --stats-interval 1s -w $TRACE > $CAPLOG 2>&1 &
  fi
  CAPPID=$!
  CAPS="$CAPS $CAPPID:$CAPLOG"
  n=0; while ! grep -q listening $CAPLOG 2>/dev/null && [ $n -lt 60 ]; do sleep 0.25; n=$((n+1)); done
  grep -q listening $CAPLOG 2>/dev/null || log "capture did not report listening after 15 s"
  sleep 1
}
# SIGINT, then wait (bounded, 30 s: smcdump takes a final counter snapshot
# and closes the pcapng) before the VM powers off.
capture_stop() {
  sleep 2
  for c in $CAPS; do kill -INT ${c%%:*} 2>/dev/null; done
  for c in $CAPS; do
    CAPPID=${c%%:*} CAPLOG=${c#*:}
    n=0; while kill -0 $CAPPID 2>/dev/null && [ $n -lt 60 ]; do sleep 0.5; n=$((n+1)); done
    if kill -0 $CAPPID 2>/dev/null; then
      log "capture still running 30 s after SIGINT: SIGKILL (trace may be incomplete)"
      echo "capture $CAPLOG killed (SIGKILL) 30 s after SIGINT" >> $OUT/capture.txt
      kill -KILL $CAPPID 2>/dev/null
    else
      wait $CAPPID; rc=$?
      echo "capture stopped by SIGINT after ~$((n / 2)) s, exit status $rc" >> $OUT/capture.txt
    fi
    cat $CAPLOG
  done
}

# run the client in the background and wait for it at most $3+5 s: a client
# blocked in connect() (Linux 6.1 SMC-R stall) may not even die on SIGKILL.
bg_client() { # netns "client flags" seconds
  log "+ peer client -log $OUT/client.log $2 (netns $1, bounded ${3}s)"
  echo "peer client -log $OUT/client.log $2" >> $OUT/commands.txt
  NS "$1" peer client -log $OUT/client.log -diag-dir $OUT/snap/client-during $2 > $OUT/client.stderr 2>&1 < /dev/null &
  CPID=$!
  n=0; while kill -0 $CPID 2>/dev/null && [ $n -lt $(( $3 + 5 )) ]; do sleep 1; n=$((n+1)); done
  if kill -0 $CPID 2>/dev/null; then
    log "client still running after $n s; sending SIGKILL"; kill -KILL $CPID 2>/dev/null
    echo "client process still alive after ${n}s (blocked in the kernel), SIGKILL sent" >> $OUT/notes.txt
    sleep 25 # give the kernel's hung-task detector (20 s, set by /init) time to report
    kill -0 $CPID 2>/dev/null && echo "client process still alive 25 s after SIGKILL" >> $OUT/notes.txt
  else
    wait $CPID; log "client exit $? after ~${n}s"
  fi
}

# single-VM scenario body: server args / client args
# CAPS_AT: capture points "netns:dev[:tag]" (default the server's veth).
single() { # "server flags" "client flags" client-timeout
  snap cli client before; snap srv server before
  for c in ${CAPS_AT:-srv:vs}; do
    ns=${c%%:*} r=${c#*:}; dev=${r%%:*}; tag=; [ "$dev" != "$r" ] && tag=${r#*:}
    capture_start $ns $dev $tag
  done
  NS srv timeout -s KILL $(( $3 + 30 )) peer server -log $OUT/server.log -diag-dir $OUT/snap/server-during $1 > $OUT/server.stderr 2>&1 < /dev/null &
  SPID=$!
  sleep 1
  bg_client cli "$2" $3
  n=0; while kill -0 $SPID 2>/dev/null && [ $n -lt $(( $3 + 30 )) ]; do sleep 1; n=$((n+1)); done
  sleep 1
  snap cli client after; snap srv server after
  capture_stop
}

# ---- two-VM topology: eth0 10.0.0.1 (client VM) <-qemu socket netdev-> eth0 10.0.0.2 (server VM)
vm_net() {
  if [ "$ROLE" = server ]; then A4=$SRV4 A6=$SRV6; else A4=$CLI4 A6=$CLI6; fi
  run xip link set lo up
  run xip addr add $A4/24 dev eth0
  run xip -6 addr add $A6/64 dev eth0 nodad
  run xip link set eth0 up
  echo "two VMs; $ROLE VM eth0 $A4/24 $A6/64 (qemu -netdev socket on 127.0.0.1)" > $OUT/topology.txt
}
vm_rxe() { # ueid|noueid|ueid:NAME  pnet|nopnet
  run rdma link add rxe0 type rxe netdev eth0
  case "$1" in
    ueid) run smcnl ueid-add $UEID ;;
    ueid:*) run smcnl ueid-add ${1#ueid:} ;;
    noueid) log "no UEID on this side (scenario)" ;;
  esac
  if [ "$2" = pnet ]; then
    run smcnl pnet-add -name PNETLAB -eth eth0
    run smcnl pnet-add -name PNETLAB -ib rxe0 -port 1
  else
    log "no PNET ID on this side (scenario)"
  fi
  run rdma link show > $OUT/rdma-link.txt 2>&1
}
wait_peer() { # addr
  n=0; while ! ping -c 1 -W 1 $1 >/dev/null 2>&1 && [ $n -lt 60 ]; do n=$((n+1)); done
  log "peer $1 reachable after $n pings"
}
# two-VM body: "server flags" "client flags" client-timeout
pair() {
  side=$ROLE
  snap init $side before
  if [ "$ROLE" = server ]; then
    capture_start init eth0
    run timeout -s KILL $(( $3 + 20 )) peer server -log $OUT/server.log -diag-dir $OUT/snap/server-during $1
    log "server exit $?"
    sleep 2
  else
    wait_peer $SRV4
    sleep 3 # server capture + listener
    bg_client init "$2" $3
    sleep 4
  fi
  snap init $side after
  [ "$ROLE" = server ] && capture_stop
  # let the other side finish its after-snapshot before this VM goes away
  sleep 3
}

S4="-addr $SRV4:$PORT"
S6="-addr [$SRV6]:$PORT"
case "$SCEN:$ROLE" in
  a-peer-no-smc:single)
    two_ns
    single "-tcp $S4 -n 1 -timeout 30s" "$S4 -n 1 -bytes 2048" 30 ;;
  b-no-device:single)
    two_ns
    single "$S4 -n 1 -timeout 30s" "$S4 -n 1 -bytes 2048" 30 ;;
  d-roce-blocked:single)
    two_ns; two_ns_rxe
    single "$S4 -n 1 -timeout 40s" "$S4 -n 1 -bytes 2048" 40 ;;
  h-listen-pressure:single)
    # SMC_LIMIT_HS on the listener, backlog 2, 12 parallel clients while
    # every server handshake waits ~3 s for the (blocked) LLC confirm.
    two_ns; two_ns_rxe
    single "$S4 -n 12 -timeout 60s -backlog 2 -limit-hs" "$S4 -n 12 -parallel 12 -bytes 512 -connect-timeout 40s" 60 ;;
  c-smcr-link:*)
    vm_net; vm_rxe ueid pnet
    pair "$S4 -n 2 -timeout 60s" "$S4 -n 2 -bytes 16384 -connect-timeout 30s" 70 ;;
  c-smcr-stall:*)
    # Linux 6.1: the client blocks in connect after Confirm; bounded at 30 s.
    vm_net; vm_rxe ueid pnet
    pair "$S4 -n 1 -timeout 40s" "$S4 -n 1 -bytes 16384 -connect-timeout 30s" 35 ;;
  e-ueid-mismatch:server)  vm_net; vm_rxe ueid:SMCDUMP-LAB-SERVER pnet; pair "$S4 -n 1 -timeout 40s" "" 40 ;;
  e-ueid-mismatch:client)  vm_net; vm_rxe ueid:SMCDUMP-LAB-CLIENT pnet; pair "" "$S4 -n 1 -bytes 2048" 40 ;;
  e-ueid-missing-server:server) vm_net; vm_rxe noueid pnet; pair "$S4 -n 1 -timeout 40s" "" 40 ;;
  e-ueid-missing-server:client) vm_net; vm_rxe ueid pnet; pair "" "$S4 -n 1 -bytes 2048" 40 ;;
  e-ueid-missing-client:server) vm_net; vm_rxe ueid pnet; pair "$S4 -n 1 -timeout 40s" "" 40 ;;
  e-ueid-missing-client:client) vm_net; vm_rxe noueid pnet; pair "" "$S4 -n 1 -bytes 2048 -connect-timeout 30s" 40 ;;
  e-pnet-missing-server:server) vm_net; vm_rxe ueid nopnet; pair "$S4 -n 1 -timeout 40s" "" 40 ;;
  e-pnet-missing-server:client) vm_net; vm_rxe ueid pnet; pair "" "$S4 -n 1 -bytes 2048" 40 ;;
  e-pnet-missing-client:server) vm_net; vm_rxe ueid pnet; pair "$S4 -n 1 -timeout 40s" "" 40 ;;
  e-pnet-missing-client:client) vm_net; vm_rxe ueid nopnet; pair "" "$S4 -n 1 -bytes 2048" 40 ;;
  f-ipv6:*)
    vm_net; vm_rxe ueid pnet
    pair "$S6 -n 1 -timeout 40s" "$S6 -n 1 -bytes 4096 -connect-timeout 30s" 45 ;;
  g-many:*)
    vm_net; vm_rxe ueid pnet
    N=${SMCLAB_G_N:-200}
    T=$(( 90 + N ))
    pair "$S4 -n $N -timeout ${T}s" "$S4 -n $N -parallel 4 -bytes 256 -connect-timeout 30s" $T ;;
  i-mbox-strip-syn:single)
    # the rule as written: "tcp flags syn" matches every segment
    # with SYN set (SYN and SYN-ACK; nft --debug=netlink: flags & 0x02 != 0)
    routed_ns "tcp flags syn counter reset tcp option 254"
    CAPS_AT="cli:vc srv:vs:srvside"; single "-addr $RSRV4:$PORT -n 1 -timeout 30s" "-addr $RSRV4:$PORT -n 1 -bytes 2048" 30
    nft_after ;;
  i-mbox-strip-synack:single)
    routed_ns "tcp flags & (syn | ack) == syn | ack counter reset tcp option 254"
    CAPS_AT="cli:vc srv:vs:srvside"; single "-addr $RSRV4:$PORT -n 1 -timeout 30s" "-addr $RSRV4:$PORT -n 1 -bytes 2048" 30
    nft_after ;;
  j-syncookies:single)
    # as d (rxe on both veths, UEID, PNET), the server's netns answers every
    # SYN with a SYN cookie
    two_ns; two_ns_rxe
    run NS srv sysctl -w net.ipv4.tcp_syncookies=2
    single "$S4 -n 1 -timeout 40s" "$S4 -n 1 -bytes 2048 -connect-timeout 30s" 40 ;;
  k-limit-hs-sysctl:single)
    # as h, but the handshake limitation comes from the server netns's
    # net.smc.limit_smc_hs sysctl (inherited by new listeners), not SMC_LIMIT_HS
    two_ns; two_ns_rxe
    run NS srv sysctl -w net.smc.limit_smc_hs=1
    single "$S4 -n 12 -timeout 60s -backlog 2" "$S4 -n 12 -parallel 12 -bytes 512 -connect-timeout 40s" 60 ;;
  l-ipproto-smc:single)
    # as d, both peers open socket(AF_INET, SOCK_STREAM, IPPROTO_SMC)
    two_ns; two_ns_rxe
    single "$S4 -n 1 -timeout 40s -ipproto-smc" "$S4 -n 1 -bytes 2048 -connect-timeout 30s -ipproto-smc" 40 ;;
  m-smcd-lo:single)
    # kernel 6.12-lo (CONFIG_SMC_LO=y): loopback-ism is the only SMC device;
    # both AF_SMC, UEID set, no RDMA device: SMC-D v2 between the netns
    two_ns
    run smcnl ueid-add $UEID
    single "$S4 -n 2 -timeout 40s" "$S4 -n 2 -bytes 16384 -connect-timeout 30s" 40 ;;
  n-smcd-and-smcr:single)
    # kernel 6.12-lo: loopback-ism AND soft-RoCE on both veths (UEID, PNET as
    # d): the client can offer SMC-D v2 and SMC-R v2; the server picks
    two_ns; two_ns_rxe
    single "$S4 -n 1 -timeout 40s" "$S4 -n 1 -bytes 16384 -connect-timeout 30s" 40 ;;
  # ---- 6.12-lo negotiation variants (issue 15 item 1). net/smc (6.12)
  # checks a PNET ID on an ISM device only when the CLIENT builds its
  # Proposal (af_smc.c smc_find_ism_v2_device_clnt: the device is offered
  # when it has no PNET ID or the socket's netns has a netdev with that
  # *hardware* PNET ID, smc_pnet_is_ndev_pnetid; pnet-table entries do not
  # count). A user PNET ID on loopback-ism therefore hides it from every
  # client proposal of this kernel, while the listener (smc_check_ism_v2_match)
  # still matches SMC-D v2 proposals by CHID + GID alone.
  o-lo-hidden-smcr-client:single)
    # client: soft-RoCE on vc only, loopback-ism hidden by its PNET ID ->
    # offers SMC-R only; server: no RDMA device on vs, only loopback-ism
    two_ns
    run NS cli rdma link add rxec type rxe netdev vc
    run smcnl ueid-add $UEID
    run smcnl pnet-add -name PNETLOHIDDEN -ib loopback-ism
    run rdma link show > $OUT/rdma-link.txt 2>&1
    single "$S4 -n 1 -timeout 40s" "$S4 -n 1 -bytes 2048 -connect-timeout 30s" 40 ;;
  p-lo-hidden-no-device:single)
    # loopback-ism (the only SMC device) hidden from proposals by its PNET ID
    two_ns
    run smcnl ueid-add $UEID
    run smcnl pnet-add -name PNETLOHIDDEN -ib loopback-ism
    single "$S4 -n 1 -timeout 30s" "$S4 -n 1 -bytes 2048 -connect-timeout 30s" 30 ;;
  t-lo-pnet-table-match:single)
    # loopback-ism's PNET ID also given to both veths through the pnet
    # table: pnet-table entries do not count for the SMC-D v2 proposal
    # (smc_pnet_is_ndev_pnetid), but the SMC-D v1 device search
    # (smc_pnet_find_ism_by_pnetid) does use them
    two_ns
    run smcnl ueid-add $UEID
    run smcnl pnet-add -name PNETLOHIDDEN -ib loopback-ism
    run NS cli smcnl pnet-add -name PNETLOHIDDEN -eth vc
    run NS srv smcnl pnet-add -name PNETLOHIDDEN -eth vs
    single "$S4 -n 1 -timeout 30s" "$S4 -n 1 -bytes 2048 -connect-timeout 30s" 30 ;;
  # two VMs, both on the 6.12-lo kernel: each kernel has its own
  # loopback-ism (CHID 0xFFFF, random GID; smc_lo_query_rgid accepts only
  # its own GID)
  q-2vm-smcd-smcr:*)
    # both VMs: loopback-ism + rxe0, UEID, PNET (as c-smcr-link)
    vm_net; vm_rxe ueid pnet
    pair "$S4 -n 2 -timeout 60s" "$S4 -n 2 -bytes 16384 -connect-timeout 30s" 70 ;;
  r-2vm-smcd-client-smcr-server:server)
    vm_net; vm_rxe ueid pnet
    pair "$S4 -n 1 -timeout 40s" "" 40 ;;
  r-2vm-smcd-client-smcr-server:client)
    # client VM: loopback-ism only (no RDMA device)
    vm_net; run smcnl ueid-add $UEID
    pair "" "$S4 -n 1 -bytes 2048 -connect-timeout 30s" 40 ;;
  s-2vm-smcr-client-smcd-server:server)
    # server VM: loopback-ism only (no RDMA device)
    vm_net; run smcnl ueid-add $UEID
    pair "$S4 -n 1 -timeout 40s" "" 40 ;;
  s-2vm-smcr-client-smcd-server:client)
    vm_net; vm_rxe ueid pnet
    pair "" "$S4 -n 1 -bytes 2048 -connect-timeout 30s" 40 ;;
  probe:*)
    log "probe boot (run.sh KVM check): kernel $(uname -r), modules loaded" ;;
  *)
    log "unknown scenario/role $SCEN:$ROLE"; exit 1 ;;
esac
log "scenario $SCEN finished"
