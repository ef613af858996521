/* bind.c - the address binding tables: address numbers of the plans (tenant 0's, each tenant's block) bound to VMs,
 * a FIFO of released ones per plan. */
#include "hot.h"
#include "bind.h"
#include "frame.h"
#include "memlayout.h"
#include "kprintf.h"
#include "netplan.h"

/*
 * A slot: 0 (free, never released), a VM pointer (bound; 16-byte aligned), the pointer | IN_FIFO (bound by a claim
 * while its number waited in the FIFO: passed over when it comes out), or IN_FIFO alone (released, waiting). Every
 * number is in the FIFO at most once, so cap places hold it. RESERVED (a summoned instance's number: alone, or with
 * its VM's pointer once bound) is only ever set on a number that was free and never released, so never with IN_FIFO.
 */
#define IN_FIFO 1ull
#define RESERVED 2ull              /* kept for a summoned service's instance (bind_treserve): take() passes over it */
#define PTR_MASK (~(uint64_t)15)

struct bind_stats bind_stats;

/*
 * One plan's table. Tenant 0's storage is the caller's (flat arrays, bind_init). A tenant's (1..254) is paged and
 * made as it is used: a directory page (made when its first VM is bound) whose first DIR_SLOT_PAGES entries point
 * to pages of SLOTS_PER_PAGE slots and the next DIR_FIFO_PAGES to pages of FIFO_PER_PAGE FIFO places, each made the
 * first time a number there is bound (slots) or released (FIFO). Memory: a page, plus a page per 512 numbers ever
 * bound and per 1,024 places of the FIFO used; kept while the kernel runs (a tenant that comes back reuses it).
 */
#define SLOTS_PER_PAGE (PAGE_SIZE / 8)
#define FIFO_PER_PAGE  (PAGE_SIZE / 4)
#define DIR_SLOT_PAGES ((NETPLAN_TENANT_SLOTS + SLOTS_PER_PAGE - 1) / SLOTS_PER_PAGE)
#define DIR_FIFO_PAGES ((NETPLAN_TENANT_SLOTS + FIFO_PER_PAGE - 1) / FIFO_PER_PAGE)
_Static_assert(DIR_SLOT_PAGES + DIR_FIFO_PAGES <= PAGE_SIZE / 8, "a tenant's directory fits one page");

struct bnet {
	uint64_t *slots;           /* tenant 0 */
	uint32_t *fifo;
	uint64_t *dir;             /* a tenant: page pointers, NULL until its first VM */
	uint32_t base, mask;
	uint32_t cap, top;         /* numbers >= top have never been released nor taken by take() */
	uint32_t fifo_head, fifo_len;
	uint32_t bound;            /* VMs bound now */
	uint32_t reserved;         /* numbers reserved (bind_treserve), bound or not */
	uint32_t give;             /* the number the next take() gives unbound (bind_tgive_next), or BIND_NONE */
};
static struct bnet nets[NETPLAN_TENANT_MAX + 1];
static uint32_t tenants_bound;     /* VMs bound in tenant blocks: 0 keeps every lookup to tenant 0's plan */
static bind_miss_fn miss_fn;
static void *miss_ctx;

void bind_init(uint32_t net_ip, uint32_t net_bits, uint64_t *slot_storage, uint32_t *fifo_storage, uint32_t n)
{
	struct bnet *z = &nets[0];

	for (unsigned t = 1; t <= NETPLAN_TENANT_MAX; t++)
		nets[t] = (struct bnet){ .base = netplan_tenant_base(t), .mask = netplan_mask(NETPLAN_TENANT_BITS),
					 .cap = NETPLAN_TENANT_SLOTS, .give = BIND_NONE };
	*z = (struct bnet){ .slots = slot_storage, .fifo = fifo_storage, .mask = netplan_mask(net_bits), .cap = n,
			    .give = BIND_NONE };
	z->base = net_ip & z->mask;
	for (uint32_t i = 0; i < n; i++)
		z->slots[i] = 0;
	tenants_bound = 0;
	miss_fn = NULL;
	miss_ctx = NULL;
	bind_stats = (struct bind_stats){ 0 };
}

/* Page k of a tenant's directory (made, zeroed, if make), or NULL. */
static void *dir_page(struct bnet *n, uint32_t k, bool make)
{
	uint64_t pa;

	if (!n->dir) {
		if (!make || !(pa = frame_alloc_zero()))
			return NULL;
		n->dir = P2V(pa);
	}
	if (!n->dir[k] && make && (pa = frame_alloc_zero()))
		n->dir[k] = (uint64_t)(uintptr_t)P2V(pa);
	return (void *)(uintptr_t)n->dir[k];
}

/* Number a's slot in plan n (a < n->cap), or NULL when a tenant's page for it is not there (nor made). */
static uint64_t *slot_ref(struct bnet *n, uint32_t a, bool make)
{
	uint64_t *pg;

	if (n->slots)
		return &n->slots[a];
	pg = dir_page(n, a / SLOTS_PER_PAGE, make);
	return pg ? &pg[a % SLOTS_PER_PAGE] : NULL;
}

static uint64_t slot_get(struct bnet *n, uint32_t a)
{
	const uint64_t *s = slot_ref(n, a, false);

	return s ? *s : 0;
}

static uint32_t *fifo_ref(struct bnet *n, uint32_t i, bool make)
{
	uint32_t *pg;

	if (n->fifo)
		return &n->fifo[i];
	pg = dir_page(n, DIR_SLOT_PAGES + i / FIFO_PER_PAGE, make);
	return pg ? &pg[i % FIFO_PER_PAGE] : NULL;
}

/* The plan of tenant t (0..254), or NULL past them. */
static struct bnet *net_of(unsigned t)
{
	return t <= NETPLAN_TENANT_MAX ? &nets[t] : NULL;
}

void bind_plan(uint32_t a, struct bind_addr *out)
{
	netplan_mac(a, out->mac);
	out->ip = netplan_ipv4(nets[0].base, a);
}

HOT void bind_tplan(unsigned t, uint32_t a, struct bind_addr *out)
{
	if (!t) {
		bind_plan(a, out);
		return;
	}
	netplan_tenant_mac(t, a, out->mac);
	out->ip = netplan_ipv4(netplan_tenant_base(t), a);
}

uint32_t bind_netmask(void)
{
	return nets[0].mask;
}

uint32_t bind_gateway(void)
{
	return netplan_gateway(nets[0].base);
}

uint32_t bind_tnetmask(unsigned t)
{
	return t ? netplan_mask(NETPLAN_TENANT_BITS) : bind_netmask();
}

uint32_t bind_tgateway(unsigned t)
{
	return t ? netplan_gateway(netplan_tenant_base(t)) : bind_gateway();
}

HOT bool bind_mac_number(const uint8_t *mac, uint32_t *a)
{
	return netplan_mac_slot(mac, a) && *a < nets[0].cap;
}

HOT bool bind_ip_number(uint32_t ip, uint32_t *a)
{
	*a = netplan_ipv4_slot(nets[0].base, ip);
	return (ip & nets[0].mask) == nets[0].base && *a < nets[0].cap;
}

HOT bool bind_tip_number(unsigned t, uint32_t ip, uint32_t *a)
{
	unsigned u;

	if (!t)
		return bind_ip_number(ip, a);
	return netplan_ipv4_tenant(ip, &u, a) && u == t;
}

HOT bool bind_mac_owner(const uint8_t *mac, unsigned *t, uint32_t *a)
{
	if (mac[0] == NETPLAN_MAC_PREFIX0) {
		*t = 0;
		return bind_mac_number(mac, a);
	}
	return netplan_mac_tenant(mac, t, a);
}

HOT bool bind_ip_owner(uint32_t ip, unsigned *t, uint32_t *a)
{
	if (tenants_bound && netplan_ipv4_tenant(ip, t, a) && (nets[*t].bound || nets[*t].reserved))
		return true;
	*t = 0;
	return bind_ip_number(ip, a);
}

uint32_t bind_tenant_vms(unsigned t)
{
	return t <= NETPLAN_TENANT_MAX ? nets[t].bound : 0;
}

bool bind_tenants_bound(void)
{
	return tenants_bound != 0;
}

HOT struct vm *bind_vm(uint32_t a)
{
	return a < nets[0].cap ? (struct vm *)(uintptr_t)(nets[0].slots[a] & PTR_MASK) : NULL;
}

HOT struct vm *bind_tvm(unsigned t, uint32_t a)
{
	struct bnet *n = net_of(t);

	if (!t)
		return bind_vm(a);
	return n && a < n->cap ? (struct vm *)(uintptr_t)(slot_get(n, a) & PTR_MASK) : NULL;
}

HOT struct vm *bind_by_mac(const uint8_t *mac)
{
	uint32_t a;

	return bind_mac_number(mac, &a) ? bind_vm(a) : NULL;
}

struct vm *bind_by_ip(uint32_t ip)
{
	uint32_t a;

	return bind_ip_number(ip, &a) ? bind_vm(a) : NULL;
}

/* The oldest released number of n that is still free, or false. */
static bool fifo_pop(struct bnet *n, uint32_t *a)
{
	while (n->fifo_len) {
		uint32_t f = *fifo_ref(n, n->fifo_head, false);
		uint64_t *s = slot_ref(n, f, false);
		n->fifo_head = n->fifo_head + 1 == n->cap ? 0 : n->fifo_head + 1;
		n->fifo_len--;
		if (*s == IN_FIFO) {
			*a = f;
			return true;
		}
		*s &= ~IN_FIFO;            /* claimed while it waited: bound, and out of the FIFO now */
	}
	return false;
}

static void bound(struct bnet *n, int d)
{
	n->bound += (uint32_t)d;
	if (n != &nets[0])
		tenants_bound += (uint32_t)d;
}

/* The number bind_tgive_next named, unbound (a summoned VM is bound once ready): 0, or -1 if it is not reserved
 * and free. */
static int give_next(struct bnet *n, uint32_t *a)
{
	uint32_t g = n->give;

	n->give = BIND_NONE;
	if (g >= n->cap || slot_get(n, g) != RESERVED)
		return -1;
	*a = g;
	return 0;
}

/* A free number of n for vm (n->top first, then the FIFO), its slot made: 0, or -1 (all bound, or no memory). */
static int take(struct bnet *n, struct vm *vm, uint32_t *a)
{
	uint64_t *s = NULL;

	if (((uintptr_t)vm & ~PTR_MASK) || !vm)
		panic("bind: VM pointer %p not aligned", (void *)vm);
	if (n->give != BIND_NONE)
		return give_next(n, a);
	while (n->top < n->cap && slot_get(n, n->top))
		n->top++;                  /* claimed before their turn */
	if (n->top < n->cap) {
		if (!(s = slot_ref(n, n->top, true)))
			return -1;
		*a = n->top++;
	} else if (fifo_pop(n, a)) {
		s = slot_ref(n, *a, false);
	} else {
		return -1;
	}
	*s = (uint64_t)(uintptr_t)vm;
	bound(n, 1);
	return 0;
}

int bind_take(struct vm *vm, uint32_t *a)
{
	return take(&nets[0], vm, a);
}

int bind_ttake(unsigned t, struct vm *vm, uint32_t *a)
{
	struct bnet *n = net_of(t);

	return n ? take(n, vm, a) : -1;
}

static int claim(struct bnet *n, struct vm *vm, uint32_t a)
{
	uint64_t *s;

	if (a >= n->cap || !(s = slot_ref(n, a, true)) || (*s & PTR_MASK))
		return -1;
	*s = (uint64_t)(uintptr_t)vm | (*s & (IN_FIFO | RESERVED));
	bound(n, 1);
	return 0;
}

int bind_claim(struct vm *vm, uint32_t a)
{
	return claim(&nets[0], vm, a);
}

int bind_tclaim(unsigned t, struct vm *vm, uint32_t a)
{
	struct bnet *n = net_of(t);

	return n ? claim(n, vm, a) : -1;
}

/* vm gives number a of n back. Into the FIFO; a tenant's number whose FIFO page cannot be made is left free and
 * unlisted (never given again: an address lost, nothing else). */
static void fifo_push(struct bnet *n, uint64_t *s, uint32_t a)
{
	uint32_t *f;

	if (!(f = fifo_ref(n, (n->fifo_head + n->fifo_len) % n->cap, true))) {
		*s = 0;
		return;
	}
	*s = IN_FIFO;
	*f = a;
	n->fifo_len++;
}

static void release(struct bnet *n, struct vm *vm, uint32_t a)
{
	uint64_t *s = a < n->cap ? slot_ref(n, a, false) : NULL;

	if (s && *s == RESERVED)
		return;                    /* a summoned VM given the number unbound (give_next), ended before ready */
	if (!s || (*s & PTR_MASK) != (uint64_t)(uintptr_t)vm)
		panic("bind: VM does not hold address number %u", a);
	bound(n, -1);
	if (*s & (IN_FIFO | RESERVED)) {
		*s &= IN_FIFO | RESERVED;  /* its place in the FIFO, or its reservation, is kept */
		return;
	}
	fifo_push(n, s, a);
}

void bind_release(struct vm *vm, uint32_t a)
{
	release(&nets[0], vm, a);
}

void bind_trelease(unsigned t, struct vm *vm, uint32_t a)
{
	struct bnet *n = net_of(t);

	if (!n)
		panic("bind: no tenant %u", t);
	release(n, vm, a);
}

void bind_set_miss(bind_miss_fn fn, void *ctx)
{
	miss_fn = fn;
	miss_ctx = ctx;
}

bool bind_miss(uint32_t a, const uint8_t *frame, size_t len)
{
	return bind_tmiss(0, a, frame, len);
}

bool bind_tmiss(unsigned t, uint32_t a, const uint8_t *frame, size_t len)
{
	struct bind_addr to;

	bind_stats.misses++;
	if (!miss_fn)
		return false;
	bind_tplan(t, a, &to);
	if (!miss_fn(miss_ctx, &to, frame, len))
		return false;
	bind_stats.misses_taken++;
	return true;
}

/* Reservations (summoned services). Each reserved number counts as in use for the tenant's routing (bind_ip_owner,
 * bind_tenants_bound) whether a VM holds it or not. */
static void reserved(struct bnet *n, int d)
{
	n->reserved += (uint32_t)d;
	if (n != &nets[0])
		tenants_bound += (uint32_t)d;
}

/* Is [a, a + count) of n free and never released (slots 0)? The first number that is not, in *bad. */
static bool run_free(struct bnet *n, uint32_t a, uint32_t count, uint32_t *bad)
{
	for (uint32_t i = 0; i < count; i++)
		if (slot_get(n, a + i)) {
			*bad = a + i;
			return false;
		}
	return true;
}

int bind_treserve(unsigned t, uint32_t count, uint32_t *first)
{
	struct bnet *n = t ? net_of(t) : NULL;
	uint32_t a, bad;

	if (!n || !count || count > n->cap)
		return -1;
	for (a = n->top; a <= n->cap - count && !run_free(n, a, count, &bad); a = bad + 1)
		;
	if (a > n->cap - count)
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t *s = slot_ref(n, a + i, true);
		if (!s) {
			bind_tunreserve(t, a, i);
			return -1;
		}
		*s = RESERVED;
		reserved(n, 1);
	}
	*first = a;
	return 0;
}

void bind_tunreserve(unsigned t, uint32_t first, uint32_t count)
{
	struct bnet *n = t ? net_of(t) : NULL;

	for (uint32_t i = 0; n && i < count && first + i < n->cap; i++) {
		uint64_t *s = slot_ref(n, first + i, false);
		if (!s || !(*s & RESERVED))
			continue;
		if (*s & PTR_MASK)
			panic("bind: reserved number %u is still bound", first + i);
		reserved(n, -1);
		fifo_push(n, s, first + i);
	}
}

bool bind_treserved(unsigned t, uint32_t a)
{
	struct bnet *n = t ? net_of(t) : NULL;

	return n && a < n->cap && (slot_get(n, a) & RESERVED);
}

void bind_tgive_next(unsigned t, uint32_t a)
{
	struct bnet *n = net_of(t);

	if (n)
		n->give = a;
}
