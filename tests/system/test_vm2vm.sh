#!/bin/bash
# test_vm2vm.sh - UDP between VMs through the kernel's switch (no NIC): 10 echo/client pairs exchange 20
# datagrams each; every client first forges 10 frames (another VM's MAC or IPv4) that the switch must drop.
# timeout: 180
. "$(dirname "$0")/lib.sh"
need_runner
need_kernel
need_example udp-echo.elf
NET=$B/tests/net
[ -f "$NET/udpclient.elf" ] || fail "no guest image $NET/udpclient.elf (make net-guests)"

# Echo servers are VMs 0..9, clients 10..19: client 10+k talks to server k.
args=()
for k in $(seq 0 9); do args+=("$EX/udp-echo.elf:1:7 20"); done
for k in $(seq 0 9); do args+=("$NET/udpclient.elf:1:$k 20"); done
run_isorun vm2vm --timeout 60 "${args[@]}"
expect_rc vm2vm 0
all_exited_ok vm2vm udp-echo.elf 10
all_exited_ok vm2vm udpclient.elf 10
n=$(vm_records vm2vm udpclient.elf | grep -c ' tx_spoofed=10$')
[ "$n" = 10 ] || fail "expected every client's 10 forged frames dropped (tx_spoofed=10), got $n clients: $(vm_records vm2vm udpclient.elf | head -n 2)"
sw=$(grep -a '^@switch ' "$WORK/vm2vm.serial")
echo "$sw" | grep -q ' drop_spoofed=100 ' || fail "the switch did not count 100 spoofed frames: $sw"
echo "$sw" | grep -q ' drop_rxq_full=0 ' || fail "frames were lost to full queues: $sw"
for id in $(vm_ids vm2vm udpclient.elf); do
	vm_output vm2vm "$id" | grep -q 'udpclient: 20 of 20 echoes, 0 wrong' || fail "client vm $id: $(vm_output vm2vm "$id")"
done
pass "10 pairs, 200 datagrams echoed VM to VM, 100 forged frames dropped; $(echo "$sw" | grep -o 'vm_to_vm=[0-9]*'), $(echo "$sw" | grep -o 'arp_answered=[0-9]*')"
