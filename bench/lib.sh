# lib.sh - what the benchmark scripts (bench.sh, net.sh, denali.sh) share: medians, arithmetic and reading JSON
# fields with awk and sed (no python, no jq). Sourced: . "$(dirname "$0")/lib.sh"

# The median of the numbers in file $1 (one per line); the mean of the two middle ones for an even count; null for
# none (or no file).
median() {
	sort -g "$1" 2>/dev/null | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "null"; exit }
		if (NR % 2) { print v[(NR + 1) / 2]; exit }
		m = sprintf("%.4f", (v[NR / 2] + v[NR / 2 + 1]) / 2); sub(/0+$/, "", m); sub(/\.$/, "", m); print m }'
}
# Arithmetic with awk: calc FORMAT EXPRESSION (variables passed as -v name=value after it).
calc() { fmt=$1 expr=$2; shift 2; awk "$@" "BEGIN { printf \"$fmt\", ($expr) }"; }
# The first number after "KEY": in JSON file $2 (loadgen's report puts its top-level fields first).
jget() { grep -o "\"$1\": -\?[0-9][0-9.e+-]*" "$2" | head -n 1 | sed 's/.*: //'; }
# A top-level string field of isorun's JSON.
jstrf() { sed -n "s/^  \"$1\": \"\([^\"]*\)\",*$/\1/p" "$2" | head -n 1; }
# $1 as a JSON number, or null.
jnum() { case $1 in ''|null|*[!0-9.eE+-]*) printf 'null' ;; *) printf '%s' "$1" ;; esac; }
