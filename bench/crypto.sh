#!/bin/sh
# crypto.sh - `make bench-crypto`: the kernel's Ed25519 verify and SHA-512 (isokernel/crypto/) measured inside the
# kernel (selftest_verify=N), under QEMU's TCG: no hardware acceleration, the figures are TCG's.
#   (a) TCG: verifies/s and SHA-512 MiB/s in the guest's TSC time (it follows the host's clock: host-speed and
#       host-load dependent, so the best run is kept too);
#   (b) TCG -icount shift=0: the guest TSC advances one tick per guest instruction, so tsc/verify is instructions
#       per verify and does not drift with the host's load.
# Writes B/bench/crypto.json (CRYPTO_OUT overrides) and prints a table. REPS (default 3) runs of each, medians;
# VERIFIES (default 200) verifies per run. Figures only: nothing is asserted about time (a run whose self-test
# fails - a vector rejected, a corrupted one accepted - does end it with status 1).
#
#   sh bench/crypto.sh [B]
set -u

B=${1:-build}
ISORUN=$B/bin/isorun
IMG=$B/examples/hello.elf
OUT=${CRYPTO_OUT:-$B/bench/crypto.json}
REPS=${REPS:-3}
VERIFIES=${VERIFIES:-200}
case $REPS in ''|*[!0-9]*|0) echo "bench-crypto: REPS must be a positive number" >&2; exit 1 ;; esac
case $VERIFIES in ''|*[!0-9]*|0) echo "bench-crypto: VERIFIES must be a positive number" >&2; exit 1 ;; esac
for f in "$ISORUN" "$IMG" "$B/isokernel.bin"; do
	[ -f "$f" ] || { echo "bench-crypto: $f is missing (run: make bench-crypto)" >&2; exit 1; }
done
. "$(dirname "$0")/lib.sh"       # median, calc, jnum
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-crypto.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
mkdir -p "$(dirname "$OUT")" || exit 1

# kv KEY FILE: the value of KEY= on the timed-verify or SHA-512 line of an isorun output.
kv() { tr ' ' '\n' <"$2" | sed -n "s/^$1=//p" | head -n 1; }

# run MODE REP: one boot; appends the figures to $T/MODE.*
run() {
	mode=$1 rep=$2 o=$T/$1-$2.out
	if [ "$mode" = icount ]; then
		set -- --qemu-arg -icount --qemu-arg shift=0
	else
		set --
	fi
	"$ISORUN" --accel tcg --timeout 300 "$@" --append "selftest_verify=$VERIFIES" "$IMG" >"$o" 2>&1
	grep -q '^isokernel: crypto: selftest=ok ' "$o" ||
		{ grep 'crypto:' "$o" >&2; echo "bench-crypto: the self-test failed (above; $mode run)" >&2; exit 1; }
	grep '^isokernel: crypto: verifies=' "$o" >"$o.v"
	grep '^isokernel: crypto: sha512_bytes=' "$o" >"$o.s"
	[ "$(kv accepted "$o.v")" = "$VERIFIES" ] || { echo "bench-crypto: not every timed verify accepted" >&2; exit 1; }
	tpv=$(kv tsc_per_verify "$o.v") npv=$(kv ns_per_verify "$o.v")
	sb=$(kv sha512_bytes "$o.s") sts=$(kv tsc "$o.s") sns=$(kv ns "$o.s")
	echo "$tpv" >>"$T/$mode.tpv"
	calc '%.1f\n' '1e9 / n' -v n="$npv" >>"$T/$mode.vps"
	calc '%.0f\n' 'n / 1000' -v n="$npv" >>"$T/$mode.us"
	calc '%.2f\n' 'b / 1048576 / (ns / 1e9)' -v b="$sb" -v ns="$sns" >>"$T/$mode.mibs"
	calc '%.1f\n' 't / b' -v t="$sts" -v b="$sb" >>"$T/$mode.tpb"
	printf 'bench-crypto: %s run %d/%d: %s tsc/verify, %s ns/verify\n' "$mode" "$rep" "$REPS" "$tpv" "$npv" >&2
}

for r in $(seq 1 "$REPS"); do
	run tcg "$r"
	run icount "$r"
done

tcg_vps=$(median "$T/tcg.vps") tcg_us=$(median "$T/tcg.us") tcg_tpv=$(median "$T/tcg.tpv")
tcg_mibs=$(median "$T/tcg.mibs")
tcg_us_min=$(sort -g "$T/tcg.us" | head -n 1) tcg_vps_max=$(sort -g "$T/tcg.vps" | tail -n 1)
ic_ipv=$(median "$T/icount.tpv") ic_ipb=$(median "$T/icount.tpb") ic_vps=$(median "$T/icount.vps")
ic_mibs=$(median "$T/icount.mibs")
host=$(uname -m) cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
cat >"$OUT" <<JSON
{
  "bench": "crypto",
  "what": "Ed25519 verify (RFC 8032 TEST SHA(abc), 64-byte message, in 2 parts) and SHA-512 over 1 MiB, in the kernel",
  "accel": "tcg",
  "note": "QEMU TCG (no KVM): figures are TCG's, not hardware's. tcg: guest TSC time (host-speed dependent). icount: -icount shift=0, one TSC tick per guest instruction (stable): instructions per verify; its verifies_per_s assume 1 instruction per ns",
  "reps": $REPS,
  "verifies_per_run": $VERIFIES,
  "tcg": {
    "verifies_per_s": $(jnum "$tcg_vps"),
    "us_per_verify": $(jnum "$tcg_us"),
    "us_per_verify_best": $(jnum "$tcg_us_min"),
    "verifies_per_s_best": $(jnum "$tcg_vps_max"),
    "tsc_per_verify": $(jnum "$tcg_tpv"),
    "sha512_mib_per_s": $(jnum "$tcg_mibs")
  },
  "icount": {
    "qemu_args": "-icount shift=0",
    "instructions_per_verify": $(jnum "$ic_ipv"),
    "verifies_per_s_at_1_insn_per_ns": $(jnum "$ic_vps"),
    "sha512_instructions_per_byte": $(jnum "$ic_ipb"),
    "sha512_mib_per_s_at_1_insn_per_ns": $(jnum "$ic_mibs")
  },
  "host": "$(printf '%s' "$host $cpu" | tr -d '"\\')"
}
JSON
printf '\nkernel crypto under QEMU TCG (medians of %d runs, %d verifies each)\n' "$REPS" "$VERIFIES"
printf '  %-34s %s\n' "Ed25519 verifies/s (TCG)" "$tcg_vps" "us per verify (TCG)" "$tcg_us" \
	"best run: us per verify (TCG)" "$tcg_us_min" "instructions per verify (icount)" "$ic_ipv" "SHA-512 MiB/s (TCG)" "$tcg_mibs" \
	"SHA-512 instructions/byte (icount)" "$ic_ipb"
echo "  written: $OUT"
