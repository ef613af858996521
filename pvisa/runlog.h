/* runlog.h - the kernel's report protocol (on COM1 and the console's report port), read by the host runner (isorun) and the system tests. */
#ifndef PVISA_RUNLOG_H
#define PVISA_RUNLOG_H

#include <stdint.h>

/*
 * Channels. With a console device (a legacy virtio-serial-pci, "virtio-console" with MULTIPORT) the kernel finds two
 * ports by name: RL_REPORT_PORT carries the report stream below in bulk (4 KiB pages; bytes come at most ~1 ms
 * late while the kernel is busy, at once before it idles or powers off), RL_CTL_PORT is a byte stream both ways for
 * the control protocol. The report stream starts on COM1 (the first boot lines: @boot and the console's own line),
 * and moves to the report port as soon as that port is open; COM1 then carries only a panic ("isokernel: PANIC:"
 * and its "@done code=3"), after which the kernel hands over what the report port still held. Without a console
 * (Bochs, isorun --no-console) everything stays on COM1. A reader takes both streams, each as described below; a
 * record never spans the two. The host -> kernel stop byte stays on COM1.
 *
 * The stream is a sequence of:
 *
 *  1. VM console records (what a guest passed to console_write), framed so that output of
 *     many VMs can interleave without tearing:
 *         RL_CONSOLE_BYTE  "<vm id> <len>\n"  <len raw bytes>
 *     The runner keeps a line buffer per VM and prints complete lines as "[vm N] text".
 *
 *  2. Kernel lines, plain text ending in '\n'. Lines starting with '@' are machine-readable
 *     key=value records; string values are double-quoted with \" and \\ escaped:
 *         @boot abi=1 accel=tcg|kvm|unknown tsc_hz=N mem_bytes=N
 *         @image name="hello.elf" count=N text_pages=N data_pages=N shared_bytes=N
 *         @reject name="bad.elf" reason="..."           an image refused at load
 *         @vm id=N image="hello.elf" state=exited|failed|faulted|running status=N reason="..."
 *                                                       priv_kib=N cpu_us=N hypercalls=N, then the switch's
 *                                                       per-VM counters when not all zero: rx_frames tx_frames
 *                                                       rx_drops tx_spoofed; one per VM when it ends (or at
 *                                                       the end of the run); a tenant's VM (tenant mode, CTL.md
 *                                                       "Tenants") ends with tenant=N svc="name" (svc: if any)
 *         @v ID STATE STATUS [image=".."] [reason=".."] [rx_frames=.. ...]
 *                                                       the same, short (kernel word vm_brief=1): image and reason
 *                                                       are those of the previous @v record unless given (reason=""
 *                                                       = none); no priv_kib, cpu_us, hypercalls
 *         @tenant id=N name=".." op=add|set|del max_vms=N max_mem_kib=N cpu_share=N live_vms=N mem_kib=N bytes=N
 *                 [ended=N end_ns=N]                  tenant mode: a tenant admitted, re-quotaed or removed
 *         @tvm id=N tenant=N svc="name"               tenant mode: a tenant's VM made (SVC_SET), before it runs:
 *                                                       a host attributes its console lines by it
 *         @live vms=N live=N all_live_ns=N             once, when the last VM created has its first quantum:
 *                                                       every VM has run (live: not yet ended at that moment)
 *         @summary key=value ...                       once, after every @vm line (fields below)
 *         @net mac=.. rx=.. tx=.. ... irqs=.. polls=..  the NIC's counters (only with a NIC): frames, drops,
 *                                                       bounced (netbounce), interrupts, looks at the RX ring
 *         @switch from_nic=.. to_vm=.. drop_*=..       the virtual switch's counters, every drop by reason
 *                                                       (drop_malformed, drop_share: a sender's share of a queue
 *                                                       or of the pool is used up, drop_quota: the sender's
 *                                                       pinned frames reached its memory quota, drop_nic_spoofed:
 *                                                       a frame from outside in a VM's name) and nic_busy
 *                                                       (PV_EAGAIN to a VM for the link: not a drop, the VM keeps
 *                                                       the frame)
 *         @summary ... vms_reclaimed=N                  VMs ended because host memory ran out and they were the
 *                                                       furthest beyond their memory guarantee (PVISA.md, Memory)
 *         @done code=N                                 last line; then the kernel powers off
 *     Other lines are human-readable kernel log ("isokernel: ...").
 *
 *  @summary fields: vms_started vms_exited_ok vms_failed vms_faulted vms_running_at_end
 *     peak_live_vms kernel_bytes_per_vm guest_bytes_per_vm (both at the peak of live VMs)
 *     kernel_bytes_peak guest_private_bytes_per_vm guest_shared_bytes create_ns_per_vm
 *     run_ns switches hypercalls timed_out=0|1 stopped=0|1 (by the host), and the kernel bytes of one VM by kind:
 *     vm_struct_bytes (its slab share, FXSAVE area included) fxsave_bytes page_table_bytes timer_slot_bytes
 *     vm_table_slot_bytes; then the run's timing figures:
 *     all_live=0|1 all_live_ns   every VM had its first quantum; ns from the start of the first VM creation to the
 *                                first quantum of the last VM created (0 when not all did)
 *     sched_passes sched_cycles_per_pass sched_cycles_per_pass_median sched_cycles_per_pass_min
 *                                scheduler passes after a quantum ran out (timer interrupt from ring 3) that resumed
 *                                the same VM (nothing else was runnable) without sleeping: TSC ticks from the kernel's
 *                                entry (its first TSC read) to the resume (after the quantum timer is armed); mean,
 *                                median and min (the median of the last 1024 passes); sched_pick_cycles
 *                                sched_pick_cycles_median: the same passes up to the timer arming (VM chosen)
 *     sched_switch_passes sched_switch_cycles sched_switch_cycles_median sched_switch_cycles_min
 *                                the same for passes that resumed another VM (its address space and FPU state
 *                                installed: a VM switch on preemption)
 *     timer_deliveries timer_delivery_cycles timer_delivery_cycles_median timer_delivery_cycles_min
 *                                the idle kernel woke (hlt returned, or the idle spin ended) and its timer heap released
 *                                a VM: TSC ticks from the wake-up to that VM's resume
 *     net_deliveries net_delivery_cycles net_delivery_cycles_median net_delivery_cycles_min
 *                                the same when a received frame woke the VM (not counted when both woke VMs)
 *     free_frames_min            the fewest free frames seen (sampled before each VM frees its memory): the guest RAM
 *                                the kernel used at its peak is @boot mem_bytes - 4096 x free_frames_min
 *  Under TCG with -icount shift=0 the TSC counts guest instructions, so the *_cycles figures are instructions.
 *  guest_bytes_per_vm = (sum over VMs of their private bytes when they ended + image bytes) / VMs started
 *
 *  Exit: the kernel writes code to the isa-debug-exit port (0xf4); QEMU exits with (code << 1) | 1.
 *     code 0: every VM exited with status 0 (or was still running when the host stopped the run); 1: some VM did not; 2: the kernel refused its input
 *     (bad command line, no image, image rejected); 3: kernel panic.
 */
/*
 * Host -> kernel: the runner may write RL_STOP_BYTE to COM1 (QEMU's -serial stdio reads its stdin). The
 * kernel looks for it every RL_STOP_POLL_MS; on it, the run ends as at its timeout: every live VM is
 * reported state=running reason="stopped by the host", then @summary (stopped=1) and @done. Other bytes
 * are ignored. isorun sends it on its first SIGINT or SIGTERM.
 */
#define RL_STOP_BYTE    'q'
#define RL_STOP_POLL_MS 10

#define RL_REPORT_PORT   "iso.report"   /* virtserialport name=: the report stream */
#define RL_CTL_PORT      "iso.ctl"      /* virtserialport name=: the control byte stream */
#define RL_CON_MAX_PORTS "4"            /* virtio-serial-pci max_ports= isorun gives (the kernel uses ids 0..3) */

#define RL_CONSOLE_BYTE 0x01
#define RL_EXIT_PORT    0xf4

#define RL_CODE_OK       0
#define RL_CODE_VMFAIL   1
#define RL_CODE_BADINPUT 2
#define RL_CODE_PANIC    3

/*
 * Kernel command line (multiboot): space-separated key=value words, all optional:
 *   timeout_ms=N   end the run after N ms even if VMs still run (0 = no limit)
 *   quota_kib=N    per-VM private memory quota (default from config.mk)
 *   quantum_us=N   scheduler quantum
 *   quiet=1        do not forward guest console output
 *   net_ip=N net_bits=N   the VMs' subnet (N = IPv4 as a host-order number; default 10.0.0.0/8):
 *                  gateway = net_ip + 1 (everything outside the VMs, through the NIC),
 *                  VM id i = net_ip + 2 + i with MAC 02:00:<i as 4 bytes, big-endian>
 *   net_immediate=1  deliver a VM's frames at once (it runs next) instead of batched at its next quantum
 *   netbounce=1    with a NIC: frames for the NIC's own MAC go straight back with the MACs swapped (the bare
 *                  path, no VM); every other frame is switched as usual; the run lasts until timeout_ms
 *   net_poll=1     poll the NIC (no interrupts; the idle loop wakes every 50 us) instead of taking its receive
 *                  interrupt (MSI-X), then polling while frames keep coming; the boot line says which mode runs
 *   serve=1        the run does not end when its last VM does: VMs come and go through the control port (pvisa/ctl.h,
 *                  CTL.md); STOP there, the stop byte or timeout_ms end it (isorun --serve)
 *   idle_spin=1    with nothing runnable, spin (watching the NIC's ring and the clock) instead of halting
 *   capture=all | capture=ID[.ID...]   packet capture to the console's RL_PCAP_PORT ("Packet capture" below;
 *                  isorun --pcap, --pcap-vm); repeatable
 *   vm_brief=1     each VM's end as a short @v record instead of @vm (the serial port costs ~7 us a byte under TCG:
 *                  ~20 bytes instead of ~100 per VM; isorun reads both and writes the same JSON)
 * Module command line (one module per image): "<path> <name> <count> [args...]"
 *   path: the file QEMU loaded (QEMU's -initrd keeps it as the first word; the kernel skips it);
 *   name: the image name reported in @vm lines; count: instances to start; args: the guest's argv[1..].
 */


/*
 * Packet capture (isorun --pcap; kernel word capture=): a third console port, RL_PCAP_PORT, carries what the
 * switch moved as a byte stream of records, each a struct rl_cap_hdr then len bytes: RL_CAP_FRAME, an Ethernet
 * frame (no FCS) a VM received (from another VM, from outside through the NIC, or an ARP answer of the switch),
 * that went out through the NIC, or that came in through the NIC and reached no VM (both sides RL_CAP_OUTSIDE), with the wall-clock time the switch moved it (the kernel's monotonic clock plus
 * the VMs' wall base, as the vregs give it) and the VM ids either side (RL_CAP_OUTSIDE: the NIC or the switch
 * itself); RL_CAP_END, once at the run's end, a struct rl_cap_end (the frames the kernel sent and those it lost).
 * The kernel never waits for the port: a frame that finds no room is dropped and counted. Kernel word
 * capture=all takes every frame; capture=ID[.ID...] (repeatable, ids separated by '.' or ',', RL_CAP_MAX_IDS in
 * all) only frames with one of those VMs on either side; without the word (or without the port) nothing is
 * copied and the switch pays one untaken branch per frame.
 */
#define RL_PCAP_PORT   "iso.pcap"       /* virtserialport name=: the capture stream */
#define RL_CAP_MAGIC   0x70616331u      /* "1cap" little-endian */
#define RL_CAP_FRAME   1
#define RL_CAP_END     2
#define RL_CAP_OUTSIDE 0xffffffffu
#define RL_CAP_MAX_IDS 16
struct rl_cap_hdr {
	uint32_t magic;                 /* RL_CAP_MAGIC */
	uint16_t kind;                  /* RL_CAP_FRAME or RL_CAP_END */
	uint16_t len;                   /* bytes after the header (a frame: PV_FRAME_MIN..PV_FRAME_MAX) */
	uint32_t src, dst;              /* VM ids, or RL_CAP_OUTSIDE */
	uint64_t wall_ns;               /* ns since 1970-01-01 UTC */
};
struct rl_cap_end {
	uint64_t frames, drops;
};

#endif
