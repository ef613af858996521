#!/bin/bash
# test_tap.sh - real Linux clients through a tap device: scripts/realclients.sh with 8 http VMs (ping 56/1472 B,
# keep-alive curl, a 10 MiB body checked byte for byte, the same body through a reader stalled into a zero
# window and with 2% of its segments dropped, wrk on 8 VMs), then that its namespace and tap are gone; and that Ctrl-C (SIGINT) on a --keep run
# removes everything too. Skips, saying why, where a namespace or tap cannot be made (not root, no
# /dev/net/tun, no ip, no CAP_NET_ADMIN) or a client program is missing (scripts/deps.sh installs them).
# timeout: 150
. "$(dirname "$0")/lib.sh"
RC=$ROOT/scripts/realclients.sh
need_runner
need_kernel
need_example http.elf

# The script's own usage checks need no privileges.
bash "$RC" --help >"$WORK/help.out" 2>&1 || fail "realclients.sh --help exited $?"
grep -q -- '--keep' "$WORK/help.out" || fail "realclients.sh --help does not document --keep"
bash "$RC" --vms 0 >"$WORK/bad.out" 2>&1
[ $? = 2 ] || fail "realclients.sh --vms 0 should be a usage error (exit 2): $(cat "$WORK/bad.out")"
bash "$RC" --clients ping,telnet >"$WORK/bad.out" 2>&1
[ $? = 2 ] || fail "realclients.sh --clients telnet should be a usage error (exit 2)"

# gone PID: no namespace, tap, or process of the script run PID is left.
gone() {
	ip netns list 2>/dev/null | grep -qw "isorc$1" && fail "namespace isorc$1 was left behind"
	ip link show "isotap$1" >/dev/null 2>&1 && fail "tap isotap$1 was left in the host namespace"
	pgrep -f "isotap$1" >/dev/null && fail "processes of run $1 still run: $(pgrep -af "isotap$1" | head -n 3)"
	return 0
}

# 1. The full set of clients, small: 8 VMs (+ the 10 MiB one), 3 s of wrk.
echo "+ scripts/realclients.sh --vms 8 --duration 3 --stall 4 --logdir $WORK/run --json $WORK/run.json"
B=$B bash "$RC" --vms 8 --duration 3 --stall 4 --logdir "$WORK/run" --json "$WORK/run.json" >"$WORK/run.out" 2>&1 &
pid=$!
wait $pid
rc=$?
sed 's/^/  | /' "$WORK/run.out"
if [ $rc = 77 ]; then
	skip "$(sed -n 's/^realclients: SKIP: //p' "$WORK/run.out" | head -n 1)"
fi
gone $pid
[ $rc = 0 ] || fail "realclients.sh exited $rc (logs in $WORK/run)"
j() { grep -o "\"$1\": [0-9.]*" "$WORK/run.json" | sed 's/.*: //'; }
[ "$(j ping56_received)" = 40 ] && [ "$(j ping1472_received)" = 40 ] || fail "pings lost: $(j ping56_received)/40, $(j ping1472_received)/40"
[ "$(j curl_ok)" = 16 ] || fail "only $(j curl_ok) of 16 curl GETs came back exact"
[ "$(j big_bytes)" = 10485760 ] && [ "$(j stall_bytes)" = 10485760 ] || fail "10 MiB bodies: $(j big_bytes), $(j stall_bytes) bytes"
[ "$(j wrk_vms_served)" = 8 ] && [ "$(j wrk_errors)" = 0 ] || fail "wrk: $(j wrk_vms_served) of 8 VMs served, $(j wrk_errors) errors"
# The stalled reader must cost little more than its pause plus an unstalled transfer. (When the window update
# that ends the zero window released nothing, the VM sat idle until its next backed-off probe, seconds later.)
stall_extra=$(awk "BEGIN { printf \"%.1f\", $(j stall_seconds) - 4 }")
awk "BEGIN { exit !($stall_extra < $(j big_seconds) + 1.5) }" ||
	fail "the stalled transfer took $stall_extra s beyond its 4 s pause (unstalled: $(j big_seconds) s)"

# The same body with 2% of the VM's segments dropped by nftables: retransmission must deliver it exactly.
if grep -q '"lossy_bytes"' "$WORK/run.json"; then
	[ "$(j lossy_bytes)" = 10485760 ] && [ "$(j lossy_dropped)" -gt 0 ] ||
		fail "lossy: $(j lossy_bytes) bytes with $(j lossy_dropped) segments dropped"
	lossmsg="2% loss: 10 MiB in $(j lossy_seconds) s ($(j lossy_dropped) segments dropped)"
else
	lossmsg="lossy client not run: $(sed -n 's/^lossy *skip .*not run: //p' "$WORK/run.out")"
fi

# 2. Ctrl-C on a run left up with --keep: everything it made goes away.
# (env --default-signal: a background job of a shell without job control starts with SIGINT ignored.)
B=$B env --default-signal=INT bash "$RC" --keep --vms 2 --clients none --logdir "$WORK/keep" >"$WORK/keep.out" 2>&1 &
kpid=$!
for _ in $(seq 150); do grep -q 'Ctrl-C ends it all' "$WORK/keep.out" && break; sleep 0.2; done
grep -q 'Ctrl-C ends it all' "$WORK/keep.out" || { kill -INT $kpid; fail "the --keep run did not come up: $(tail -n 5 "$WORK/keep.out")"; }
ip netns exec "isorc$kpid" curl -s --max-time 10 "http://10.212.0.2/" | grep -q '^0123456789abc' ||
	{ kill -INT $kpid; fail "curl to a VM of the --keep run failed"; }
kill -INT $kpid
wait $kpid
krc=$?
sed 's/^/  | /' "$WORK/keep.out" | tail -n 3
[ $krc = 130 ] || fail "after SIGINT the --keep run exited $krc, expected 130"
gone $kpid
pass "8 VMs: ping 80/80 (rtt avg $(j ping56_rtt_avg_ms) ms), curl 16/16 exact, 10 MiB in $(j big_seconds) s ($(awk "BEGIN { printf \"%.1f\", $(j big_bytes_per_s) / 1e6 }") MB/s), stalled reader +$stall_extra s, $lossmsg, wrk $(j wrk_req_per_s) req/s p50 $(j wrk_latency_p50_us) us p99 $(j wrk_latency_p99_us) us; nothing left behind, also after Ctrl-C"
