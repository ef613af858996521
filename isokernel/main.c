/* main.c - kmain: boot the machine, take the memory map, load the guest images, create the VMs, run them. */
#include "arch.h"
#include "multiboot.h"
#include "memlayout.h"
#include "frame.h"
#include "image.h"
#include "vm.h"
#include "sched.h"
#include "run.h"
#include "report.h"
#include "runlog.h"
#include "rand.h"
#include "virtio_net.h"
#include "virtio_console.h"
#include "vswitch.h"
#include "capture.h"
#include "bind.h"
#include "vmtab.h"
#include "selftest.h"
#include "selftest_crypto.h"
#include "nethc.h"
#include "tsc.h"
#include "cpu.h"
#include "lib.h"
#include "kprintf.h"
#include "netplan.h"
#include "ctlsrv.h"
#include "tenant.h"
#include "service.h"
#include "fork.h"
#include "argblk.h"
#include "summon.h"

extern char _kernel_end[];

struct kopts {
	uint64_t timeout_ms, quota_kib, guar_kib, quantum_us, net_ip, net_bits, net_immediate;
	uint64_t seed[4];          /* seed=N words (isorun's getrandom), for the random source */
	uint64_t selftest_save, selftest_save_at;   /* test hook: selftest.c */
	uint64_t selftest_verify;                   /* boot-time crypto check: selftest_crypto.c */
	uint32_t nseed;
	int quiet;
};

/* Physical ranges the kernel may not hand out: its image, the boot information, the modules. */
#define MAX_MODS 64
#define MAX_RESV (8 + 2 * MAX_MODS)
static struct range { uint64_t lo, hi; } resv[MAX_RESV];
static int nresv;
static uint64_t mem_bytes;
static uint32_t vm_cap;        /* VMs the tables hold (vm_capacity) */

/* The least guest RAM a VM takes: its page-table page and its start page (the smallest guarantee). */
#define VM_MIN_BYTES (2 * PAGE_SIZE)

static void reserve(uint64_t lo, uint64_t hi)
{
	if (nresv == MAX_RESV)
		panic("too many reserved ranges");
	resv[nresv].lo = lo & PAGE_MASK;
	resv[nresv].hi = (hi + PAGE_SIZE - 1) & PAGE_MASK;
	nresv++;
}

static void reserve_string(uint32_t pa)
{
	if (pa)
		reserve(pa, pa + strlen(P2V(pa)) + 1);
}

static void reserve_boot_data(const struct mb_info *mbi, uint32_t mbi_phys)
{
	reserve(0, KERNEL_PHYS);                                   /* BIOS, real-mode structures */
	reserve(KERNEL_PHYS, KV2P(_kernel_end));
	reserve(mbi_phys, mbi_phys + sizeof(*mbi));
	if (mbi->flags & MB_INFO_CMDLINE)
		reserve_string(mbi->cmdline);
	if (mbi->flags & MB_INFO_MMAP)
		reserve(mbi->mmap_addr, (uint64_t)mbi->mmap_addr + mbi->mmap_length);
	if (mbi->flags & MB_INFO_MODS) {
		const struct mb_module *m = P2V(mbi->mods_addr);
		reserve(mbi->mods_addr, mbi->mods_addr + (uint64_t)mbi->mods_count * sizeof(*m));
		for (uint32_t i = 0; i < mbi->mods_count; i++) {
			reserve(m[i].mod_start, m[i].mod_end);
			reserve_string(m[i].cmdline);
		}
	}
}

/* Hand [lo, hi) minus every reserved range to the frame allocator. */
static void add_usable(uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < nresv && lo < hi; i++) {
		if (resv[i].hi <= lo || resv[i].lo >= hi)
			continue;
		if (resv[i].lo > lo)
			add_usable(lo, resv[i].lo);
		lo = resv[i].hi;
	}
	if (lo < hi)
		frame_add_range(lo, hi);
}

/* Take n contiguous bytes for boot-time tables from the first available range that fits. */
static void *boot_alloc(const struct mb_info *mbi, uint64_t n)
{
	const uint8_t *p = P2V(mbi->mmap_addr), *end = p + mbi->mmap_length;

	n = (n + PAGE_SIZE - 1) & PAGE_MASK;
	for (; p < end; p += ((const struct mb_mmap_entry *)p)->size + 4) {
		const struct mb_mmap_entry *e = (const void *)p;
		uint64_t lo = (e->addr + PAGE_SIZE - 1) & PAGE_MASK, hi = (e->addr + e->len) & PAGE_MASK;
		if (e->type != MB_MMAP_AVAILABLE || hi > DMAP_SIZE)
			continue;
		for (uint64_t a = lo < KERNEL_PHYS ? KERNEL_PHYS : lo; a + n <= hi; ) {
			int clash = -1;
			for (int i = 0; i < nresv && clash < 0; i++)
				if (resv[i].lo < a + n && resv[i].hi > a)
					clash = i;
			if (clash < 0) {
				reserve(a, a + n);
				memset(P2V(a), 0, n);
				return P2V(a);
			}
			a = resv[clash].hi;
		}
	}
	panic("no %lu contiguous bytes for boot tables", n);
}

/* Sort the reserved ranges and merge those less than 64 KiB apart: the frame allocator takes
 * few, large ranges (boot data and modules sit close together). */
static void merge_reserved(void)
{
	for (int i = 1; i < nresv; i++)
		for (int j = i; j > 0 && resv[j - 1].lo > resv[j].lo; j--) {
			struct range t = resv[j];
			resv[j] = resv[j - 1];
			resv[j - 1] = t;
		}
	int n = 0;
	for (int i = 0; i < nresv; i++) {
		if (n && resv[i].lo <= resv[n - 1].hi + 0x10000) {
			if (resv[i].hi > resv[n - 1].hi)
				resv[n - 1].hi = resv[i].hi;
		} else {
			resv[n++] = resv[i];
		}
	}
	nresv = n;
}

static void memory_init(const struct mb_info *mbi)
{
	const uint8_t *p = P2V(mbi->mmap_addr), *end = p + mbi->mmap_length;

	merge_reserved();
	frame_init();
	for (; p < end; p += ((const struct mb_mmap_entry *)p)->size + 4) {
		const struct mb_mmap_entry *e = (const void *)p;
		uint64_t lo = e->addr, hi = e->addr + e->len;
		if (e->type != MB_MMAP_AVAILABLE)
			continue;
		if (hi > DMAP_SIZE)
			hi = DMAP_SIZE;
		if (lo < hi) {
			mem_bytes += hi - lo;
			add_usable(lo, hi);
		}
	}
}

static const char *next_word(const char *s, char *w, size_t wlen)
{
	size_t n = 0;

	while (*s == ' ')
		s++;
	while (*s && *s != ' ') {
		if (n + 1 < wlen)
			w[n++] = *s;
		s++;
	}
	w[n] = 0;
	return s;
}

static int parse_u64(const char *s, uint64_t *v)
{
	uint64_t r = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || r > (UINT64_MAX - 9) / 10)
			return -1;
		r = r * 10 + (uint64_t)(*s - '0');
	}
	*v = r;
	return 0;
}

/* share=T:W (repeatable): tenant T (0..254) gets CPU share W (1..1000), which turns the CPU-share policy on
 * (sched_share.c). 0, or -1 when malformed. */
static int parse_share(const char *v)
{
	char t[8];
	uint64_t tn, w;
	size_t n = 0;

	while (v[n] && v[n] != ':' && n + 1 < sizeof(t)) {
		t[n] = v[n];
		n++;
	}
	t[n] = 0;
	if (v[n] != ':' || parse_u64(t, &tn) != 0 || parse_u64(v + n + 1, &w) != 0 || tn > 254 || w < 1 || w > 1000)
		return -1;
	sched_set_share((unsigned)tn, (unsigned)w);
	return 0;
}

/* Kernel command line: "<path> key=value ..." (pvisa/runlog.h). */
static void parse_opts(const struct mb_info *mbi, struct kopts *o)
{
	static const char *const keys[] = { "timeout_ms", "quota_kib", "quantum_us", "quiet", "netbounce",
					    "net_ip", "net_bits", "net_immediate", "net_poll", "idle_spin", "vm_brief", "guar_kib",
					    "selftest_save", "selftest_save_at", "serve", "selftest_verify",
					    "summon_ready_ms", "summon_rate", "summon_src_rate", "seed" };
	enum { NKEYS = sizeof(keys) / sizeof(keys[0]) };
	char w[80];
	const char *s = (mbi->flags & MB_INFO_CMDLINE) ? P2V(mbi->cmdline) : "";

	o->timeout_ms = 0;
	o->nseed = 0;
	o->quota_kib = VM_QUOTA_KIB;
	o->guar_kib = VM_GUAR_KIB;
	o->quantum_us = QUANTUM_US;
	o->quiet = 0;
	o->net_ip = NETPLAN_DEFAULT_BASE;  /* 10.0.0.0/8: gateway 10.0.0.1, VM i at 10.0.0.2 + i */
	o->net_bits = NETPLAN_DEFAULT_BITS;
	o->net_immediate = 0;
	o->selftest_save = o->selftest_save_at = 0;
	o->selftest_verify = 0;
	for (s = next_word(s, w, sizeof(w)); w[0]; s = next_word(s, w, sizeof(w))) {
		char *eq = w;
		while (*eq && *eq != '=')
			eq++;
		if (!*eq)
			continue;          /* QEMU puts the kernel's own path first; GRUB does not */
		if (strncmp(w, "opkey=", 6) == 0) {
			if (tenant_set_operator_hex(w + 6) != 0) {
				kprintf("isokernel: opkey= wants the operator's Ed25519 public key as 64 hex digits\n");
				report_finish(RL_CODE_BADINPUT);
			}
			continue;          /* tenant mode: the operator's key (pvisa/ctl.h "Tenants") */
		}
		if (eq - w == 7 && !memcmp(w, "capture", 7)) {
			if (capture_word(eq + 1) != 0) {
				kprintf("isokernel: bad command-line word '%s' (want capture=all or capture=ID[.ID...])\n", w);
				report_finish(RL_CODE_BADINPUT);
			}
			continue;          /* packet capture (pvisa/runlog.h "Packet capture") */
		}
		if (eq - w == 5 && !memcmp(w, "share", 5)) {
			if (parse_share(eq + 1) != 0) {
				kprintf("isokernel: bad command-line word '%s' (want share=T:W, T 0..254, W 1..1000)\n", w);
				report_finish(RL_CODE_BADINPUT);
			}
			continue;
		}
		uint64_t v;
		if (parse_u64(eq + 1, &v) != 0) {
			kprintf("isokernel: bad command-line word '%s' (want key=number)\n", w);
			report_finish(RL_CODE_BADINPUT);
		}
		*eq = 0;
		uint64_t *dst[NKEYS] = { &o->timeout_ms, &o->quota_kib, &o->quantum_us, NULL, &vnet_bounce,
					 &o->net_ip, &o->net_bits, &o->net_immediate, &vnet_poll_only, &sched_idle_spin,
					 &report_brief, &o->guar_kib, &o->selftest_save, &o->selftest_save_at, &ctl_serve,
					 &o->selftest_verify, &summon_ready_ms, &summon_rate, &summon_src_rate,
					 &o->seed[o->nseed % 4] };
		int k;
		for (k = 0; k < NKEYS && strcmp(keys[k], w) != 0; k++)
			;
		if (k == NKEYS) {
			kprintf("isokernel: unknown command-line key '%s'\n", w);
			report_finish(RL_CODE_BADINPUT);
		}
		if (k == 3)
			o->quiet = v != 0;
		else
			*dst[k] = v;
		o->nseed += k == NKEYS - 1;
	}
	if (o->net_ip > UINT32_MAX || o->net_bits < 1 || o->net_bits > 30) {
		kprintf("isokernel: net_ip must be an IPv4 address and net_bits 1..30\n");
		report_finish(RL_CODE_BADINPUT);
	}
	if (o->quota_kib < 8 || o->quota_kib > PV_WIN_SIZE / 1024 || o->quantum_us < 100) {
		kprintf("isokernel: quota_kib must be 8..%llu and quantum_us >= 100\n", PV_WIN_SIZE / 1024);
		report_finish(RL_CODE_BADINPUT);
	}
	if (o->guar_kib > o->quota_kib)
		o->guar_kib = o->quota_kib;        /* a guarantee beyond the quota could never be used */
	if (o->guar_kib < 4)
		o->guar_kib = 4;                   /* the start page */
}

/* RAM the memory map offers below DMAP_SIZE (before boot data is taken out of it). */
static uint64_t map_bytes(const struct mb_info *mbi)
{
	const uint8_t *p = P2V(mbi->mmap_addr), *end = p + mbi->mmap_length;
	uint64_t sum = 0;

	for (; p < end; p += ((const struct mb_mmap_entry *)p)->size + 4) {
		const struct mb_mmap_entry *e = (const void *)p;
		uint64_t hi = e->addr + e->len > DMAP_SIZE ? DMAP_SIZE : e->addr + e->len;
		if (e->type == MB_MMAP_AVAILABLE && e->addr < hi)
			sum += hi - e->addr;
	}
	return sum;
}

/* Slots of the VM table, timer heap and address bindings (28 bytes a slot): MAX_VMS, or fewer when the guest RAM
 * could not hold that many VMs (VM_MIN_BYTES each) or the subnet could not address them (base + 2 + id, below the
 * broadcast address). */
static uint32_t vm_capacity(uint64_t ram, const struct kopts *o)
{
	uint64_t cap = ram / VM_MIN_BYTES, room = (1ull << (32 - o->net_bits)) - 3;

	if (cap > room)
		cap = room;
	return cap < MAX_VMS ? (uint32_t)cap : MAX_VMS;
}

/* A module's count: "N", or "N@T" for N VMs of tenant T (1..254; without signatures: isorun IMG:COUNT@T, a test
 * mode). 0, or -1 when malformed. */
static int parse_count(char *count, uint64_t *n, uint16_t *tenant)
{
	char *at = count;
	uint64_t t = 0;

	while (*at && *at != '@')
		at++;
	if (*at) {
		*at = 0;
		if (parse_u64(at + 1, &t) != 0 || t < 1 || t > 254)
			return -1;
	}
	*tenant = (uint16_t)t;
	return parse_u64(count, n);
}

/* One module: "<path> <name> <count>[@tenant] [args...]". Loads the image; returns instances wanted (0 if refused)
 * and their tenant. */
static uint64_t load_module(const struct mb_module *m, struct image *img, const char **args, uint16_t *tenant)
{
	char path[8], name[IMAGE_NAME_MAX], count[24], why[160];
	const char *s = m->cmdline ? P2V(m->cmdline) : "";
	uint64_t n;

	s = next_word(s, path, sizeof(path));
	s = next_word(s, name, sizeof(name));
	s = next_word(s, count, sizeof(count));
	while (*s == ' ')
		s++;
	*args = s;
	if (argblk_check_args(s, why, sizeof(why)) != 0) {
		kprintf("@reject");
		report_qstr("name", name[0] ? name : "?");
		report_qstr("reason", why);
		kprintf("\n");
		return 0;
	}
	if (!name[0] || parse_count(count, &n, tenant) != 0 || n == 0 || n > MAX_VMS) {
		kprintf("@reject");
		report_qstr("name", name[0] ? name : "?");
		report_qstr("reason", "bad module command line (want: <path> <name> <count>[@tenant] [args])");
		kprintf("\n");
		return 0;
	}
	if (image_load(img, name, P2V(m->mod_start), (uint64_t)m->mod_end - m->mod_start, why, sizeof(why)) != 0) {
		kprintf("@reject");
		report_qstr("name", name);
		report_qstr("reason", why);
		kprintf("\n");
		return 0;
	}
	kst.guest_shared_bytes += (uint64_t)img->shared_pages * PAGE_SIZE;
	image_table_add(img);                  /* MAX_MODS < IMAGE_MAX: always room */
	kprintf("@image");
	report_qstr("name", name);
	kprintf(" count=%lu text_pages=%u data_pages=%u bss_pages=%u shared_bytes=%llu\n", n, img->text_pages,
		img->data_pages, img->bss_pages, (uint64_t)img->shared_pages * PAGE_SIZE);
	return n;
}

/* A module after image module i may carry the image's environment and input (pvisa.h struct pv_argx, isorun --env,
 * --stdin): attach it to img. Returns the modules it took (0 or 1); a bad one refuses the image (*count = 0). */
static uint32_t attach_argx(const struct mb_module *mods, uint32_t i, uint32_t nmods, struct image *img,
			    uint64_t *count)
{
	const struct mb_module *m = &mods[i + 1];
	char why[160];

	if (i + 1 >= nmods || !m->cmdline || !argx_is_module(P2V(m->cmdline)))
		return 0;
	if (argx_check(P2V(m->mod_start), (uint64_t)m->mod_end - m->mod_start, why, sizeof(why)) != 0) {
		kprintf("@reject");
		report_qstr("name", img->name);
		report_qstr("reason", why);
		kprintf("\n");
		*count = 0;
		return 1;
	}
	img->argx = P2V(m->mod_start);
	return 1;
}

/* Create count instances of img for tenant (quota and guarantee in pages); false when memory ran out. */
static bool create_vms(struct image *img, uint64_t count, const char *args, const uint32_t mem[2], uint16_t tenant)
{
	for (uint64_t k = 0; k < count; k++) {
		uint64_t t0 = rdtsc();
		if (vmtab_count() >= vm_cap) {
			kprintf("isokernel: the VM table is full (%u slots: MAX_VMS %u, guest RAM at %llu KiB a VM, the subnet)"
				"; %s: %lu of %lu created\n", vm_cap, MAX_VMS, VM_MIN_BYTES / 1024, img->name, k, count);
			return false;
		}
		struct vm *vm = vm_create(img, args, mem[0], mem[1], tenant);
		if (!vm) {
			kprintf("isokernel: out of memory for another VM and its %u KiB guarantee: %s: %lu of %lu created"
				" (isorun --mem, --guarantee)\n", mem[1] * 4, img->name, k, count);
			return false;
		}
		img->instances++;
		sched_enqueue(vm);
		kst.create_tsc += rdtsc() - t0;
	}
	return true;
}

/* The switch's uplink is the virtio-net driver; its wake-ups go to the scheduler. */
static const struct vsw_ops vsw_kernel_ops = {
	.nic_present = vnet_present, .nic_send = vnet_send, .nic_queue = vnet_queue, .nic_flush = vnet_flush,
	.nic_tx_inflight = vnet_tx_inflight, .nic_recv_batch = vnet_recv_batch, .nic_rx_release = vnet_rx_release,
	.notify = sched_notify,
};

void kmain(uint32_t magic, uint32_t mbi_phys)
{
	struct kopts o;
	bool rejected = false;

	arch_init(magic, mbi_phys);
	const struct mb_info *mbi = P2V(mbi_phys);
	if (!(mbi->flags & MB_INFO_MMAP))
		panic("the boot loader gave no memory map");
	parse_opts(mbi, &o);
	kst.quiet = o.quiet;
	if ((mbi->flags & MB_INFO_MODS) && mbi->mods_count > MAX_MODS) {
		kprintf("isokernel: %u images given, at most %u are supported\n", mbi->mods_count, MAX_MODS);
		report_finish(RL_CODE_BADINPUT);
	}
	reserve_boot_data(mbi, mbi_phys);
	vm_cap = vm_capacity(map_bytes(mbi), &o);
	struct tq_node **heap = boot_alloc(mbi, (uint64_t)vm_cap * sizeof(struct tq_node *));
	uint64_t *vm_slots = boot_alloc(mbi, (uint64_t)vm_cap * sizeof(uint64_t));
	uint64_t *addr_slots = boot_alloc(mbi, (uint64_t)vm_cap * sizeof(uint64_t));
	uint32_t *addr_fifo = boot_alloc(mbi, (uint64_t)vm_cap * sizeof(uint32_t));
	uint32_t nmods = (mbi->flags & MB_INFO_MODS) ? mbi->mods_count : 0;
	struct image *imgs = nmods ? boot_alloc(mbi, (uint64_t)nmods * sizeof(struct image)) : NULL;
	memory_init(mbi);
	kprintf("@boot abi=%u accel=%s tsc_hz=%lu mem_bytes=%lu free_frames=%lu vm_slots=%u\n", PV_ABI_VERSION,
		arch_accel(), tsc_hz, mem_bytes, frame_free_count(), vm_cap);
	rand_init(o.seed, o.nseed);
	memset(o.seed, 0, sizeof(o.seed));
	vcon_init();                     /* from here on the report stream goes through its port, if there is one */
	vnet_init();
	vmtab_init(vm_slots, vm_cap);
	vm_init();
	bind_init((uint32_t)o.net_ip, (uint32_t)o.net_bits, addr_slots, addr_fifo, vm_cap);
	vsw_init(o.net_immediate != 0, &vsw_kernel_ops);
	nethc_init();
	sched_init(kernel_pml4, heap, vm_cap, o.quantum_us * 1000);
	run_init(o.timeout_ms * 1000000);      /* timeout_ms (0 = none) ends the run even if VMs still run */
	selftest_init(o.selftest_save, o.selftest_save_at);
	selftest_verify(o.selftest_verify);
	if (!nmods && !ctl_serve)
		kprintf("isokernel: no guest images (multiboot modules) given\n");
	const struct mb_module *mods = nmods ? P2V(mbi->mods_addr) : NULL;
	const uint32_t mem[2] = { (uint32_t)(o.quota_kib / 4), (uint32_t)(o.guar_kib / 4) };
	for (uint32_t i = 0; i < nmods; i++) {
		const char *args;
		uint16_t tenant;
		uint64_t count = load_module(&mods[i], &imgs[i], &args, &tenant);
		uint32_t at = i;
		i += attach_argx(mods, at, nmods, &imgs[at], &count);
		rejected |= count == 0;
		if (count && !create_vms(&imgs[at], count, args, mem, tenant))
			break;
	}
	kprintf("isokernel: %lu VMs created in %lu us (%lu ns each); %lu frames free\n", kst.started,
		tsc_to_ns(kst.create_tsc) / 1000, kst.started ? tsc_to_ns(kst.create_tsc) / kst.started : 0,
		frame_free_count());
	kst.rejected = rejected;
	ctl_init(mem[0], mem[1]);
	svc_init();
	fork_init();
	kst.run_start_tsc = rdtsc();
	sched_run();
}
