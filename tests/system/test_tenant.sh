#!/bin/bash
# test_tenant.sh - tenant mode (pvisa/CTL.md "Tenants"): a kernel started with isorun --serve --operator-key takes only
# signed requests that act. The operator admits alice and bob; alice loads an image and runs a service of 100 VMs;
# bob's every attempt on her objects is refused or lands in his own namespace (destroy, save, list, a service of the
# same name, her request replayed, a request in her name with his key, her image's bytes loaded by him); quotas refuse
# all or nothing; lowering a quota ends nothing and refuses more; removing alice ends her running VMs.
# Waits poll kctl's answers, never a timing assertion.
# timeout: 600
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example idle.elf
KCTL=$B/bin/kctl
[ -x "$KCTL" ] || fail "$KCTL is missing (make runner)"
IMG=$EX/idle.elf

SOCKDIR=$(mktemp -d /tmp/tenant.XXXXXX) || fail "mktemp failed"
IPID=
cleanup() {
	[ -n "$IPID" ] && kill "$IPID" 2>/dev/null && sleep 2 && kill -9 "$IPID" 2>/dev/null
	rm -rf "$SOCKDIR"
}
trap cleanup EXIT
export KCTL_SOCKET=$SOCKDIR/ctl.sock
unset KCTL_KEY KCTL_TENANT

# k NAME ARGS...: kctl ARGS, output in $WORK/NAME.k; sets KRC.
k() {
	n=$1
	shift
	"$KCTL" "$@" >"$WORK/$n.k" 2>&1
	KRC=$?
	echo "+ kctl $(echo "$*" | sed "s|$WORK/||g; s|$EX/||g" | cut -c 1-120) (exit $KRC)"
	head -n 4 "$WORK/$n.k" | sed 's/^/  | /'
}
# ok NAME ARGS...: k, and it must succeed. refused NAME STATUS ARGS...: k, and it must fail with that status.
ok() { k "$@"; [ $KRC = 0 ] || fail "$1: exit $KRC: $(cat "$WORK/$1.k")"; }
refused() {
	n=$1 st=$2
	shift 2
	k "$n" "$@"
	[ $KRC = 1 ] && grep -q ": $st: " "$WORK/$n.k" || fail "$n: want $st, got exit $KRC: $(cat "$WORK/$n.k")"
}
A="--key $WORK/alice.key --tenant alice"
Bb="--key $WORK/bob.key --tenant bob"
OP="--key $WORK/op.key"
# tenant_field NAME TENANT KEY: a number from `kctl tenants` for that tenant.
tenant_field() { "$KCTL" tenants | awk -v t="$1" '$2 == t' | grep -o " $2=[0-9]*" | cut -d= -f2; }
svc_field() { grep "^$1 " "$WORK/$2.k" | grep -o " $3=[0-9]*" | cut -d= -f2; }
# records PATTERN: how many report lines match (the report stream reaches the log apart from kctl's replies).
records() { grep -ac "$1" "$WORK/serve.serial"; }
# wait_records PATTERN N: until N lines match (up to 2 minutes), then fail unless exactly N.
wait_records() {
	for _ in $(seq 240); do
		[ "$(records "$1")" -ge "$2" ] && break
		sleep 0.5
	done
	[ "$(records "$1")" = "$2" ] || fail "want $2 records matching $1, have $(records "$1")"
}

(cd "$WORK" && "$KCTL" keygen op && "$KCTL" keygen alice && "$KCTL" keygen bob) >/dev/null || fail "kctl keygen failed"

# A key file that is not a public key is refused before QEMU starts; so is a bad opkey= word by the kernel.
"$ISORUN" --serve "$KCTL_SOCKET" --operator-key "$WORK/op.key" >"$WORK/badkey.out" 2>&1
[ $? = 2 ] && grep -q 'want one line of 64 hex digits' "$WORK/badkey.out" || fail "--operator-key op.key: $(cat "$WORK/badkey.out")"
run_isorun badopkey --append "opkey=$(head -c 63 "$WORK/op.pub")" "$IMG:1:0"
expect_rc badopkey 2
grep -q 'opkey= wants' "$WORK/badopkey.out" "$WORK/badopkey.serial" || fail "a 63-digit opkey= was not refused by the kernel"

echo "+ isorun --serve $KCTL_SOCKET --operator-key op.pub --mem 256"
"$ISORUN" --serve "$KCTL_SOCKET" --operator-key "$WORK/op.pub" --mem 256 --timeout 560 --quiet \
	--json "$WORK/serve.json" --serial-log "$WORK/serve.serial" >"$WORK/serve.out" 2>&1 &
IPID=$!
for _ in $(seq 240); do
	"$KCTL" hello >"$WORK/hello.k" 2>&1 && break
	kill -0 "$IPID" 2>/dev/null || fail "isorun ended before serving: $(tail -n 5 "$WORK/serve.out")"
	sleep 0.5
done
ok hello hello
grep -q 'tenants yes' "$WORK/hello.k" || fail "HELLO does not report tenant mode: $(cat "$WORK/hello.k")"

# The v1 ops that act are refused; the unsigned ones answer.
refused v1load E_AUTH load "$IMG"
refused v1stop E_AUTH stop
ok stats stats
ok tenants0 tenants
[ -s "$WORK/tenants0.k" ] && fail "tenants before any was admitted: $(cat "$WORK/tenants0.k")"

# Only the operator admits.
(cd "$WORK" && "$KCTL" keygen mallory) >/dev/null
refused addbymal E_AUTH tenant-add 1 alice --pubkey "$WORK/alice.pub" --key "$WORK/mallory.key"
ok addalice tenant-add 1 alice --pubkey "$WORK/alice.pub" --max-vms 150 --max-mem 100000 $OP
ok addbob tenant-add 2 bob --pubkey "$WORK/bob.pub" --max-vms 50 --max-mem 60000 $OP
refused addagain E_EXIST tenant-add 3 alice --pubkey "$WORK/bob.pub" $OP

# alice: an image and a service of 100 VMs that run.
ok aload tload "$IMG" $A
AIMG=$(sed -n 's/^image \([0-9]*\):.*/\1/p' "$WORK/aload.k")
ok aweb svc-set web "$IMG" 100 --quota 512 --args 600000 --save-req "$WORK/alice-web.req" $A
grep -q 'created 100, ended 0, live 100, desired 100' "$WORK/aweb.k" || fail "alice's service: $(cat "$WORK/aweb.k")"
for _ in $(seq 240); do
	"$KCTL" tlist --json $A >"$WORK/alist.json" 2>&1 || fail "tlist: $(cat "$WORK/alist.json")"
	[ "$(grep -c '"service": "web"' "$WORK/alist.json")" = 100 ] && ! grep -q '"cpu_ns": 0,' "$WORK/alist.json" && break
	sleep 0.5
done
[ "$(grep -c '"service": "web"' "$WORK/alist.json")" = 100 ] || fail "alice's tlist does not show 100 VMs of web"
grep -q '"cpu_ns": 0,' "$WORK/alist.json" && fail "some of alice's VMs never ran: $(grep -c '"cpu_ns": 0,' "$WORK/alist.json")"
AVM=$(grep -o '"id": [0-9]*' "$WORK/alist.json" | head -n 1 | cut -d' ' -f2)
wait_records '^@tvm id=[0-9]* tenant=1 .*svc="web"' 100
echo "  alice's image $AIMG, 100 VMs running, first VM $AVM"

# bob against alice's objects.
ok bload tload "$IMG" $Bb                                   # the same bytes alice loaded: his own copy
BIMG=$(sed -n 's/^image \([0-9]*\):.*/\1/p' "$WORK/bload.k")
[ -n "$BIMG" ] && [ "$BIMG" != "$AIMG" ] || fail "bob's load of alice's image bytes gave image $BIMG (alice's: $AIMG)"
ok images images
[ "$(grep -c ' idle.elf ' "$WORK/images.k")" = 2 ] || fail "two tenants' copies of one image: $(cat "$WORK/images.k")"
refused bdestroy E_NOENT tdestroy "$AVM" $Bb
refused bsave E_NOENT tsave "$AVM" "$WORK/stolen.state" $Bb
[ -e "$WORK/stolen.state" ] && fail "bob's tsave of alice's VM left a file"
ok blist tlist $Bb
[ "$(wc -l <"$WORK/blist.k")" = 1 ] || fail "bob's tlist shows VMs: $(cat "$WORK/blist.k")"
ok bweb svc-set web "$IMG" 3 --args 600000 $Bb               # her service's name: his own service
grep -q 'created 3, ended 0, live 3, desired 3' "$WORK/bweb.k" || fail "bob's web: $(cat "$WORK/bweb.k")"
ok asvcs svcs $A
[ "$(svc_field web asvcs desired)" = 100 ] && [ "$(svc_field web asvcs live)" = 100 ] &&
	[ "$(svc_field web asvcs image)" = "$AIMG" ] || fail "bob's web touched alice's: $(cat "$WORK/asvcs.k")"
ok bsvcs svcs $Bb
[ "$(svc_field web bsvcs image)" = "$BIMG" ] && [ "$(wc -l <"$WORK/bsvcs.k")" = 1 ] || fail "bob's services: $(cat "$WORK/bsvcs.k")"
refused breplay E_REPLAY send "$WORK/alice-web.req"         # alice's SVC_SET, replayed as it was
# Her request altered on the way: one byte short, one byte longer, a byte of its name or of its signature changed.
python3 - "$WORK/alice-web.req" "$WORK" <<'PY' || fail "making altered requests failed"
import struct, sys
b = open(sys.argv[1], 'rb').read()
op, _, n = struct.unpack('<HHI', b[:8])
p = b[8:]
def put(name, q):
    open(sys.argv[2] + '/' + name, 'wb').write(struct.pack('<HHI', op, 0, len(q)) + q)
put('short.req', p[:-1])
put('long.req', p + b'\0')
put('name.req', b'x' + p[1:])
put('sig.req', p[:-1] + bytes([p[-1] ^ 1]))
put('ctr.req', p[:-72] + bytes([p[-72] ^ 1]) + p[-71:])
PY
refused short E_LEN send "$WORK/short.req"
refused long E_LEN send "$WORK/long.req"
refused name E_AUTH send "$WORK/name.req"
refused sig E_AUTH send "$WORK/sig.req"
refused ctr E_AUTH send "$WORK/ctr.req"                              # the counter is signed too
refused bforge E_AUTH svc-set web "$IMG" 0 --key "$WORK/bob.key" --tenant alice
refused bdel E_AUTH tenant-del alice --key "$WORK/bob.key"   # bob's key as the operator's
refused aadmin E_AUTH svc-set web "$IMG" 0 --key "$WORK/op.key" --tenant 0    # the operator on services
ok asvcs2 svcs $A
[ "$(svc_field web asvcs2 live)" = 100 ] || fail "alice's service after bob's attempts: $(cat "$WORK/asvcs2.k")"
[ "$(tenant_field alice refused_replay)" = 1 ] && [ "$(tenant_field alice refused_auth)" = 4 ] ||
	fail "refusal counters: $("$KCTL" tenants)"

# Quotas: all or nothing.
refused bquota E_QUOTA svc-set big "$IMG" 48 --args 600000 $Bb      # 3 + 48 > 50 VMs
ok bsvcs2 svcs $Bb
[ "$(wc -l <"$WORK/bsvcs2.k")" = 1 ] && [ "$(tenant_field bob live_vms)" = 3 ] && [ "$(tenant_field bob refused_quota)" = 1 ] ||
	fail "a refused SVC_SET made something: $(cat "$WORK/bsvcs2.k"; "$KCTL" tenants)"
refused amem E_QUOTA svc-set web2 "$IMG" 50 --quota 1024 --args 600000 $A   # 51,200 + 51,200 KiB > 100,000
[ "$(tenant_field alice live_vms)" = 100 ] || fail "alice's VMs after a refused SVC_SET: $("$KCTL" tenants)"
dd if=/dev/zero of="$WORK/big.elf" bs=1024 count=2100 2>/dev/null
refused bigimg E_QUOTA tload "$WORK/big.elf" $A                     # over 2 MiB

# Memory running out midway: the VMs made so far end, nothing is left (the quota allows it, the host cannot).
(cd "$WORK" && "$KCTL" keygen carol) >/dev/null
ok addcarol tenant-add 3 carol --pubkey "$WORK/carol.pub" --max-vms 1000 --max-mem 100000000 $OP
ok cload tload "$IMG" --key "$WORK/carol.key" --tenant carol
refused cnomem E_NOMEM svc-set hog "$IMG" 400 --quota 2048 --guarantee 2048 --args 600000 --key "$WORK/carol.key" --tenant carol
# Every @tvm record of hog precedes every @vm of its rollback: all are in the log once both counts agree.
for _ in $(seq 240); do
	made=$(records '^@tvm id=[0-9]* tenant=3 svc="hog"')
	[ "$made" -gt 0 ] && [ "$(records 'reason="SVC_SET refused: all or nothing".*tenant=3 .*svc="hog"')" = "$made" ] && break
	sleep 0.5
done
ok csvcs svcs --key "$WORK/carol.key" --tenant carol
[ "$made" -gt 0 ] && [ ! -s "$WORK/csvcs.k" ] && [ "$(tenant_field carol live_vms)" = 0 ] &&
	[ "$(tenant_field carol mem_kib)" = "$(tenant_field carol image_bytes | awk '{print int(($1 + 1023) / 1024)}')" ] ||
	fail "a SVC_SET out of memory left something: $made made and ended; $(cat "$WORK/csvcs.k"); $("$KCTL" tenants)"
ok cdel tenant-del carol $OP
echo "  out of memory after $made VMs: all ended, carol back to her image's memory alone"

# A tenant holds at most 32 images: bob has 1; 31 more (idle.elf with a byte appended: other bytes, other hashes).
for i in $(seq 31); do
	{ cat "$IMG"; printf "%02d" "$i"; } >"$WORK/var.elf"
	"$KCTL" tload "$WORK/var.elf" $Bb >"$WORK/var.k" 2>&1 || fail "bob's image $((i + 1)): $(cat "$WORK/var.k")"
done
{ cat "$IMG"; printf "xx"; } >"$WORK/var.elf"
refused imglimit E_LIMIT tload "$WORK/var.elf" $Bb
[ "$(tenant_field bob images)" = 32 ] || fail "bob's images: $("$KCTL" tenants)"

# Lowering a quota ends nothing and refuses more.
ok lower tenant-set alice --max-vms 50 $OP
[ "$(tenant_field alice live_vms)" = 100 ] && [ "$(tenant_field alice max_vms)" = 50 ] || fail "lowering: $("$KCTL" tenants)"
refused aup E_QUOTA svc-set web "$IMG" 101 --quota 512 --args 600000 $A
ok adown svc-set web "$IMG" 40 --quota 512 --args 600000 $A
grep -q 'created 0, ended 60, live 40, desired 40' "$WORK/adown.k" || fail "scale down: $(cat "$WORK/adown.k")"
ok aup2 svc-set web "$IMG" 50 --quota 512 --args 600000 $A
refused aup3 E_QUOTA svc-set web "$IMG" 51 --quota 512 --args 600000 $A
wait_records 'reason="scaled down".*tenant=1 .*svc="web"' 60
# The newest ended: a fresh kernel numbered alice's 100 VMs first, in order (vmtab.h), so ids 40..99.
ended=$(grep -a 'reason="scaled down"' "$WORK/serve.serial" | sed 's/^@vm id=\([0-9]*\) .*/\1/' | sort -n | tr '\n' ' ')
[ "$ended" = "$(seq -s ' ' 40 99) " ] || fail "scaling down ended VMs $ended, not the newest 60 (ids 40..99)"

# Removing alice ends her running VMs; bob's stay.
ok adel tenant-del alice $OP
grep -q 'tenant 1 removed: 50 VMs ended' "$WORK/adel.k" || fail "T_DEL: $(cat "$WORK/adel.k")"
wait_records 'reason="tenant removed".*tenant=1 .*svc="web"' 50
refused agone E_AUTH svcs --key "$WORK/alice.key" --tenant 1
ok images2 images
[ "$(grep -c ' idle.elf ' "$WORK/images2.k")" = 1 ] || fail "alice's image outlived her: $(cat "$WORK/images2.k")"
ok blist2 tlist $Bb
[ "$(grep -c ' web ' "$WORK/blist2.k")" = 3 ] || fail "bob's VMs after alice's removal: $(cat "$WORK/blist2.k")"

kill -INT "$IPID"
wait "$IPID"
IPID=
grep -q '^@done' "$WORK/serve.serial" || fail "the run did not end with @done"
# isorun's JSON attributes each VM to its tenant and service: alice's 110 ended, bob's 3 running at the end.
[ "$(grep -c '"tenant": 1,.*"service": "web"' "$WORK/serve.json")" = 110 ] &&
	[ "$(grep -c '"tenant": 2,.*"service": "web"' "$WORK/serve.json")" = 3 ] || fail "JSON: VMs not attributed to tenants"
pass "alice's 100 VMs ran; bob refused 13 ways; quotas all or nothing (out of memory after $made VMs: none left); lowering ended nothing; T_DEL ended 50"
