#!/bin/sh
# files.sh - `make bench-files`: what a file-using service costs per VM at VMS (default 1,000) VMs. One image
# (bench/files.c, built here with guest-cc --files over a tree holding data/state, 4 KiB), four runs of VMS VMs that
# each do one thing and then idle IDLE_MS (default 2000) ms so that all are alive together:
#   none     nothing (the baseline: the same image, stdio's one line)
#   new      write a new 4 KiB file in the heap (/tmp/state), read it back
#   shipped  read the 4 KiB file the image carries (/data/state: read-only, shared, nothing copied)
#   rewrite  overwrite that shipped file (copy-up of its one block into the heap), read it back
#   bigdir   read one of 500 shipped 16-byte files in one directory (data/many): the directory's listing
# From the kernel's @summary: kernel and guest bytes per VM, the private part; "delta" is a mode's guest bytes less
# none's. Writes B/bench/files.json (FILES_OUT overrides) and prints a table. Figures only: a VM that fails its
# file work ends the bench with status 1, nothing is asserted about sizes.
#
#   sh bench/files.sh [B]
set -u

B=${1:-build}
ISORUN=$B/bin/isorun
OUT=${FILES_OUT:-$B/bench/files.json}
VMS=${VMS:-1000}
IDLE_MS=${IDLE_MS:-2000}
case $VMS in ''|*[!0-9]*|0) echo "bench-files: VMS must be a positive number" >&2; exit 1 ;; esac
case $IDLE_MS in ''|*[!0-9]*) echo "bench-files: IDLE_MS must be a number" >&2; exit 1 ;; esac
for f in "$ISORUN" "$B/isokernel.bin" "$B/bin/guest-cc"; do
	[ -f "$f" ] || { echo "bench-files: $f is missing (run: make bench-files)" >&2; exit 1; }
done
. "$(dirname "$0")/lib.sh"       # jnum
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-files.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
mkdir -p "$(dirname "$OUT")" "$T/tree/data" || exit 1
head -c 4096 /dev/zero | tr '\0' 's' >"$T/tree/data/state"
mkdir -p "$T/tree/data/many" || exit 1
for i in $(seq 1 500); do printf 'file %03d of 500\n' "$i" >"$T/tree/data/many/f$i"; done
"$B/bin/guest-cc" -O2 -o "$T/files.elf" --files "$T/tree" "$(dirname "$0")/files.c" || exit 1

# kv KEY FILE: KEY= on the @summary line of a serial log.
kv() { grep -a '^@summary ' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }

json="{\n  \"vms\": $VMS,\n  \"idle_ms\": $IDLE_MS,\n  \"modes\": {"
sep=
base=
printf '%-8s %10s %14s %14s %12s %8s\n' mode kernel_B/VM guest_B/VM private_B/VM delta_B/VM ok >&2
for mode in none new shipped rewrite bigdir; do
	"$ISORUN" --timeout 300 --quiet --serial-log "$T/$mode.serial" "$T/files.elf:$VMS:$IDLE_MS $mode" \
		>"$T/$mode.out" 2>&1
	ok=$(kv vms_exited_ok "$T/$mode.serial")
	[ "$ok" = "$VMS" ] || { tail -n 5 "$T/$mode.out" >&2; echo "bench-files: $mode: $ok of $VMS VMs exited 0" >&2; exit 1; }
	k=$(kv kernel_bytes_per_vm "$T/$mode.serial")
	g=$(kv guest_bytes_per_vm "$T/$mode.serial")
	p=$(kv guest_private_bytes_per_vm "$T/$mode.serial")
	[ -n "$base" ] || base=$g
	d=$((g - base))
	printf '%-8s %10s %14s %14s %12s %8s\n' "$mode" "$k" "$g" "$p" "$d" "$ok" >&2
	json="$json$sep\n    \"$mode\": { \"kernel_bytes_per_vm\": $(jnum "$k"), \"guest_bytes_per_vm\": $(jnum "$g"),"
	json="$json \"guest_private_bytes_per_vm\": $(jnum "$p"), \"guest_bytes_over_none\": $d, \"vms_exited_ok\": $ok }"
	sep=,
done
printf "$json\n  }\n}\n" >"$OUT"
echo "bench-files: wrote $OUT" >&2
