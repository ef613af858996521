#!/bin/bash
# realclients.sh - real Linux clients (ping, curl, wrk) against http VMs on a tap device in a private network
# namespace; everything it makes (namespace, tap, processes, temp files) is removed at exit, Ctrl-C included.
set -u
set +m   # no job control: background children stay in our process group (setsid below must not fork)

PAT=0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-   # examples/http.c: 63 of these, then '\n'
ALL_CLIENTS=ping,curl,big,stall,lossy,wrk

usage() {
	cat <<EOF
usage: scripts/realclients.sh [options]
Boots the isolation kernel (build/bin/isorun --tap) with http VMs (examples/http.c) on a tap device inside a
network namespace this script makes, runs real Linux clients against the VMs from inside that namespace, prints
a table of what each client measured, and removes everything it made (namespace, tap, QEMU) at exit, also on
failure or Ctrl-C. The host's own interfaces, routes and addresses are never touched. Needs root (or
CAP_NET_ADMIN), /dev/net/tun, ip (iproute2), and the clients asked for: ping (iputils-ping), curl, wrk
(scripts/deps.sh installs them).

VMs: ids 0..N-1 serve a BODY-byte body on port 80; with the big, stall or lossy client or --keep, VM N serves
a BIG-byte body.
Addresses (isorun --help): VM id i has base+2+i, the gateway base+1 is the tap inside the namespace.

options:
  -n, --vms N          http VMs with the small body (default 8)
  --body BYTES         their body size (default 64)
  --big BYTES          the large body of VM N (default 10485760, 10 MiB)
  --subnet CIDR        the VMs' network (default 10.212.0.0/14; the kernel wants a prefix of 14 or shorter);
                       it exists only inside the namespace, so it cannot clash with the host's
  --clients LIST       comma-separated, from $ALL_CLIENTS (default all); "none" runs no client
                         ping   ping -c PINGS every VM (56-byte and 1472-byte payloads: full 1500-byte frames)
                         curl   two keep-alive GETs per small VM (one curl, one connection); bodies checked
                         big    curl GET of VM N's BIG-byte body: exact length and content checked, time, rate
                         stall  the same body through a reader that stops for STALL s first (the VM meets a
                                zero window and must probe it), then reads on; content checked
                         lossy  the same body while an nftables rule in the namespace drops LOSS% of the VM's
                                segments at random: the VM's retransmissions must deliver it exactly (skipped,
                                saying why, without nft or nf_tables; it never fails the run for that)
                         wrk    wrk for DURATION s, one thread per VM (first WRKVMS small VMs), CONNS connections
                                each; every response checked (status 200, body length); req/s and latency
  --pings N            echo requests per VM and size (default 5)
  --stall SEC          the stall client's pause (default 3)
  --loss PCT           the lossy client's drop rate, 1..50 percent (default 2)
  -d, --duration SEC   wrk's duration (default 5)
  -c, --conns N        wrk connections per VM (default 2; the http example keeps 32 sockets per VM)
  --wrk-vms N          VMs wrk drives, one thread each (default: all small VMs, at most 64)
  --quota KiB          isorun --quota (per-VM memory; default isorun's)
  --timeout SEC        isorun --timeout, a safety net (default 300 + DURATION; 0 with --keep)
  --keep               after the clients, leave everything up and print how to reach the VMs; Ctrl-C (or
                       SIGTERM to the script) ends it and removes everything
  --logdir DIR         keep isorun's output, serial log and the clients' output in DIR (default: a temp dir,
                       removed at exit unless something failed)
  --json FILE          write the measurements as one JSON object to FILE
  --clean              only remove what runs killed with SIGKILL left behind (namespace isorcPID, its tap
                       isotapPID and processes, temp dir /tmp/realclients.PID.* of each PID no longer running)
  -h, --help           this text
environment: B (build dir, default build), ISORUN (default \$B/bin/isorun), QEMU (default qemu-system-x86_64)

exit status: 0 every client succeeded; 1 a client failed or the VMs did not come up; 2 usage error;
77 skipped: the machine cannot make a namespace or tap (not root, no /dev/net/tun, no ip, no tap netdev in
QEMU) or lacks a client program.
EOF
}

say() { echo "realclients: $*"; }
die() { say "error: $*" >&2; exit 1; }
skip() { say "SKIP: $*"; exit 77; }
is_uint() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }

VMS=8 BODY=64 BIG=10485760 SUBNET=10.212.0.0/14 CLIENTS=$ALL_CLIENTS PINGS=5 STALL=3 LOSS=2 DURATION=5 CONNS=2
WRKVMS="" QUOTA="" TIMEOUT="" KEEP=0 LOGDIR="" JSON="" CLEAN=0
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--keep) KEEP=1; shift; continue ;;
	--clean) CLEAN=1; shift; continue ;;
	esac
	[ $# -ge 2 ] || { echo "realclients: $1 needs a value (try --help)" >&2; exit 2; }
	case $1 in
	-n | --vms) VMS=$2 ;;
	--body) BODY=$2 ;;
	--big) BIG=$2 ;;
	--subnet) SUBNET=$2 ;;
	--clients) CLIENTS=$2 ;;
	--pings) PINGS=$2 ;;
	--stall) STALL=$2 ;;
	--loss) LOSS=$2 ;;
	-d | --duration) DURATION=$2 ;;
	-c | --conns) CONNS=$2 ;;
	--wrk-vms) WRKVMS=$2 ;;
	--quota) QUOTA=$2 ;;
	--timeout) TIMEOUT=$2 ;;
	--logdir) LOGDIR=$2 ;;
	--json) JSON=$2 ;;
	*) echo "realclients: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
	shift 2
done

# --clean: namespaces of runs that could not clean up (SIGKILL); a live run's namespace is left alone.
clean_stale() {
	[ "$(id -u)" = 0 ] || { echo "realclients: --clean needs root" >&2; exit 1; }
	n=0
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep '^isorc[0-9][0-9]*$'); do
		pid=${ns#isorc}
		[ -d "/proc/$pid" ] && grep -q realclients "/proc/$pid/cmdline" 2>/dev/null && continue
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		ip netns exec "$ns" ip link del "isotap$pid" 2>/dev/null
		ip netns del "$ns" && say "removed $ns (tap isotap$pid${pids:+, processes $(echo $pids)})" && n=$((n + 1))
	done
	for d in /tmp/realclients.[0-9]*.*; do
		[ -d "$d" ] || continue
		pid=${d#/tmp/realclients.}
		pid=${pid%%.*}
		[ -d "/proc/$pid" ] && grep -q realclients "/proc/$pid/cmdline" 2>/dev/null && continue
		rm -rf "$d" && say "removed $d"
	done
	say "$n stale namespaces removed"
	exit 0
}
[ $CLEAN = 1 ] && clean_stale

bad() { echo "realclients: $*" >&2; exit 2; }
for v in VMS BODY BIG PINGS STALL LOSS DURATION CONNS; do is_uint "${!v}" || bad "$v must be a number: '${!v}'"; done
[ "$VMS" -ge 1 ] || bad "--vms must be at least 1"
[ "$LOSS" -ge 1 ] && [ "$LOSS" -le 50 ] || bad "--loss must be 1..50 (percent)"
[ "$PINGS" -ge 1 ] && [ "$DURATION" -ge 1 ] && [ "$CONNS" -ge 1 ] || bad "--pings, --duration, --conns must be >= 1"
[ -z "$WRKVMS" ] && WRKVMS=$((VMS < 64 ? VMS : 64))
is_uint "$WRKVMS" && [ "$WRKVMS" -ge 1 ] && [ "$WRKVMS" -le "$VMS" ] || bad "--wrk-vms must be 1..$VMS"
[ -z "$QUOTA" ] || is_uint "$QUOTA" || bad "--quota must be a number"
[ -z "$TIMEOUT" ] || is_uint "$TIMEOUT" || bad "--timeout must be a number"
[ "$CLIENTS" = none ] && CLIENTS=""
for c in ${CLIENTS//,/ }; do
	case ",$ALL_CLIENTS," in *",$c,"*) ;; *) bad "unknown client '$c' (from $ALL_CLIENTS)" ;; esac
done
want() { case ",$CLIENTS," in *",$1,"*) return 0 ;; esac; return 1; }
HAVE_BIG=0
{ want big || want stall || want lossy || [ $KEEP = 1 ]; } && HAVE_BIG=1
[ $HAVE_BIG = 0 ] || [ "$BIG" -ge 1 ] || bad "--big must be >= 1 for the big, stall and lossy clients"

# The address plan: base+1 gateway (the tap), VM i at base+2+i.
case $SUBNET in */*) ;; *) bad "--subnet wants CIDR, e.g. 10.212.0.0/14" ;; esac
IFS=./ read -r a1 a2 a3 a4 PREFIX <<<"$SUBNET"
for o in "$a1" "$a2" "$a3" "$a4" "$PREFIX"; do is_uint "$o" || bad "bad --subnet '$SUBNET'"; done
BASE=$(( (a1 << 24) | (a2 << 16) | (a3 << 8) | a4 ))
ntoa() { echo "$(($1 >> 24 & 255)).$(($1 >> 16 & 255)).$(($1 >> 8 & 255)).$(($1 & 255))"; }
vm_ip() { ntoa $((BASE + 2 + $1)); }
GW=$(ntoa $((BASE + 1)))
BIGID=$VMS

B=${B:-build}
ISORUN=${ISORUN:-$B/bin/isorun}
QEMU_BIN=${QEMU:-qemu-system-x86_64}
HTTP=$B/examples/http.elf
[ -x "$ISORUN" ] || die "$ISORUN is missing (make all)"
[ -f "$HTTP" ] || die "$HTTP is missing (make all)"

# What the machine must allow; anything missing is a skip, not a failure.
[ "$(id -u)" = 0 ] || skip "not root: making a network namespace and a tap device needs root (try sudo)"
command -v ip >/dev/null || skip "no 'ip' command (Debian package iproute2)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun (tun/tap is not available on this machine or container)"
"$QEMU_BIN" -netdev help 2>/dev/null | grep -qx tap || skip "$QEMU_BIN has no tap netdev"
want ping && ! command -v ping >/dev/null && skip "no ping (Debian package iputils-ping; scripts/deps.sh)"
{ want curl || want big || want stall || want lossy; } && ! command -v curl >/dev/null && skip "no curl (scripts/deps.sh)"
want wrk && ! command -v wrk >/dev/null && skip "no wrk (Debian package wrk; scripts/deps.sh)"

# ---- setup and cleanup ----
NS=isorc$$
TAP=isotap$$
ISOPID=""
FAILED=0
NS_MADE=0
TMPLOG=0
KEPT=0
if [ -z "$LOGDIR" ]; then
	LOGDIR=$(mktemp -d "/tmp/realclients.$$.XXXXXX") || die "mktemp failed"
	TMPLOG=1
else
	mkdir -p "$LOGDIR" || die "cannot make $LOGDIR"
fi
LOGDIR=$(cd "$LOGDIR" && pwd)

# Stops isorun: one SIGTERM asks the kernel to end the run (it then reports every VM); SIGKILL after 40 s.
stop_isorun() {
	[ -n "$ISOPID" ] || return 0
	if kill -0 "$ISOPID" 2>/dev/null; then
		kill -TERM "$ISOPID" 2>/dev/null
		for _ in $(seq 400); do kill -0 "$ISOPID" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$ISOPID" 2>/dev/null && { say "isorun did not stop within 40 s: killing it"; kill -KILL "$ISOPID"; }
	fi
	wait "$ISOPID" 2>/dev/null
	ISORC=$?
	ISOPID=""
}

cleanup() {
	rc=$?
	trap - EXIT INT TERM HUP
	stop_isorun
	if [ $NS_MADE = 1 ]; then
		# Whatever still runs in our namespace was started by this script (QEMU, a client): end it.
		pids=$(ip netns pids "$NS" 2>/dev/null)
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		ip netns exec "$NS" ip link del "$TAP" 2>/dev/null
		ip netns del "$NS" 2>/dev/null || say "warning: could not delete namespace $NS"
		say "removed namespace $NS and tap $TAP"
	fi
	if [ $TMPLOG = 1 ] && { [ $rc = 0 ] || { [ $KEPT = 1 ] && [ $FAILED = 0 ]; }; }; then
		rm -rf "$LOGDIR"
	elif [ $TMPLOG = 1 ] && [ $rc != 77 ]; then
		say "logs kept in $LOGDIR"
	elif [ $TMPLOG = 1 ]; then
		rm -rf "$LOGDIR"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM HUP

nsx() { ip netns exec "$NS" "$@"; }

err=$(ip netns add "$NS" 2>&1) || skip "cannot make a network namespace: $err"
NS_MADE=1
err=$(nsx ip tuntap add dev "$TAP" mode tap 2>&1) || skip "cannot make a tap device: $err"
nsx ip link set lo up
nsx ip addr add "$GW/$PREFIX" dev "$TAP" || die "cannot give $TAP the address $GW/$PREFIX"
nsx ip link set "$TAP" up || die "cannot bring $TAP up"
say "namespace $NS: $TAP has $GW/$PREFIX (the VMs' gateway); VM i is at base+2+i"
thresh=$(sysctl -n net.ipv4.neigh.default.gc_thresh3 2>/dev/null || echo 1024)
[ $((VMS + 1)) -le "$thresh" ] ||
	say "warning: $((VMS + 1)) VMs, but the host's ARP table holds $thresh entries (net.ipv4.neigh.default.gc_thresh3, shared by all namespaces): clients of the VMs past that may fail"

# ---- boot ----
NVMS=$((VMS + HAVE_BIG))
if [ -z "$TIMEOUT" ]; then
	TIMEOUT=$((300 + DURATION))
	[ $KEEP = 1 ] && TIMEOUT=0
fi
args=(--timeout "$TIMEOUT" --tap "$TAP" --subnet "$SUBNET" --serial-log "$LOGDIR/serial.log")
[ -n "$QUOTA" ] && args+=(--quota "$QUOTA")
args+=("$HTTP:$VMS:80 $BODY")
[ $HAVE_BIG = 1 ] && args+=("$HTTP:1:80 $BIG")
say "booting $NVMS http VMs: ip netns exec $NS $ISORUN ${args[*]}"
# Its own session: a Ctrl-C on the terminal reaches this script only, which then stops isorun once.
setsid ip netns exec "$NS" "$ISORUN" "${args[@]}" >"$LOGDIR/isorun.out" 2>&1 </dev/null &
ISOPID=$!

t0=$(date +%s)
limit=$((60 + NVMS / 20))
while :; do
	up=$(grep -c '^\[vm [0-9]*\] http listening on ' "$LOGDIR/isorun.out")
	[ "$up" -ge "$NVMS" ] && break
	kill -0 "$ISOPID" 2>/dev/null || { tail -n 20 "$LOGDIR/isorun.out"; die "isorun ended before the VMs were up"; }
	[ $(($(date +%s) - t0)) -lt $limit ] || { tail -n 20 "$LOGDIR/isorun.out"; die "only $up of $NVMS VMs listening after $limit s"; }
	sleep 0.2
done
say "$NVMS VMs listening after $(($(date +%s) - t0)) s: $(vm_ip 0) .. $(vm_ip $((NVMS - 1)))"

# ---- clients ----
ROWS=()
row() { ROWS+=("$(printf '%-8s %-4s %-38s %s' "$1" "$2" "$3" "$4")"); [ "$2" = ok ] || [ "$2" = skip ] || FAILED=1; }
JS=()
jnum() { JS+=("\"$1\": ${2:-null}"); }

# Parallel client jobs: a bare `wait` would also wait for isorun, so only these pids are waited for.
JOBPIDS=()
jobs_add() { JOBPIDS+=("$1"); }
jobs_wait() {
	for p in "${JOBPIDS[@]}"; do wait "$p"; done
	JOBPIDS=()
}

# body_ok FILE SIZE: FILE is the SIZE-byte body examples/http.c generates.
body_ok() {
	[ "$(stat -c %s "$1" 2>/dev/null)" = "$2" ] && cmp -s "$1" <(yes "$PAT" | head -c "$2")
}

# ping_vm ID SIZE: one line "ID transmitted received min avg max" (rtt fields "-" without replies).
ping_vm() {
	out=$(nsx ping -n -q -c "$PINGS" -i 0.2 -W 2 -s "$2" "$(vm_ip "$1")" 2>&1)
	tx=$(echo "$out" | sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p')
	rx=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	rtt=$(echo "$out" | sed -n 's|^rtt [^=]*= \([0-9.]*\)/\([0-9.]*\)/\([0-9.]*\)/.*|\1 \2 \3|p')
	echo "$1 ${tx:-0} ${rx:-0} ${rtt:-- - -}"
}

client_ping() {
	for size in 56 1472; do
		say "ping: $PINGS echo requests of $size bytes to each of $VMS VMs"
		: >"$LOGDIR/ping$size.txt"
		for id in $(seq 0 $((VMS - 1))); do
			ping_vm "$id" "$size" >>"$LOGDIR/ping$size.txt" &
			jobs_add $!
			[ $((id % 32)) = 31 ] && jobs_wait
		done
		jobs_wait
		read -r tx rx mn av mx n_ok < <(awk '{ tx += $2; rx += $3; if ($3 > 0) { ok++; s += $5 * $3;
			if (mn == "" || $4 < mn) mn = $4; if ($6 > mx) mx = $6 } }
			END { printf "%d %d %s %s %s %d\n", tx, rx, mn == "" ? "-" : mn, rx ? sprintf("%.3f", s / rx) : "-",
			      mx == "" ? "-" : mx, ok }' "$LOGDIR/ping$size.txt")
		st=ok
		[ "$rx" = "$tx" ] && [ "$tx" = $((PINGS * VMS)) ] || st=FAIL
		row ping$size $st "$VMS VMs x $PINGS, $size B" \
			"$rx/$tx replies ($n_ok VMs answered), rtt min/avg/max $mn/$av/$mx ms"
		jnum "ping${size}_sent" "$tx"; jnum "ping${size}_received" "$rx"
		[ "$av" = - ] || { jnum "ping${size}_rtt_min_ms" "$mn"; jnum "ping${size}_rtt_avg_ms" "$av"; jnum "ping${size}_rtt_max_ms" "$mx"; }
	done
}

# curl_vm ID: two GETs on one connection; "ID good connects seconds".
curl_vm() {
	ip=$(vm_ip "$1")
	d=$LOGDIR/curl$1
	w=$(nsx curl -s --max-time 20 -o "$d.a" -o "$d.b" -w '%{http_code} %{num_connects} %{time_total}\n' \
		"http://$ip/" "http://$ip/second" 2>/dev/null)
	good=0
	echo "$w" | sed -n 1p | grep -q '^200 ' && body_ok "$d.a" "$BODY" && good=$((good + 1))
	echo "$w" | sed -n 2p | grep -q '^200 ' && body_ok "$d.b" "$BODY" && good=$((good + 1))
	conns=$(echo "$w" | awk '{ n += $2 } END { print n + 0 }')
	secs=$(echo "$w" | awk '{ s += $3 } END { printf "%.4f", s }')
	rm -f "$d.a" "$d.b"
	echo "$1 $good $conns $secs"
}

client_curl() {
	say "curl: two keep-alive GETs to each of $VMS VMs, ${BODY}-byte bodies checked"
	: >"$LOGDIR/curl.txt"
	for id in $(seq 0 $((VMS - 1))); do
		curl_vm "$id" >>"$LOGDIR/curl.txt" &
		jobs_add $!
		[ $((id % 16)) = 15 ] && jobs_wait
	done
	jobs_wait
	read -r good conns secs < <(awk '{ g += $2; c += $3; s += $4 } END { printf "%d %d %.3f\n", g, c, s }' "$LOGDIR/curl.txt")
	st=ok
	[ "$good" = $((2 * VMS)) ] && [ "$conns" = "$VMS" ] || st=FAIL
	row curl $st "$VMS VMs x 2 GETs, keep-alive" \
		"$good/$((2 * VMS)) exact ${BODY}-byte bodies over $conns connections, mean $(awk "BEGIN { printf \"%.1f\", $secs * 1000 / $VMS }") ms per VM"
	jnum curl_ok "$good"; jnum curl_requests $((2 * VMS)); jnum curl_connections "$conns"
}

# big_check NAME FILE WROTE: the row for a large-body transfer.
big_row() {
	name=$1 file=$2 w=$3 what=$4
	read -r code size secs rate <<<"$w"
	st=ok msg=""
	[ "$code" = 200 ] || { st=FAIL; msg="HTTP status ${code:-none}; "; }
	if body_ok "$file" "$BIG"; then
		msg="${msg}$size B, exact content"
	else
		st=FAIL
		msg="${msg}$(stat -c %s "$file" 2>/dev/null || echo 0) of $BIG B, content $(cmp "$file" <(yes "$PAT" | head -c "$BIG") 2>&1 | head -n 1)"
	fi
	mbs=$(awk "BEGIN { printf \"%.1f\", ${rate:-0} / 1e6 }")
	row "$name" $st "$what" "$msg, ${secs:-?} s, $mbs MB/s"
	jnum "${name}_bytes" "${size:-0}"; jnum "${name}_seconds" "${secs:-null}"; jnum "${name}_bytes_per_s" "${rate:-null}"
	rm -f "$file"
}

client_big() {
	say "big: curl of the $BIG-byte body of VM $BIGID ($(vm_ip $BIGID))"
	w=$(nsx curl -s --max-time 120 -o "$LOGDIR/big.body" -w '%{http_code} %{size_download} %{time_total} %{speed_download}' \
		"http://$(vm_ip $BIGID)/")
	big_row big "$LOGDIR/big.body" "$w" "VM $BIGID, GET of $BIG B"
}

client_stall() {
	say "stall: curl of the $BIG-byte body through a reader that stops for $STALL s (zero window), then reads on"
	{ nsx curl -s -N --max-time $((120 + STALL)) -o - \
		-w '%{stderr}%{http_code} %{size_download} %{time_total} %{speed_download}' \
		"http://$(vm_ip $BIGID)/" 2>"$LOGDIR/stall.w" | { sleep "$STALL"; cat >"$LOGDIR/stall.body"; }; } &
	wait $!
	w=$(cat "$LOGDIR/stall.w")
	big_row stall "$LOGDIR/stall.body" "$w" "VM $BIGID, $BIG B, reader paused $STALL s"
}

client_lossy() {
	ip=$(vm_ip $BIGID)
	if ! command -v nft >/dev/null; then
		row lossy skip "VM $BIGID, $LOSS% of its segments dropped" "not run: no nft (Debian package nftables)"
		return
	fi
	err=$({ nsx nft add table inet rcloss && nsx nft add chain inet rcloss in '{ type filter hook input priority 0; }' &&
		nsx nft add rule inet rcloss in ip saddr "$ip" tcp sport 80 numgen random mod 100 '<' "$LOSS" counter drop; } 2>&1)
	if [ -n "$err" ]; then
		row lossy skip "VM $BIGID, $LOSS% of its segments dropped" "not run: nftables refused the drop rule: $(echo "$err" | head -n 1)"
		return
	fi
	say "lossy: curl of the $BIG-byte body of VM $BIGID while nftables drops $LOSS% of its segments"
	w=$(nsx curl -s --max-time 300 -o "$LOGDIR/lossy.body" -w '%{http_code} %{size_download} %{time_total} %{speed_download}' \
		"http://$ip/")
	drops=$(nsx nft list table inet rcloss | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	nsx nft delete table inet rcloss
	big_row lossy "$LOGDIR/lossy.body" "$w" "VM $BIGID, $BIG B, $LOSS% segments dropped"
	ROWS[-1]="${ROWS[-1]}, ${drops:-?} segments dropped"
	jnum lossy_dropped "${drops:-null}"
	[ "${drops:-0}" -gt 0 ] || row lossy FAIL "the drop rule" "nftables dropped nothing: the lossy client tested no loss"
}

client_wrk() {
	lua=$LOGDIR/wrk.lua
	cat >"$lua" <<EOF
-- One wrk thread per VM: thread i connects to VM i; every response is checked (status 200, body length).
local base = { $(for i in $(seq 0 $((WRKVMS - 1))); do printf '"%s",' "$(vm_ip "$i")"; done) }
local threads, n = {}, 0
function setup(thread)
   n = n + 1
   thread.addr = wrk.lookup(base[n], "80")[1]
   thread:set("vm", n - 1)
   table.insert(threads, thread)
end
function init(args) ok, bad = 0, 0 end
function response(status, headers, body)
   if status == 200 and #body == $BODY then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("WRK requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout))
   io.write(string.format("WRKLAT mean=%.0f p50=%d p90=%d p99=%d max=%d\n", latency.mean,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
   for _, t in ipairs(threads) do
      io.write(string.format("WRKVM %d ok=%d bad=%d\n", t:get("vm"), t:get("ok"), t:get("bad")))
   end
end
EOF
	c=$((WRKVMS * CONNS))
	say "wrk: $DURATION s, $WRKVMS VMs (one thread each), $c connections"
	nsx wrk -t "$WRKVMS" -c "$c" -d "${DURATION}s" --timeout 5s --latency -s "$lua" "http://$(vm_ip 0)/" \
		>"$LOGDIR/wrk.txt" 2>&1
	wrc=$?
	f() { sed -n "s/^$1 .*[ ]$2=\([0-9.]*\).*/\1/p; s/^$1 $2=\([0-9.]*\).*/\1/p" "$LOGDIR/wrk.txt" | head -n 1; }
	req=$(f WRK requests) dur=$(f WRK duration_us)
	errs=$(awk '/^WRK / { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] ~ /^(connect|read|write|status|timeout)$/) s += kv[2] } } END { print s + 0 }' "$LOGDIR/wrk.txt")
	read -r okr badr vmsok minvm < <(awk '/^WRKVM / { split($3, a, "="); split($4, b, "="); ok += a[2]; bad += b[2];
		if (a[2] > 0) v++; if (m == "" || a[2] + 0 < m) m = a[2] + 0 } END { printf "%d %d %d %d\n", ok, bad, v, m }' "$LOGDIR/wrk.txt")
	st=ok
	[ $wrc = 0 ] && [ -n "$req" ] && [ "$req" -gt 0 ] && [ "$errs" = 0 ] && [ "$badr" = 0 ] && [ "$vmsok" = "$WRKVMS" ] || st=FAIL
	rps=$(awk "BEGIN { if (${dur:-0} > 0) printf \"%.0f\", ${req:-0} * 1e6 / $dur; else print 0 }")
	ms() { awk "BEGIN { printf \"%.2f\", ${1:-0} / 1000 }"; }
	row wrk $st "$WRKVMS VMs, $c conns, ${DURATION} s" \
		"${req:-0} requests, $rps req/s, latency p50 $(ms "$(f WRKLAT p50)") p99 $(ms "$(f WRKLAT p99)") max $(ms "$(f WRKLAT max)") ms, $errs socket errors, $okr good and $badr bad responses, $vmsok/$WRKVMS VMs served (fewest $minvm)"
	jnum wrk_requests "${req:-0}"; jnum wrk_req_per_s "$rps"; jnum wrk_errors "$errs"
	jnum wrk_good_responses "$okr"; jnum wrk_bad_responses "$badr"
	jnum wrk_vms "$WRKVMS"; jnum wrk_vms_served "$vmsok"; jnum wrk_connections "$c"
	for p in mean p50 p90 p99 max; do jnum "wrk_latency_${p}_us" "$(f WRKLAT $p)"; done
	[ $st = ok ] || sed 's/^/  | /' "$LOGDIR/wrk.txt" | head -n 30
}

for c in ping curl big stall lossy wrk; do
	want $c || continue
	client_$c
	kill -0 "$ISOPID" 2>/dev/null || { row isorun FAIL "the kernel run" "isorun ended during the $c client"; break; }
done

if [ $KEEP = 1 ] && kill -0 "$ISOPID" 2>/dev/null; then
	say "left up (--keep). From another shell, e.g.:"
	say "  ip netns exec $NS curl http://$(vm_ip 0)/"
	say "  ip netns exec $NS ping $(vm_ip 0)"
	say "  ip netns exec $NS wrk -c 8 -d 5s http://$(vm_ip 0)/"
	[ $HAVE_BIG = 1 ] && say "  ip netns exec $NS curl -o /dev/null http://$(vm_ip $BIGID)/   ($BIG bytes)"
	say "VMs $(vm_ip 0) .. $(vm_ip $((NVMS - 1))); isorun's output: $LOGDIR/isorun.out. Ctrl-C ends it all."
	KEPT=1                                   # from here Ctrl-C is the normal end: temp logs go too
	while kill -0 "$ISOPID" 2>/dev/null; do sleep 1; done
	say "isorun ended"
fi

# ---- the kernel's view, then the verdict ----
alive=0
kill -0 "$ISOPID" 2>/dev/null && alive=1
ISORC=""
stop_isorun
if [ $alive = 0 ] && [ $KEEP = 0 ]; then
	row isorun FAIL "the kernel run" "isorun ended on its own (exit $ISORC) before the clients were done"
elif [ "$ISORC" != 0 ]; then
	row isorun FAIL "the kernel run" "isorun exited $ISORC after the stop request (see $LOGDIR/isorun.out)"
fi
grep -aq 'isokernel: PANIC' "$LOGDIR/serial.log" &&
	row kernel FAIL "the kernel run" "$(grep -a -m1 'isokernel: PANIC' "$LOGDIR/serial.log")"
sw=$(grep -a '^@switch ' "$LOGDIR/serial.log" | tail -n 1)
net=$(grep -a '^@net ' "$LOGDIR/serial.log" | tail -n 1)
[ -n "$net" ] && say "kernel NIC: ${net#@net }"
[ -n "$sw" ] && say "kernel switch: ${sw#@switch }"

echo
printf '%-8s %-4s %-38s %s\n' client ok? 'what' 'measured'
for r in "${ROWS[@]}"; do echo "$r"; done
if [ -n "$JSON" ]; then
	{
		printf '{\n  "vms": %d, "subnet": "%s", "failed": %s' "$NVMS" "$SUBNET" "$([ $FAILED = 0 ] && echo false || echo true)"
		for j in "${JS[@]}"; do printf ',\n  %s' "$j"; done
		printf '\n}\n'
	} >"$JSON"
	say "JSON: $JSON"
fi
if [ $FAILED = 0 ]; then
	say "all clients succeeded"
	exit 0
fi
say "FAILED (see the rows above)"
exit 1
