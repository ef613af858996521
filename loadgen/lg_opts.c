/* lg_opts.c - loadgen's command line: the options, their checks, and the measured phases they ask for. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lg.h"

static const char usage_text[] =
"usage: loadgen --socket PATH (--udp-echo | --http) [options]\n"
"Connects to the unix stream socket QEMU serves for isorun --net-socket PATH (retrying until QEMU listens),\n"
"speaks its framing (4-byte big-endian length, then the Ethernet frame) and plays the world outside the NIC:\n"
"the gateway (base+1 of --subnet, MAC 02:fe:00:00:00:01; it answers ARP for that address) and the clients,\n"
"which all use the gateway address (UDP: one source port per request; HTTP: one host netstack per VM).\n"
"Address plan (isorun --help): VM id i has IPv4 base+2+i and MAC 02:00:<i as 4 bytes big-endian>.\n"
"\n"
"workloads:\n"
"  --udp-echo            datagrams of --size bytes to UDP port 7 of the VMs; the echo must carry the same payload\n"
"  --http                HTTP/1.1 GET --path over TCP, keep-alive (a connection pool per VM); a response must\n"
"                        be status 200 with Content-Length bytes of body\n"
"options:\n"
"  --socket PATH         QEMU's socket (the isorun --net-socket PATH)\n"
"  --vms N               the VMs are ids 0..N-1 (default 1)\n"
"  --subnet CIDR         as given to isorun (default 10.0.0.0/8)\n"
"  --tenant T            the VMs are tenant T's (isorun IMG:COUNT@T, T 1..254): ids 0..N-1 are the tenant's address\n"
"                        numbers, 10.T.0.2 + i with MAC 06:<T>:<i>; loadgen plays its gateway 10.T.0.1 (README\n"
"                        \"Address plan\"; instead of --subnet)\n"
"  --zipf S              pick VMs by Zipf's law with exponent S (VM 0 the most popular); default uniform\n"
"  --sweep               pick the VMs in turn (0, 1, ..., N-1, 0, ...): every VM gets its share of the load\n"
"  --rate R              open loop: R requests per second (a send the socket cannot take is a drop)\n"
"  --concurrency C       closed loop: C requests in flight (default 1 if no --rate)\n"
"  --duration SEC        measure for SEC seconds (default 10) ...\n"
"  --requests N          ... or until N requests were sent (per phase)\n"
"  --size B              UDP payload bytes, 16..1472 (default 64)\n"
"  --path P              HTTP path (default /)\n"
"  --port P              the VMs' port (default 7 for --udp-echo, 80 for --http)\n"
"  --timeout MS          a request unanswered after MS is a timeout (default 3000)\n"
"  --wait SEC            readiness phase: up to SEC s (default 60) connecting to QEMU, then probing every VM\n"
"                        until it has answered once (probes are not measured); the measurement starts when all\n"
"                        answered or SEC s are over\n"
"  --nic-mac MAC         the NIC's MAC (default 52:54:00:12:34:56, what isorun gives QEMU): under the kernel's\n"
"                        netbounce=1 the driver sends frames addressed to it straight back (MACs swapped),\n"
"                        without the switch or a VM: the bare path\n"
"  --bounce              --udp-echo over the bare path only: every datagram (probes too) goes to --nic-mac and\n"
"                        comes back as our own frame; no VM needs to run\n"
"  --alternate N         --udp-echo, bare path vs switched path side by side (kernel netbounce=1 and the VMs\n"
"                        running udp-echo): N pairs of phases of --duration each, a bare phase (to --nic-mac)\n"
"                        and a switched phase (to the VMs), in turn bare first and switched first, each drained\n"
"                        before the next; reports every phase, the median throughput of each kind and the ratio\n"
"                        switched/bare: the median over the pairs of each pair's ratio (the host's speed drifts\n"
"                        over seconds here; a pair's phases are adjacent)\n"
"  --dismiss K           --udp-echo, one busy VM set among idle ones vs alone: VMs --vms .. --vms+K-1 exist too\n"
"                        (udp-echo with an exit count of 2: 'udp-echo.elf:K:7 2'); each is probed once for\n"
"                        readiness and gets no load. Phase crowd measures --vms VMs among them; then each of the\n"
"                        K gets its second datagram and exits, and phase alone measures the same load again;\n"
"                        reports the ratio crowd/alone. Between them: until --kernel-log stopped growing for 1 s\n"
"                        (the kernel has reported the exits), else 2 s + 1 ms per dismissed VM\n"
"  --repeat N            with --dismiss: N crowd phases, then N alone phases (medians compared; default 1)\n"
"  --json FILE           write the report as JSON\n"
"  --run 'CMD'           start CMD (sh -c, in its own process group) first, e.g. \"isorun --net-socket PATH IMAGE:N\",\n"
"                        run the load, then send the group SIGTERM (isorun then ends the run gracefully: the\n"
"                        kernel's summary, isorun's JSON) and wait for CMD to end (the shell stays to report\n"
"                        CMD's exit status). On a signal to loadgen or a failed connection, the same\n"
"  --stop-wait SEC       after that SIGTERM wait up to SEC s (default 120), then SIGKILL the group\n"
"  --no-stop             do not signal CMD after the load: wait until it ends by itself (a loadgen signal still\n"
"                        stops it)\n"
"  --isorun-json FILE    after CMD ended, read isorun's --json FILE: accelerator and bytes per VM join the report\n"
"  --kernel-log FILE     after CMD ended, read the kernel's @switch line (runlog.h) from FILE, the serial stream\n"
"                        isorun --serial-log FILE saved: the switch's counters join the report, its drops the table\n"
"  --table               end with the summary table (VMs answering, requests/s, latency, drops, bytes per VM,\n"
"                        accelerator, CPU time of both sides)\n"
"  --quiet               no progress lines (default: one per second on stderr)\n"
"  -h, --help            this text\n"
"\n"
"one command for both sides, e.g.:\n"
"  loadgen --run 'build/bin/isorun --quiet --json r.json --net-socket /tmp/n.sock build/examples/udp-echo.elf:1000'\n"
"          --socket /tmp/n.sock --vms 1000 --udp-echo --concurrency 64 --duration 20 --json out.json\n"
"          --isorun-json r.json --table\n"
"\n"
"report (stdout, and --json FILE): workload, vms, vms_dismissed, order (uniform|zipf|sweep), loop (closed|open),\n"
"concurrency, rate, requests, responses, errors (wrong payload, bad HTTP status, length or connection), timeouts,\n"
"drops, late (answers after their timeout), wrong, throughput (responses/s over the measured seconds),\n"
"latency_us {p50, p99, max}, vms_answered (answered at least once, readiness probes included),\n"
"vms_answered_measured (VMs under load with a measured response), vms_ready and ready_seconds (the readiness\n"
"phase), fairness {min, median, max responses per VM, jain}, seconds, rx_frames, tx_frames, arp_replies,\n"
"phases [{name, requests, responses, errors, timeouts, drops, seconds, throughput, latency_us,\n"
"cpu_us_per_response {qemu_main (QEMU's main thread: its I/O loop), qemu_vcpu (its other threads: the vCPU),\n"
"loadgen} (with --run, from /proc; else null)}],\n"
"ratio ({of, numerator_median, denominator_median, value, ratio_of_medians, pairs: [each pair's ratio]} for\n"
"--alternate, value being the median of pairs; {of, numerator_median, denominator_median, value} for --dismiss,\n"
"value being numerator_median / denominator_median; else null),\n"
"run_exit_status (--run: CMD's exit status, 128+N if signal N ended it, else null), run_stopped (sigterm|sigkill|\n"
"no), cpu_seconds {loadgen, run (CMD and its descendants: isorun, QEMU)}, maxrss_kib {loadgen, run (the largest\n"
"of CMD's process tree: QEMU)}, isorun ({accel, vms_started,\n"
"kernel_bytes_per_vm, guest_bytes_per_vm, qemu_mem_mib, run_seconds} from --isorun-json, else null),\n"
"kernel_switch ({the @switch fields, drops: their drop_* total} from --kernel-log, else null).\n"
"exit status: 0 every VM answered and no payload or response was wrong; 1 otherwise (or CMD exited >= 2);\n"
"2 usage error or no connection.\n";

static double parse_num(const char *opt, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !(v >= min && v <= max))
		lg_die("%s: expected a number in %g..%g, got '%s'", opt, min, max, s);
	return v;
}

static void parse_subnet(const char *arg)
{
	unsigned a[4], bits;
	char tail;

	if (sscanf(arg, "%3u.%3u.%3u.%3u/%2u%c", &a[0], &a[1], &a[2], &a[3], &bits, &tail) != 5 || a[0] > 255 ||
	    a[1] > 255 || a[2] > 255 || a[3] > 255 || bits < 8 || bits > 30)
		lg_die("--subnet: expected a.b.c.d/n with n in 8..30, got '%s'", arg);
	G.net_ip = a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
	G.net_bits = bits;
	if (G.net_ip & ((1u << (32 - bits)) - 1))
		lg_die("--subnet %s: host bits are set", arg);
}

/* --tenant T (1..254): the tenant's block instead of --subnet's network. */
static void parse_tenant(const char *arg)
{
	double t = parse_num("--tenant", arg, 1, NETPLAN_TENANT_MAX);

	if (t != (double)(uint32_t)t)
		lg_die("--tenant: expected a whole number 1..%u, got '%s'", NETPLAN_TENANT_MAX, arg);
	G.tenant = (uint32_t)t;
}

static void parse_mac(const char *arg)
{
	unsigned m[6];
	char tail;
	int i;

	if (sscanf(arg, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &tail) != 6)
		lg_die("--nic-mac: expected xx:xx:xx:xx:xx:xx, got '%s'", arg);
	for (i = 0; i < 6; i++)
		G.nic_mac[i] = (uint8_t)m[i];
	if (G.nic_mac[0] & 1)
		lg_die("--nic-mac %s: a multicast address", arg);
}

static const struct option long_opts[] = {
	{ "socket", 1, 0, 's' }, { "udp-echo", 0, 0, 'U' }, { "http", 0, 0, 'H' }, { "vms", 1, 0, 'n' },
	{ "subnet", 1, 0, 'S' }, { "zipf", 1, 0, 'z' }, { "rate", 1, 0, 'r' }, { "concurrency", 1, 0, 'c' },
	{ "duration", 1, 0, 'd' }, { "requests", 1, 0, 'N' }, { "size", 1, 0, 'b' }, { "path", 1, 0, 'p' },
	{ "timeout", 1, 0, 't' }, { "wait", 1, 0, 'w' }, { "bounce", 0, 0, 'B' }, { "json", 1, 0, 'j' },
	{ "run", 1, 0, 'R' }, { "port", 1, 0, 'P' }, { "quiet", 0, 0, 'q' }, { "help", 0, 0, 'h' },
	{ "sweep", 0, 0, 'W' }, { "nic-mac", 1, 0, 'M' }, { "alternate", 1, 0, 'A' }, { "dismiss", 1, 0, 'D' },
	{ "stop-wait", 1, 0, 'T' }, { "no-stop", 0, 0, 'O' }, { "isorun-json", 1, 0, 'I' }, { "table", 0, 0, 'L' },
	{ "kernel-log", 1, 0, 'K' }, { "repeat", 1, 0, 'E' }, { "tenant", 1, 0, 'X' },
	{ 0, 0, 0, 0 },
};

static void set_opt(int c, const char *arg, int *modes)
{
	switch (c) {
	case 's': G.sock_path = arg; break;
	case 'U': G.mode = LG_UDP, (*modes)++; break;
	case 'H': G.mode = LG_HTTP, (*modes)++; break;
	case 'n': G.nload = (uint32_t)parse_num("--vms", arg, 1, 1 << 24); break;
	case 'S': parse_subnet(arg); break;
	case 'X': parse_tenant(arg); break;
	case 'z': G.zipf = parse_num("--zipf", arg, 0, 10); break;
	case 'r': G.rate = parse_num("--rate", arg, 0.001, 1e7); break;
	case 'c': G.conc = (uint32_t)parse_num("--concurrency", arg, 1, 1 << 20); break;
	case 'd': G.duration_s = parse_num("--duration", arg, 0.001, 1e6); break;
	case 'N': G.max_requests = (uint64_t)parse_num("--requests", arg, 1, 1e12); break;
	case 'b': G.size = (uint32_t)parse_num("--size", arg, 16, 1472); break;
	case 'p': G.http_path = arg; break;
	case 't': G.timeout_ms = (uint32_t)parse_num("--timeout", arg, 1, 3600000); break;
	case 'w': G.wait_s = (uint32_t)parse_num("--wait", arg, 0, 86400); break;
	case 'B': G.bounce = 1; break;
	case 'j': G.json = arg; break;
	case 'R': G.run_cmd = arg; break;
	case 'q': G.quiet = 1; break;
	case 'P': G.port = (uint16_t)parse_num("--port", arg, 1, 65535); break;
	case 'W': G.sweep = 1; break;
	case 'M': parse_mac(arg); break;
	case 'A': G.alternate = (uint32_t)parse_num("--alternate", arg, 1, LG_MAX_PHASES / 2); break;
	case 'D': G.ndismiss = (uint32_t)parse_num("--dismiss", arg, 1, 1 << 24); break;
	case 'T': G.stop_wait_s = parse_num("--stop-wait", arg, 0, 86400); break;
	case 'O': G.no_stop = 1; break;
	case 'I': G.isorun_json = arg; break;
	case 'L': G.table = 1; break;
	case 'E': G.repeat = (uint32_t)parse_num("--repeat", arg, 1, LG_MAX_PHASES / 2); break;
	case 'K': G.kernel_log = arg; break;
	case 'h': fputs(usage_text, stdout); exit(0);
	default: lg_die("unknown option or missing argument (loadgen --help)");
	}
}

static struct lg_phase *add_phase(const char *name, int bare)
{
	struct lg_phase *ph = &G.phases[G.nphases++];

	ph->name = name;
	ph->bare = bare;
	return ph;
}

/* One phase "main"; --alternate: pairs in turn bare first and switched first (bare, switched, switched, bare,
 * ...), so that a host getting steadily faster or slower favours neither; --dismiss: crowd, then alone. */
static void plan_phases(void)
{
	uint32_t i;

	if (G.alternate) {
		for (i = 0; i < G.alternate; i++) {
			if (i % 2 == 0)
				add_phase("bare", 1);
			add_phase("switched", 0);
			if (i % 2 == 1)
				add_phase("bare", 1);
		}
		G.ratio_a = "switched", G.ratio_b = "bare";
	} else if (G.ndismiss) {
		for (i = 0; i < G.repeat; i++)
			add_phase("crowd", 0);
		for (i = 0; i < G.repeat; i++)
			add_phase("alone", 0)->dismiss_before = i == 0;
		G.ratio_a = "crowd", G.ratio_b = "alone";
	} else {
		add_phase("main", 0);
	}
}

static void check_opts(int modes)
{
	if (!G.sock_path || modes != 1)
		lg_die("give --socket PATH and one of --udp-echo, --http (loadgen --help)");
	if (G.rate && G.conc)
		lg_die("--rate (open loop) and --concurrency (closed loop) are exclusive");
	if (G.zipf > 0 && G.sweep)
		lg_die("--zipf and --sweep are exclusive");
	if ((G.bounce || G.alternate || G.ndismiss) && G.mode != LG_UDP)
		lg_die("--bounce, --alternate and --dismiss work with --udp-echo only");
	if (!!G.bounce + !!G.alternate + !!G.ndismiss > 1)
		lg_die("--bounce, --alternate and --dismiss are exclusive");
	if (G.repeat > 1 && !G.ndismiss)
		lg_die("--repeat goes with --dismiss (--alternate N repeats its pairs itself)");
	if (G.no_stop && !G.run_cmd)
		lg_die("--no-stop goes with --run");
	G.nvms = G.nload + G.ndismiss;
	if (G.nvms > netplan_slots(G.net_bits))
		lg_die("%u VMs do not fit in a /%u", G.nvms, G.net_bits);
}

void lg_parse_opts(int argc, char **argv)
{
	int c, modes = 0;

	G.nload = 1, G.net_ip = NETPLAN_DEFAULT_BASE, G.net_bits = NETPLAN_DEFAULT_BITS, G.duration_s = 10, G.size = 64;
	G.timeout_ms = 3000, G.wait_s = 60, G.http_path = "/", G.run_status = -1;
	G.stop_wait_s = 120, G.repeat = 1;
	memcpy(G.nic_mac, (uint8_t[]){ 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, 6);
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1)
		set_opt(c, optarg, &modes);
	if (optind != argc)
		lg_die("unexpected argument '%s' (loadgen --help)", argv[optind]);
	if (G.tenant) {
		if (G.net_ip != NETPLAN_DEFAULT_BASE || G.net_bits != NETPLAN_DEFAULT_BITS)
			lg_die("--tenant and --subnet: one network only (a tenant's block is 10.T.0.0/16)");
		G.net_ip = netplan_tenant_base(G.tenant);
		G.net_bits = NETPLAN_TENANT_BITS;
	}
	check_opts(modes);
	if (!G.rate && !G.conc)
		G.conc = 1;
	if (!G.port)
		G.port = G.mode == LG_UDP ? 7 : 80;
	G.gw = netplan_gateway(G.net_ip);
	memcpy(G.mac, (uint8_t[])NETPLAN_GATEWAY_MAC, 6);
	plan_phases();
}
