/* isorun.c - the host runner: boots the isolation kernel in QEMU with guest images as modules and reports the run. */
/*
 * What QEMU is given (QEMU 7.2, hw/i386/multiboot.c):
 *   -kernel <tmp>/isokernel.bin      a symlink to the real kernel, so its path has no space or comma;
 *                                    QEMU prefixes the kernel command line with this path:
 *                                    the kernel sees "<tmp>/isokernel.bin timeout_ms=N quota_kib=N quantum_us=N [quiet=1]"
 *                                    and must skip words without '='.
 *   -append "timeout_ms=N quota_kib=N quantum_us=N [quiet=1]"
 *   -initrd "<tmp>/img0.elf <name> <count> [args...],<tmp>/img1.elf <name> <count> [args...],..."
 *                                    QEMU loads the file named by the text up to the first space and passes the
 *                                    WHOLE string as the module command line, so each module's command line is
 *                                        "<tmp>/imgN.elf <name> <count> [args...]"
 *                                    (runlog.h: the kernel skips the first word). Commas inside args are doubled
 *                                    for QEMU's option parser and reach the kernel single.
 *   <tmp> is a private mkdtemp dir (under $TMPDIR if it is a plain path, else /tmp), removed at exit;
 *   <name> is the image file's basename with bytes outside [A-Za-z0-9._-] replaced by '_'.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isorun.h"
#include "pvisa.h"

#define STR_(x) #x
#define STR(x)  STR_(x)
#define PV_ARGS_MAX_  4096    /* pvisa.h's PV_ARGS_MAX, PV_ENV_MAX, PV_STDIN_MAX for the help text (checked below) */
#define PV_ENV_MAX_   16384
#define PV_STDIN_MAX_ 65536
_Static_assert(PV_ARGS_MAX_ == PV_ARGS_MAX && PV_ENV_MAX_ == PV_ENV_MAX && PV_STDIN_MAX_ == PV_STDIN_MAX,
	       "the help text's limits are pvisa.h's");

static const char usage_head[] =
"usage: isorun [options] IMAGE[:COUNT[@TENANT][:ARGS]]...\n"
"Boots the isolation kernel in QEMU with COUNT instances (default 1) of each guest IMAGE (an x86_64 ELF\n"
"built with guestlib), passing ARGS to each as argv[1..], prints their output and a summary.\n"
"IMAGE may contain ':' if that prefix names an existing file. ARGS: at most " STR(PV_ARGS_MAX_) " bytes, no control\n"
"characters; the guest splits them into words at blanks, and a word that opens with ' or \" runs to the first same\n"
"quote followed by a blank or the end (the two quotes dropped); every other quote is kept: {\"a\":1} arrives intact,\n"
"'-e print(\"a b\")' is the words -e and print(\"a b\") (guestlib/include/guest.h, guest_split_args).\n"
"COUNT@TENANT: the VMs belong to tenant TENANT (1..254) instead of the host (a test mode: no keys, no signatures):\n"
"they get tenant TENANT's addresses (10.TENANT.0.2 on, MAC 06:<TENANT>:<n>; README \"Address plan\") and the switch\n"
"joins them only to that tenant's VMs.\n"
"\n"
"options:\n"
"  --accel auto|kvm|tcg  accelerator (default auto: KVM if /dev/kvm opens read-write and this kernel runs\n"
"                        under it - checked once per kernel build by a short KVM run of examples/hello.elf,\n"
"                        the verdict kept in KERNEL.kvmprobe - else TCG; if a KVM launch dies before the\n"
"                        kernel prints @boot, isorun retries once with TCG and says so)\n"
"  --mem MiB             guest RAM (default " STR(QEMU_BASE_MIB) " MiB + per VM " STR(QEMU_VM_KERNEL_KIB)
" KiB + twice the guarantee, rounded up;\n"
"                        see \"memory\" below)\n"
"  --timeout SEC         the kernel ends the run after SEC s (timeout_ms on its command line) and reports\n"
"                        VMs still running; isorun kills QEMU if it has not finished by 1.5 x SEC + 20 s\n"
"                        (default 0: no limit)\n"
"  --quiet               do not print guest output (the kernel is told quiet=1 and does not send it)\n"
"  --json FILE           write the run report as JSON to FILE (fields below)\n"
"  --quota KiB           per-VM private memory quota (default " STR(VM_QUOTA_KIB) ")\n"
"  --guarantee KiB       the part of the quota reserved for each VM when it is created (default " STR(VM_GUAR_KIB) ",\n"
"                        at most the quota; less for very large runs); see \"memory\" below\n"
"  --quantum US          scheduler quantum in microseconds (default " STR(QUANTUM_US) ")\n"
"  --kernel PATH         the kernel binary (default: <dir of isorun>/../isokernel.bin)\n"
"  --qemu-arg ARG        append ARG to QEMU's command line (repeatable)\n"
"  --serial-log FILE     copy the raw report stream to FILE (COM1 and the console's report port, interleaved\n"
"                        record by record: --replay reads it back)\n"
"  --com1-log FILE       copy COM1's bytes alone to FILE (with a console: the first boot lines and a panic)\n"
"  --net-socket PATH     give the machine a NIC (virtio-net-pci, legacy) whose frames go through a unix stream\n"
"                        socket QEMU listens on at PATH (-netdev stream,server=on): each frame is a 4-byte\n"
"                        big-endian length then the Ethernet frame (no FCS); QEMU does not wait for a client.\n"
"                        build/bin/loadgen connects there (loadgen --help). The NIC's MAC is " ISORUN_NIC_MAC "\n"
"  --tap IFNAME          give the machine a NIC on the existing tap device IFNAME (-netdev tap,script=no)\n"
"  --subnet CIDR         the VMs' network, e.g. 10.0.0.0/8 (prefix 8..30, host bits zero); passed to the kernel\n"
"                        as net_ip=<base as u32> net_bits=<prefix> (without it the kernel uses 10.0.0.0/8 and\n"
"                        isorun passes nothing). Address plan: the gateway (the world outside the NIC) is\n"
"                        base+1; VM id i has IPv4 base+2+i and MAC 02:00:<i as 4 bytes big-endian>\n"
"  --append WORDS        extra kernel command-line words (key=number ...), e.g. --append netbounce=1\n"
"  --operator-key FILE.pub  tenant mode: the kernel takes the signed tenant ops, the operator's key admitting tenants\n"
"                        (kernel word opkey=; pvisa/CTL.md \"Tenants\"); with --serve\n"
"  --share T:W           tenant T (0..254; 0 the host's own VMs) gets CPU share W (1..1000) against the other\n"
"                        tenants (repeatable; kernel word share=T:W): the first turns the CPU-share scheduler on\n"
"                        (deficit round robin over tenants by share, round robin inside one; unnamed tenants: 1)\n"
"  --serve SOCKET        keep the kernel running with no VMs (kernel word serve=1: the run outlives its last VM)\n"
"                        and relay control clients from the Unix socket SOCKET to its control port (pvisa/CTL.md;\n"
"                        build/bin/kctl is the client): images loaded, VMs created, listed, saved, restored and\n"
"                        destroyed while others run. IMAGE operands are optional. Clients are served one at a time,\n"
"                        in the order they connect (the others wait, connected). The run ends on kctl stop, a\n"
"                        signal (see below) or --timeout; reports and --json are as for any run\n"
"  --pcap FILE           write the frames the kernel's switch moves to FILE in pcap format (libpcap, Ethernet,\n"
"                        nanosecond timestamps: tshark/wireshark read it): every frame a VM receives (from\n"
"                        another VM, from outside through the NIC, or an ARP answer of the switch) and every frame\n"
"                        put on the NIC; timestamps are the kernel's wall clock when the switch moved the frame.\n"
"                        Frames from outside that reach no VM (dropped, or answered by the switch) are written\n"
"                        too; VMs' frames the switch drops are not. The kernel copies frames to a console port\n"
"                        (kernel word capture=; pvisa/runlog.h \"Packet capture\") and never waits\n"
"                        for it: when it is full, frames are dropped and counted; at the end isorun prints on\n"
"                        stderr how many frames it wrote and how many the kernel lost. Without --pcap nothing is\n"
"                        copied. Not with --no-console or --replay\n"
"  --pcap-vm ID          with --pcap: only frames to or from VM ID (repeatable, at most 16 ids; the kernel word\n"
"                        capture=ID each): a frame between two VMs is kept if either is named\n"
"  --no-console          no virtio-console device: the kernel reports on COM1 alone, as on Bochs (slower:\n"
"                        ~7 us a byte under TCG); by default the report stream comes through its port\n"
"  --env KEY=VALUE       put KEY in every VM's environment (repeatable; getenv, environ; at most " STR(PV_ENV_MAX_) "\n"
"                        bytes in all, no control characters)\n"
"  --stdin FILE          every VM reads FILE's bytes on standard input, then end of file (\"-\": isorun's own\n"
"                        standard input, read whole before the run); at most " STR(PV_STDIN_MAX_) " bytes, a private copy\n"
"                        in each VM's heap (against its quota). Without it stdin is at end of file\n"
"  --stdin-text TEXT     the same with TEXT as the input (no newline added)\n"
"  --gdb PORT            debug: QEMU's gdb stub listens on TCP PORT and the machine waits, stopped, for gdb to\n"
"                        continue (TCG: auto picks it); isorun prints the gdb command that loads the kernel's and\n"
"                        the images' symbols, and how to stop in one VM (README \"Debugging\"). Use --timeout 0\n"
"  --replay FILE         testing aid: parse FILE, a saved serial stream (e.g. from --serial-log), instead of\n"
"                        running QEMU; IMAGE operands are then optional and only validated\n"
"  -v, --verbose         print the QEMU command line and the kernel's '@' records\n"
"  -h, --help            this text\n"
"\n"
"memory: each VM is guaranteed --guarantee KiB of private memory, reserved when it is created: a VM that\n"
"  cannot have its guarantee is not created (the kernel says how many it made; give more --mem). Beyond it, up\n"
"  to --quota, memory is overcommitted: a VM takes it while the host has free memory nobody reserved. When that\n"
"  runs out, the VM furthest beyond its guarantee pays, never one within it: it is ended as faulted with\n"
"  reason \"reclaimed: host memory ran out ...\" (or, if it is the VM asking, its page fault ends it, and a\n"
"  hypercall gets PV_ENOMEM). Frames a VM has waiting in other VMs' queues or the NIC count half a page each\n"
"  against its quota. pvisa/PVISA.md (\"Memory\") has the whole policy.\n";

/* The default guest RAM in "memory" above, with this build's figures. */
static const char usage_mem[] =
"  The default --mem is %u MiB and, per VM, its kernel share (%u KiB: page-table page, VM structure, table\n"
"  slots, frame descriptors; measured 4,931 B), its guarantee and as much again unreserved for VMs that grow\n"
"  beyond theirs: %u KiB a VM at the default guarantee. QEMU backs only the pages the kernel touches (a tiny VM:\n"
"  about 9 KiB), but every guarantee is reserved, so the default is kept within %u MiB: when the run's VMs\n"
"  would need more at the default guarantee (over %llu VMs), isorun lowers the default guarantee to the\n"
"  largest multiple of 4 KiB that fits, at least 4 KiB (the start page; 1,000,000 VMs get %lu KiB and %llu MiB),\n"
"  and says so on stderr. A --guarantee or --mem given is used as given; the JSON's guarantee_kib and\n"
"  qemu_mem_mib say what a run had.\n";

static const char usage_tail[] =
"\n"
"what the kernel gets: command line \"timeout_ms=N quota_kib=N quantum_us=N [quiet=1] guar_kib=N seed=N\n"
"seed=N seed=N seed=N\" (QEMU puts the kernel's path first; the seeds are 256 bits from getrandom(2), mixed\n"
"into the kernel's random source), then net_ip=N net_bits=N with --subnet, then the --append words; one multiboot module per IMAGE with command line \"<tmp>/imgN.elf <name> <count>\n"
"[args...]\", where <tmp>/imgN.elf is a symlink in a private temp dir (removed at exit) and <name> is the\n"
"IMAGE's basename with bytes outside [A-Za-z0-9._-] made '_'; with --env or --stdin, each image module is followed\n"
"by a module \"<tmp>/argx.bin @argx\" holding them (pvisa.h struct pv_argx).\n"
"\n"
"signals: the first SIGINT, SIGTERM or SIGHUP (e.g. Ctrl-C) asks the kernel to end the run: it ends every VM\n"
"  (state running, reason \"stopped by the host\"), prints its summary (stopped=1) and isorun writes its report\n"
"  as usual; a second signal, or no end within 30 s (+1 s per 2,000 VMs), kills QEMU (exit status 3). QEMU\n"
"  runs in its own process group, so a signal to isorun's group reaches isorun only.\n"
"\n"
"output: guest lines as \"[vm N] text\" (control characters shown as '?'), kernel log lines as they come,\n"
"progress on stderr every few seconds once a run lasts over 2 s, and a summary at the end (always).\n"
"\n"
"exit status:\n"
"  0  the kernel reported code 0 and every VM exited with status 0, or was still running when the run was\n"
"     stopped (see signals)\n"
"  1  some VM failed, faulted, exited nonzero or was still running at the end (timeout)\n"
"  2  usage or input error (missing file, bad COUNT, not an ELF file, more than " STR(MAX_VMS) " VMs),\n"
"     or the kernel rejected an image or its input\n"
"  3  the kernel panicked, QEMU failed or was killed, or the output ended without @done\n"
"\n"
"JSON report (--json): one object with\n"
"  accel (kvm|tcg|replay), kernel_accel, exit_status, kernel_exit_code (@done code, null if none),\n"
"  qemu_exit_status, qemu_mem_mib, guarantee_kib, run_seconds (QEMU wall time measured by isorun), booted, done,\n"
"  panicked, killed_at_deadline, malformed_records,\n"
"  vms_started, vms_exited_ok, vms_failed, vms_faulted, vms_running_at_end, peak_live_vms,\n"
"  kernel_bytes_per_vm, guest_bytes_per_vm, create_ns_per_vm, kernel_run_ns (the kernel's run_ns)\n"
"  (from @summary; counted from the @vm records, or null, when the kernel sent none),\n"
"  the other @summary fields under their own names (kernel_bytes_peak, guest_private_bytes_per_vm,\n"
"  guest_shared_bytes, switches, hypercalls, timed_out, stopped, ...),\n"
"  boot: the @boot fields; net, switch: the NIC's and the virtual switch's counters (@net, @switch; null\n"
"  without a NIC); pcap (with --pcap, else null): frames_written, kernel_frames and kernel_lost (the kernel's end\n"
"  record: frames it sent, frames it dropped with the port full; 0 if ended=0, no end record), malformed (the\n"
"  stream broke); images: one object of @image fields per image;\n"
"  rejected: [{image, reason}]; vms: [{id, image, state, exit_status, reason, ipv4, mac, rx_frames,\n"
"  tx_frames, rx_drops, tx_spoofed}] ordered by id, one per @vm record; state is exited|failed|faulted|running;\n"
"  reason only when the VM did not simply exit; ipv4 and mac (the address plan above) only with --net-socket,\n"
"  --tap or --subnet; the switch's counters of the VM (frames queued for it, taken from it, dropped for it,\n"
"  forged by it) with those options too, or else when not all zero.\n";

/* The default guest RAM (KiB) for a guarantee of g KiB: the base, and per VM its kernel share, its guarantee and as
 * much again unreserved ("memory" in --help). */
static unsigned long long default_mem_kib(const struct opts *o, unsigned long g)
{
	return (unsigned long long)QEMU_BASE_MIB * 1024 + (unsigned long long)o->total * (QEMU_VM_KERNEL_KIB + 2 * g);
}

/* The default guarantee: VM_GUAR_KIB (at most the quota), lowered in 4 KiB steps (to 4 KiB at least) while the
 * default guest RAM for the run's VM count would pass QEMU_MAX_MIB. */
static unsigned long fit_guarantee(const struct opts *o)
{
	unsigned long g = VM_GUAR_KIB < o->quota_kib ? VM_GUAR_KIB : o->quota_kib;

	while (g > 4 && default_mem_kib(o, g) > (unsigned long long)QEMU_MAX_MIB * 1024)
		g -= 4;
	return g;
}

/* No --guarantee given: the default, and a line on stderr when the run's size lowered it. */
static void pick_guarantee(struct opts *o)
{
	unsigned long full = VM_GUAR_KIB < o->quota_kib ? VM_GUAR_KIB : o->quota_kib;

	o->guar_kib = fit_guarantee(o);
	if (o->guar_kib < full)
		fprintf(stderr, "isorun: %lu VMs: default guarantee %lu KiB a VM (%lu KiB would want %llu MiB of guest RAM,"
			" more than " STR(QEMU_MAX_MIB) "; --guarantee and --mem set them)\n", o->total, o->guar_kib, full,
			(default_mem_kib(o, full) + 1023) / 1024);
}

static void usage(FILE *f)
{
	struct opts big = { .quota_kib = VM_QUOTA_KIB, .total = 1000000 };
	unsigned long g = fit_guarantee(&big);

	fputs(usage_head, f);
	fprintf(f, usage_mem, QEMU_BASE_MIB, QEMU_VM_KERNEL_KIB, QEMU_VM_KERNEL_KIB + 2 * VM_GUAR_KIB, QEMU_MAX_MIB,
		(unsigned long long)(QEMU_MAX_MIB - QEMU_BASE_MIB) * 1024 / (QEMU_VM_KERNEL_KIB + 2 * VM_GUAR_KIB), g,
		(default_mem_kib(&big, g) + 1023) / 1024);
	fputs(usage_tail, f);
}

static unsigned long parse_ul(const char *opt, const char *s, unsigned long min)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || v < min)
		input_error("%s: expected an integer >= %lu, got '%s'", opt, min, s);
	return v;
}

/* <dir of this executable>/../isokernel.bin */
static char *default_kernel(void)
{
	char exe[PATH_MAX], *path, *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n <= 0)
		die("cannot find my own path: %s", strerror(errno));
	exe[n] = 0;
	slash = strrchr(exe, '/');
	*slash = 0;
	path = xmalloc(strlen(exe) + 32);
	sprintf(path, "%s/../isokernel.bin", exe);
	return path;
}

static const struct option long_opts[] = {
	{ "accel", required_argument, NULL, 'a' },  { "mem", required_argument, NULL, 'm' },
	{ "timeout", required_argument, NULL, 't' }, { "quiet", no_argument, NULL, 'q' },
	{ "json", required_argument, NULL, 'j' },   { "quota", required_argument, NULL, 'Q' },
	{ "quantum", required_argument, NULL, 'u' }, { "kernel", required_argument, NULL, 'k' },
	{ "qemu-arg", required_argument, NULL, 'A' }, { "serial-log", required_argument, NULL, 's' },
	{ "replay", required_argument, NULL, 'r' }, { "verbose", no_argument, NULL, 'v' },
	{ "net-socket", required_argument, NULL, 'N' }, { "tap", required_argument, NULL, 'T' },
	{ "subnet", required_argument, NULL, 'S' }, { "append", required_argument, NULL, 'P' },
	{ "guarantee", required_argument, NULL, 'G' }, { "help", no_argument, NULL, 'h' },
	{ "serve", required_argument, NULL, 'V' },
	{ "no-console", no_argument, NULL, 'C' }, { "com1-log", required_argument, NULL, 'L' },
	{ "operator-key", required_argument, NULL, 'O' },
	{ "share", required_argument, NULL, 'W' },
	{ "env", required_argument, NULL, 'E' }, { "stdin", required_argument, NULL, 'I' },
	{ "stdin-text", required_argument, NULL, 'X' }, { "gdb", required_argument, NULL, 'D' },
	{ "pcap", required_argument, NULL, 0x100 }, { "pcap-vm", required_argument, NULL, 0x101 },
	{ NULL, 0, NULL, 0 },
};

/* --subnet a.b.c.d/n: prefix 8..30, no host bits set. */
static void parse_subnet(struct opts *o, const char *arg)
{
	unsigned a[4], bits;
	char tail;
	int i;

	if (sscanf(arg, "%3u.%3u.%3u.%3u/%2u%c", &a[0], &a[1], &a[2], &a[3], &bits, &tail) != 5 ||
	    a[0] > 255 || a[1] > 255 || a[2] > 255 || a[3] > 255 || bits < 8 || bits > 30 ||
	    strspn(arg, "0123456789./") != strlen(arg))
		input_error("--subnet: expected a.b.c.d/n with n in 8..30, got '%s'", arg);
	o->net_ip = 0;
	for (i = 0; i < 4; i++)
		o->net_ip = o->net_ip << 8 | a[i];
	if (o->net_ip & ((1u << (32 - bits)) - 1))
		input_error("--subnet %s: host bits are set (the base address must end in %u zero bits)", arg, 32 - bits);
	o->net_bits = bits;
	o->have_subnet = 1;
}

/* --append: key=number words, printable, within what the kernel's command line can hold. */
static void check_append(const char *arg)
{
	const char *p;

	if (strlen(arg) > 512)
		input_error("--append: at most 512 bytes");
	for (p = arg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			input_error("--append: control or non-ASCII characters are not allowed");
}

/* --operator-key FILE.pub: one line of 64 hex digits (hostlib/ctlauth.h's key files). */
static void read_operator_key(struct opts *o, const char *path)
{
	char line[128] = { 0 };
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		input_error("--operator-key %s: %s", path, strerror(errno));
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = 0;
	if (n != 64 || strspn(line, "0123456789abcdefABCDEF") != 64)
		input_error("--operator-key %s: want one line of 64 hex digits (an Ed25519 public key, kctl keygen)", path);
	memcpy(o->opkey, line, sizeof(o->opkey));
}

/* --share T:W: tenant T (0..254) gets CPU share W (1..1000): the kernel word share=T:W (sched_share.c). */
static void add_share(struct opts *o, const char *arg)
{
	unsigned t, w;
	char tail, word[32];
	size_t len = o->shares ? strlen(o->shares) : 0;

	if (sscanf(arg, "%3u:%4u%c", &t, &w, &tail) != 2 || strspn(arg, "0123456789:") != strlen(arg) || t > 254 ||
	    w < 1 || w > 1000)
		input_error("--share: expected T:W with tenant T 0..254 and share W 1..1000, got '%s'", arg);
	snprintf(word, sizeof word, " share=%u:%u", t, w);
	if (len + strlen(word) > 2048)
		input_error("--share: too many");
	o->shares = xrealloc(o->shares, len + strlen(word) + 1);
	strcpy(o->shares + len, word);
}

int plan_used(const struct opts *o)
{
	return o->net_socket || o->tap || o->have_subnet;
}

static void set_opt(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case 'a': o->accel = arg; break;
	case 'm': o->mem_mib = parse_ul("--mem", arg, 16); break;
	case 't': o->timeout_s = parse_ul("--timeout", arg, 0); break;
	case 'q': o->quiet = 1; break;
	case 'j': o->json = arg; break;
	case 'Q': o->quota_kib = parse_ul("--quota", arg, 4); break;
	case 'G': o->guar_kib = parse_ul("--guarantee", arg, 4); break;
	case 'u': o->quantum_us = parse_ul("--quantum", arg, 1); break;
	case 'k': o->kernel = arg; break;
	case 's': o->serial_log = arg; break;
	case 'r': o->replay = arg; break;
	case 'v': o->verbose = 1; break;
	case 'N': o->net_socket = arg; break;
	case 'T': o->tap = arg; break;
	case 'S': parse_subnet(o, arg); break;
	case 'P': check_append(arg); o->append = arg; break;
	case 'V': o->serve = arg; break;
	case 'C': o->no_console = 1; break;
	case 'L': o->com1_log = arg; break;
	case 'O': read_operator_key(o, arg); break;
	case 'W': add_share(o, arg); break;
	case 'E': args_add_env(o, arg); break;
	case 'I': args_stdin_file(o, arg); break;
	case 'X': args_stdin_text(o, arg); break;
	case 'D': parse_ul("--gdb", arg, 1); o->gdb = arg; break;
	case 0x100: o->pcap = arg; break;
	case 0x101: pcapw_add_vm(o, arg); break;
	case 'A':
		o->qemu_args = xrealloc(o->qemu_args, (o->nqemu_args + 1) * sizeof *o->qemu_args);
		o->qemu_args[o->nqemu_args++] = (char *)arg;
		break;
	case 'h': usage(stdout); exit(0);
	default: input_error("unknown option");
	}
}

/* One NIC at most; a socket path must fit sun_path; the VMs must fit in the subnet (below its broadcast). */
static void check_net(const struct opts *o)
{
	if (o->net_socket && o->tap)
		input_error("--net-socket and --tap are exclusive (one NIC)");
	if (o->net_socket && (!*o->net_socket || strlen(o->net_socket) > 107 || strchr(o->net_socket, ',')))
		input_error("--net-socket: the path must be 1..107 bytes without ','");
	if (o->tap && (!*o->tap || strlen(o->tap) > 15 || strchr(o->tap, ',')))
		input_error("--tap: the interface name must be 1..15 bytes without ','");
	unsigned long host_vms = 0;           /* tenant 0's: the subnet's (tenants have their own blocks) */
	for (size_t i = 0; i < o->nimages; i++)
		host_vms += o->images[i].tenant ? 0 : o->images[i].count;
	if (o->have_subnet && host_vms > netplan_slots(o->net_bits))
		input_error("--subnet: %lu VMs do not fit in a /%u (VM i is base+2+i, below the broadcast address)",
			    host_vms, o->net_bits);
}

static void parse_opts(struct opts *o, int argc, char **argv)
{
	int c;

	o->accel = "auto";
	o->quota_kib = VM_QUOTA_KIB;
	o->quantum_us = QUANTUM_US;
	o->net_ip = NETPLAN_DEFAULT_BASE;
	o->net_bits = NETPLAN_DEFAULT_BITS;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		if (c == '?')
			input_error("unknown option or missing argument: %s", argv[optind - 1]);
		set_opt(o, c, optarg);
	}
	if (strcmp(o->accel, "auto") && strcmp(o->accel, "kvm") && strcmp(o->accel, "tcg"))
		input_error("--accel must be auto, kvm or tcg, not '%s'", o->accel);
	if (o->guar_kib > o->quota_kib)
		input_error("--guarantee (%lu KiB) must not exceed --quota (%lu KiB)", o->guar_kib, o->quota_kib);
	if (optind == argc && !o->replay && !o->serve)
		input_error("no IMAGE given");
	if (o->serve && o->replay)
		input_error("--serve and --replay are exclusive");
	if (o->gdb && strtoul(o->gdb, NULL, 10) > 65535)
		input_error("--gdb: a TCP port 1..65535, got '%s'", o->gdb);
	gdb_qemu_args(o);
	images_parse(o, argv + optind, argc - optind);
	check_net(o);
	args_check_modules(o);
	pcapw_check_opts(o);
	if (!o->guar_kib)
		pick_guarantee(o);
}

static const char *choose_accel(const char *want, const char *kernel)
{
	int fd;

	if (strcmp(want, "auto"))
		return want;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		warnx("KVM not usable (/dev/kvm: %s): using TCG", strerror(errno));
		return "tcg";
	}
	close(fd);
	return kvm_usable(kernel) ? "kvm" : "tcg";
}

static unsigned long guest_mem_mib(const struct opts *o)
{
	if (o->mem_mib)
		return o->mem_mib;
	return (unsigned long)((default_mem_kib(o, o->guar_kib) + 1023) / 1024);
}

static void open_log(struct run *run, const char *mode)
{
	if (!run->o.serial_log)
		return;
	if (run->log)
		fclose(run->log);
	run->log = fopen(run->o.serial_log, mode);
	if (!run->log)
		input_error("--serial-log %s: %s", run->o.serial_log, strerror(errno));
}

static void open_com1_log(struct run *run)
{
	if (!run->o.com1_log)
		return;
	if (run->com1_log)
		fclose(run->com1_log);
	run->com1_log = fopen(run->o.com1_log, "wb");
	if (!run->com1_log)
		input_error("--com1-log %s: %s", run->o.com1_log, strerror(errno));
}

static void reset_results(struct run *run)
{
	records_free(&run->r);
	memset(&run->r, 0, sizeof run->r);
	memset(run->d, 0, sizeof run->d);
	memset(&run->vmbufs, 0, sizeof run->vmbufs);
	run->killed = 0;
}

/* Runs QEMU; under auto, a KVM launch that dies before @boot is retried once with TCG. */
static void launch(struct run *run)
{
	struct stat st;
	const char *kernel = run->o.kernel ? run->o.kernel : default_kernel();
	const char *accel;
	char *klink, *mods;

	if (stat(kernel, &st) < 0 || !S_ISREG(st.st_mode))
		input_error("kernel %s: %s (build it with 'make kernel', or pass --kernel PATH)", kernel,
			    errno ? strerror(errno) : "not a regular file");
	accel = choose_accel(run->o.gdb && !strcmp(run->o.accel, "auto") ? "tcg" : run->o.accel, kernel);
	atexit(images_cleanup);
	if (run->o.gdb)
		gdb_print_help(&run->o, kernel);
	mods = images_setup(&run->o, kernel, &klink);
	if (run->o.serve)
		serve_init(run, run->o.serve);
	run->mem_mib = guest_mem_mib(&run->o);
	qemu_run(run, accel, klink, mods);
	if (!strcmp(run->o.accel, "auto") && !strcmp(accel, "kvm") && !run->r.booted && !run->killed) {
		warnx("the KVM launch died before the kernel printed @boot; retrying once with TCG");
		reset_results(run);
		open_log(run, "wb");
		open_com1_log(run);
		serve_relaunch();
		pcapw_relaunch(run);
		qemu_run(run, "tcg", klink, mods);
	}
	serve_summary();
	serve_close();
	free(mods);
}

int main(int argc, char **argv)
{
	static struct run run;
	int status;

	run.qemu_status = -1;
	run.rep_fd = run.ctl_fd = run.pcap_fd = -1;
	parse_opts(&run.o, argc, argv);
	open_log(&run, "wb");
	open_com1_log(&run);
	pcapw_open(&run);
	if (run.o.replay)
		replay_run(&run);
	else
		launch(&run);
	pcapw_close(&run);
	status = report_status(&run);
	records_sort(&run.r);
	report_summary(&run, status);
	if (run.o.json && report_json(&run, status, run.o.json) < 0 && status == IR_OK)
		status = IR_KERNEL;
	if (run.log)
		fclose(run.log);
	if (run.com1_log)
		fclose(run.com1_log);
	records_free(&run.r);
	return status;
}
