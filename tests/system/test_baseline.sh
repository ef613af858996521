#!/bin/bash
# test_baseline.sh - the Linux-process baseline (bench/baseline/forkbench) at small N: JSON fields, every instance gone after, also after SIGTERM.
# timeout: 60
. "$(dirname "$0")/lib.sh"

BLDIR=$B/bench/baseline
FB=$BLDIR/forkbench
JSON=$WORK/baseline.json
# Ports of their own, so a `make bench-baseline` running at the same time (7007, 8080) does not collide; the
# private copies of the binaries in $WORK.
OPTS="--udp-port 17007 --http-port 18080 --tmpdir $WORK"

if [ ! -x "$FB" ]; then
	(cd "$ROOT" && make -s --no-print-directory B="$B" bench-baseline-bins) >"$WORK/make.out" 2>&1 ||
		fail "cannot build forkbench (make bench-baseline-bins): $(tail -n 5 "$WORK/make.out")"
fi

# forkbench runs copies of the binaries made in --tmpdir $WORK (forkbench.XXXXXX/bl-*): instances of this test are
# the processes whose /proc/PID/exe is there, nothing else matches.
instances() {
	ls -l /proc/[0-9]*/exe 2>/dev/null | grep -c -- " -> $WORK/forkbench\.[^/]*/bl-"
}
# wait_instances WANT SEC: until exactly WANT instances exist, or SEC seconds are over; prints the last count.
wait_instances() {
	end=$((SECONDS + $2))
	while [ "$(instances)" != "$1" ] && [ $SECONDS -lt $end ]; do sleep 0.1; done
	instances
}
# no_copies WHEN: forkbench removed its private copies (nothing left in $WORK/forkbench.*).
no_copies() { ! ls -d "$WORK"/forkbench.* >/dev/null 2>&1 || fail "$1: forkbench left $(ls -d "$WORK"/forkbench.*)"; }
# field LINE KEY: the first value of "KEY" in the JSON object LINE (a number, null, true/false or "string").
field() {
	printf '%s\n' "$1" | awk -v k="\"$2\": " '{ i = index($0, k); if (!i) exit 1; s = substr($0, i + length(k));
		sub(/[,}].*/, "", s); print s }'
}

# 0. Usage errors and limits are refused before anything starts (status 2, a reason).
# expect_refusal WHAT PATTERN ARGS...: forkbench ARGS exits 2 and says PATTERN on stderr.
expect_refusal() {
	what=$1 pat=$2
	shift 2
	"$FB" --quiet "$@" >"$WORK/refuse.out" 2>&1
	rc=$?
	[ $rc = 2 ] || fail "$what: forkbench $* exited $rc, expected 2"
	grep -q -- "$pat" "$WORK/refuse.out" || fail "$what: no '$pat' in: $(head -c 300 "$WORK/refuse.out")"
}
expect_refusal "unknown service" "unknown service 'nope'" --services nope
expect_refusal "bad count" "bad instance count '0'" --ns 0
expect_refusal "bad count" "bad instance count '5x'" --ns 5x
expect_refusal "bad option value" "--duration wants a number" --duration -1
expect_refusal "beyond the address plan" "outside 1..16000000" --services tiny_static --ns 20000000
# Far beyond this machine: pid_max, threads-max or memory says no, and the message names what to change.
expect_refusal "beyond the limits" "more than Linux allows" --services tiny_static --ns 15000000
expect_refusal "beyond this machine" "sysctl -w kernel.pid_max\|sysctl -w kernel.threads-max\|MemAvailable is" \
	--services tiny_static --ns 4000000
[ "$(instances)" = 0 ] || fail "a refused run started instances"
echo "ok: usage errors and impossible counts refused with status 2 and a reason"

# 1. The check below can see instances: 20 of them while forkbench holds them (1.5-s settle), none after.
"$FB" --quiet --services tiny_static --ns 20 --reps 1 --settle 1500 $OPTS >"$WORK/see.out" 2>&1 &
fbpid=$!
seen=$(wait_instances 20 20)
wait $fbpid
rc=$?
[ "$seen" = 20 ] || fail "saw $seen instances while forkbench held 20 (see $WORK/see.out)"
[ $rc = 0 ] || fail "forkbench --ns 20 exited $rc: $(tail -n 3 "$WORK/see.out")"
left=$(wait_instances 0 2)
[ "$left" = 0 ] || fail "$left instances left after forkbench ended"
no_copies "after a run"
echo "ok: 20 instances seen while held, none left after"

# 2. SIGTERM in the middle of a run: forkbench takes every instance down with it.
"$FB" --quiet --services tiny_static --ns 30 --reps 1 --settle 20000 $OPTS >"$WORK/term.out" 2>&1 &
fbpid=$!
seen=$(wait_instances 30 20)
kill -TERM $fbpid
wait $fbpid
rc=$?
[ "$seen" = 30 ] || fail "saw $seen of 30 instances before SIGTERM"
[ $rc != 0 ] || fail "forkbench exited 0 after SIGTERM"
left=$(wait_instances 0 3)
[ "$left" = 0 ] || fail "$left instances left after forkbench got SIGTERM"
no_copies "after SIGTERM"
echo "ok: SIGTERM mid-run (status $rc) left no instance behind"

# 3. The QUICK-style run: every service at N = 1, 10, 40.
echo "+ forkbench --ns 1,10,40 --reps 1 --duration 0.5 --settle 100 --json $JSON"
"$FB" --services tiny_static,tiny_static_vfork,tiny_dynamic,tiny_nolibc,udp_echo,http --ns 1,10,40 --reps 1 --duration 0.5 \
	--settle 100 $OPTS --json "$JSON" >"$WORK/run.out" 2>"$WORK/run.err"
rc=$?
sed 's/^/  | /' "$WORK/run.out"
[ $rc = 0 ] || fail "forkbench exited $rc: $(tail -n 5 "$WORK/run.err")"
left=$(wait_instances 0 2)
[ "$left" = 0 ] || fail "$left instances left after the run"
no_copies "after the run"

for k in tool schema date ok machine settings limits ratio_baseline fields results headline; do
	grep -q "^  \"$k\": " "$JSON" || fail "JSON has no top-level \"$k\""
done
grep -q '^  "ok": true,' "$JSON" || fail "JSON says ok: false"
m=$(grep '^  "machine": ' "$JSON")
for k in cpu cores ram_bytes kernel; do
	v=$(field "$m" $k) || fail "machine has no $k"
	[ -n "$v" ] && [ "$v" != null ] || fail "machine.$k is empty"
done
grep -q '"ratio_baseline": {"tiny": "tiny_static"' "$JSON" || fail "ratio_baseline does not name tiny_static"

# Every results entry, in one awk pass (a process per check would be slow where fork costs milliseconds):
# the fields are there; memory, start rate and PSS are numbers; the services answered with no error.
bad=$(sed -n '/^  "results": \[/,/^  \],/p' "$JSON" | grep '^    {"name": ' | awk '
	function f(k,   i, s) { i = index($0, "\"" k "\": "); if (!i) return "MISSING"; s = substr($0, i + length(k) + 4);
		sub(/[,}].*/, "", s); return s }
	{ name = f("name"); gsub(/"/, "", name); n = f("n"); count++; where = name " N=" n ": "
	  split("mem_bytes_per_instance rss_bytes_per_instance pss_bytes_per_instance private_bytes_per_instance " \
		"start_per_s fork_per_s kill_seconds throughput_per_s latency_p50_us latency_p99_us instances_answered " \
		"errors timeouts all_gone", ks, " ")
	  for (j in ks) if (f(ks[j]) == "MISSING") { print where "no field " ks[j]; next }
	  if (f("all_gone") != "true") print where "all_gone is not true"
	  if (f("mem_bytes_per_instance") == "null") print where "mem_bytes_per_instance is null"
	  if (!(f("start_per_s") + 0 > 0)) print where "start_per_s " f("start_per_s")
	  if (!(f("pss_bytes_per_instance") + 0 >= 4096)) print where "pss_bytes_per_instance " f("pss_bytes_per_instance")
	  if (name ~ /^tiny_/) { if (f("throughput_per_s") != "null") print where "a tiny instance has a throughput"; next }
	  if (f("instances_answered") != n) print where f("instances_answered") " of " n " answered"
	  if (f("errors") != "0") print where f("errors") " errors"
	  if (!(f("throughput_per_s") + 0 > 0)) print where "no throughput" }
	END { if (count != 18) print "expected 18 results (6 services x 3 N), got " count }')
[ -z "$bad" ] || fail "$(printf '%s\n' "$bad" | head -n 3 | tr '\n' ';')"
[ "$(sed -n '/^  "headline": \[/,/^  \]/p' "$JSON" | grep -c '"n": 40,')" = 6 ] || fail "headline does not hold the N=40 entry of each service"
pass "6 services at N=1,10,40: fields present, every instance answered and gone, also after SIGTERM"
