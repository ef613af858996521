#!/bin/sh
# fake_serial.sh - writes a made-up kernel serial stream (runlog.h protocol) for isorun --replay tests.
# usage: fake_serial.sh ok|fail|panic|nodone|reject|timeout|big [N]
export LC_ALL=C

# con ID TEXT: one console record (TEXT may hold \n escapes, as printf's format).
con() {
	t=$(printf "$2"; printf x)
	t=${t%x}
	printf '\001%s %s\n%s' "$1" "${#t}" "$t"
}

head_ok() {
	echo "isokernel: fake kernel for isorun tests"
	echo "@boot abi=1 accel=tcg tsc_hz=2000000000 mem_bytes=134217728"
	echo "@image name=\"hello.elf\" count=$1 text_pages=4 data_pages=1 shared_bytes=16384"
}

summary() { # started ok failed faulted running
	echo "@summary vms_started=$1 vms_exited_ok=$2 vms_failed=$3 vms_faulted=$4 vms_running_at_end=$5" \
		"peak_live_vms=$1 kernel_bytes_per_vm=3072 guest_bytes_per_vm=20480 kernel_bytes_peak=$(($1 * 3072))" \
		"guest_private_bytes_peak=$(($1 * 20480)) guest_shared_bytes=16384 create_ns_per_vm=1500" \
		"run_ns=123456789 switches=42 hypercalls=99 timed_out=$6"
}

ok() {
	head_ok 2
	con 0 'Hel'
	con 1 'Hello from vm 1\n'
	con 0 'lo from vm 0\nargs: a,b "q"\n'
	echo "@vm id=1 image=\"hello.elf\" state=exited status=0"
	con 0 'bye without newline'
	echo "@vm id=0 image=\"hello.elf\" state=exited status=0"
	summary 2 2 0 0 0 0
	echo "@done code=0"
}

fail() {
	head_ok 3
	con 0 'Hello from vm 0\n'
	echo "@vm id=0 image=\"hello.elf\" state=exited status=0"
	echo "isokernel: vm 1 faulted"
	printf '%s\n' '@vm id=1 image="hello.elf" state=faulted status=0 reason="page fault at 0x0 \"rip\" c:\\x"'
	echo "@vm id=2 image=\"hello.elf\" state=exited status=3"
	summary 3 1 0 1 0 0
	echo "@done code=1"
}

panic() {
	head_ok 1
	echo "isokernel: panic: run queue corrupt"
	echo "@done code=3"
}

nodone() {
	head_ok 2
	con 0 'Hello from vm 0\n'
	con 1 'partial line of vm 1'
	printf '\001%s %s\n%s' 1 40 'cut short'
}

reject() {
	echo "@boot abi=1 accel=tcg tsc_hz=2000000000 mem_bytes=134217728"
	echo "@reject name=\"bad.elf\" reason=\"ABI note missing\""
	summary 0 0 0 0 0 0
	echo "@done code=2"
}

timeout() {
	head_ok 2
	con 0 'Hello\n'
	echo "@vm id=0 image=\"hello.elf\" state=exited status=0"
	echo "isokernel: timeout: 1 VM still running"
	echo "@vm id=1 image=\"spin.elf\" state=running status=0 reason=\"still running at timeout\""
	summary 2 1 0 0 1 1
	echo "@done code=1"
}

big() {
	n=$1
	head_ok "$n"
	awk -v n="$n" 'BEGIN {
		for (i = 0; i < n; i++) {
			t = "Hello from vm " i "\npartial"
			printf "\001%d %d\n%s", i * 7 + 3, length(t), t
		}
		for (i = n - 1; i >= 0; i--)
			printf "@vm id=%d image=\"hello.elf\" state=exited status=0\n", i * 7 + 3
	}'
	summary "$n" "$n" 0 0 0 0
	echo "@done code=0"
}

case "$1" in
ok|fail|panic|nodone|reject|timeout) "$1" ;;
big) big "${2:-100000}" ;;
*) echo "usage: $0 ok|fail|panic|nodone|reject|timeout|big [N]" >&2; exit 2 ;;
esac
