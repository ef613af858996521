#!/bin/bash
# test_isoctl.sh - isoctl's commands through isod: keys, tenants, push, ps, logs, stats, scale, stop, rm, quotas, and
#   the exit statuses and messages of refusals (1, the kernel's status) and usage errors (2).
# timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/isoctl_lib.sh"

# expect RC PATTERN CMD...: CMD exits RC and its output (stdout and stderr) matches PATTERN.
expect() {
	want=$1 pat=$2
	shift 2
	echo "+ isoctl ${*#"$ISOCTL"}"
	out=$("$@" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/  | /' | head -n 20
	[ "$rc" = "$want" ] || fail "exit $rc, not $want: $*"
	echo "$out" | grep -q -- "$pat" || fail "no '$pat' in the output of: $*"
}

# What needs no isod: usage errors and an unreachable socket.
[ -x "$ISOCTL" ] || fail "$ISOCTL is missing (make isoctl)"
expect 0 "tenant add NAME" "$ISOCTL" --help
expect 0 "pubkey" "$ISOCTL" tenant add --help
expect 2 "unknown command" "$ISOCTL" frob
expect 2 "needs --max-mem" "$ISOCTL" tenant add x --pubkey p --max-vms 1 --cpu-share 1
expect 2 "not a size" "$ISOCTL" tenant add x --pubkey p --max-vms 1 --max-mem 12XB --cpu-share 1
expect 2 "give --tenant" env -u ISOCTL_TENANT "$ISOCTL" ps
expect 1 "cannot reach isod at $WORK/nowhere.sock (--socket)" "$ISOCTL" --socket "$WORK/nowhere.sock" tenant ls
expect 1 '"status": "FAILED"' "$ISOCTL" --json --socket "$WORK/nowhere.sock" tenant ls

why=$(isod_missing)
[ -z "$why" ] || skip "the isod part: $why (the usage and socket checks passed)"
trap isod_stop EXIT
isod_start || fail "isod did not come up (see $WORK/isod.log)"
"$ISOCTL" keygen alice >/dev/null && "$ISOCTL" keygen bob >/dev/null || fail "keygen"
expect 1 "No such file\|File exists" "$ISOCTL" keygen alice
expect 0 "tenant alice added: id" "$ISOCTL" tenant add alice --pubkey "$ISOCTL_KEYS/alice.pub" --max-vms 8 \
	--max-mem 64MiB --cpu-share 2
expect 0 "tenant bob added" "$ISOCTL" tenant add bob --pubkey "$ISOCTL_KEYS/bob.pub" --max-vms 8 --max-mem 64MiB \
	--cpu-share 1
expect 1 "refused: E_EXIST" "$ISOCTL" tenant add alice --pubkey "$ISOCTL_KEYS/alice.pub" --max-vms 8 --max-mem 64MiB \
	--cpu-share 1
# A tenant cannot act as the operator.
expect 1 "refused: E_AUTH" "$ISOCTL" tenant add eve --pubkey "$ISOCTL_KEYS/bob.pub" --max-vms 8 --max-mem 64MiB \
	--cpu-share 1 --key "$ISOCTL_KEYS/bob.key"
expect 0 "alice" "$ISOCTL" tenant ls

expect 0 "web: 3 desired, 3 live; 3 VMs created" "$ISOCTL" --tenant alice push "$EX/http.elf" --name web --count 3 \
	--args 80
[ "$(svc_field alice web live)" = 3 ] || fail "ps: web has $(svc_field alice web live) live VMs, not 3"
expect 0 "web" "$ISOCTL" --tenant alice ps
expect 0 "total" "$ISOCTL" --tenant alice stats web
expect 0 '"live": 3' "$ISOCTL" --json --tenant alice stats web
expect 0 "vm=[0-9]* http listening on" "$ISOCTL" --tenant alice logs web --tail 5
expect 0 '"line":"http listening' "$ISOCTL" --json --tenant alice logs web --tail 1
# -f follows until interrupted (timeout's SIGTERM: 124), having printed the lines so far.
expect 124 "http listening on" timeout 3 "$ISOCTL" --tenant alice logs web -f
# Bad images: over 2 MiB (refused before upload: a file error), not an ELF (the kernel's E_IMAGE).
head -c 3000000 /dev/zero >"$WORK/big.elf"
expect 2 "a tenant's image is 1 byte to 2048 KiB" "$ISOCTL" --tenant alice push "$WORK/big.elf"
head -c 5000 /dev/urandom >"$WORK/junk.elf"
expect 1 "refused: E_IMAGE" "$ISOCTL" --tenant alice push "$WORK/junk.elf"
# Pushing web again with other arguments is another service's definition.
expect 1 "refused: E_EXIST" "$ISOCTL" --tenant alice push "$EX/http.elf" --name web --count 3 --args 81
expect 0 "web: 5 desired, 5 live; 2 VMs created" "$ISOCTL" --tenant alice scale web 5
# Over the VM quota (8): all or nothing.
expect 1 "refused: E_QUOTA" "$ISOCTL" --tenant alice scale web 9
[ "$(svc_field alice web desired)" = 5 ] || fail "a refused scale changed the service"
# Another tenant: alice's service is not bob's; bob's id with alice's key is not bob.
expect 1 "refused: E_NOENT" "$ISOCTL" --tenant bob scale web 0
expect 1 "refused: E_AUTH" "$ISOCTL" --tenant bob --key "$ISOCTL_KEYS/alice.key" ps
expect 1 "refused: E_NOENT" "$ISOCTL" --tenant bob rm web
[ "$(svc_field alice web live)" = 5 ] || fail "bob's attempts changed alice's service"
expect 1 '"status": "E_NOENT"' "$ISOCTL" --json --tenant bob stop web

# The operator lowers alice's quota below her use: nothing ends, growth is refused.
expect 0 "over the new 4" "$ISOCTL" tenant set alice --max-vms 4
[ "$(svc_field alice web live)" = 5 ] || fail "lowering the quota ended VMs"
expect 1 "refused: E_QUOTA" "$ISOCTL" --tenant alice scale web 6
expect 0 "web: 3 desired, 3 live; 2 VMs ended" "$ISOCTL" --tenant alice scale web 3
expect 0 "web: 0 desired, 0 live; 3 VMs ended" "$ISOCTL" --tenant alice stop web
expect 0 "web removed" "$ISOCTL" --tenant alice rm web
[ -z "$(svc_field alice web desired)" ] || fail "web is still listed after rm"
expect 0 "tenant bob (id [0-9]*) removed" "$ISOCTL" tenant rm bob
expect 1 "refused: NOT_FOUND" "$ISOCTL" --tenant bob ps
pass "keys, tenant add/ls/set/rm, push, ps, stats, logs, scale, stop, rm; refusals exit 1 with the kernel's status (E_EXIST, E_AUTH, E_QUOTA, E_NOENT), usage errors 2"
