/* summon.c - summoned services (summon.h): dormant instances as reserved addresses, a VM made by the first frame for
 * one and its frames held until it is ready, rate limits, reclaim of idle VMs (ended, or saved and restored). */
#include "summon.h"
#include "summon_lim.h"
#include "service.h"
#include "bind.h"
#include "vswitch.h"
#include "vm.h"
#include "vmtab.h"
#include "vmstate.h"
#include "sched.h"
#include "hcall.h"
#include "loop.h"
#include "report.h"
#include "slab.h"
#include "frame.h"
#include "memlayout.h"
#include "tsc.h"
#include "cpu.h"
#include "lib.h"
#include "kprintf.h"
#include "byteorder.h"
#include "ether.h"
#include "netplan.h"
#include "pvisa.h"

_Static_assert(SVC_SUMMON_MAX == NETPLAN_TENANT_SLOTS, "a summoned service fits a tenant's block");

uint64_t summon_ready_ms = 5000, summon_rate = 2000, summon_src_rate = 1000;

/* A summoned service: its instances are address numbers first .. first + count - 1 of its tenant's plan. */
struct sm_svc {
	uint32_t first, count, flags, reclaim_s;
	uint32_t starting, live, saved;      /* instances per state; the rest are dormant */
	uint16_t tenant, tnext;              /* the next summoned service of the tenant (slot + 1), 0: none */
	bool used;
};
static struct sm_svc sms[SVC_MAX];
static uint16_t tfirst[NETPLAN_TENANT_MAX + 1];   /* a tenant's first summoned service (slot + 1) */

/* A frame held for a starting VM. */
struct sm_held {
	struct sm_held *next;
	uint16_t len;
	uint8_t data[PV_FRAME_MAX];
};

/* Saved state in kernel memory: a chain of pages. */
struct sm_page {
	struct sm_page *next;
	uint8_t data[PAGE_SIZE - sizeof(void *)];
};
struct sm_chain {
	struct sm_page *head, *tail, *cur;
	uint64_t len, pos, pages;
};

/* An instance that is not dormant: starting, live, or saved; found by (tenant, address). */
enum { SM_STARTING = 1, SM_LIVE, SM_SAVED };
struct sm_rec {
	struct sm_rec *hnext;                /* hash chain */
	struct sm_rec *anext, *aprev;        /* starting and live ones (looked at each tick) */
	uint32_t vm, addr;                   /* VM id (starting, live) */
	uint16_t tenant, slot;
	uint8_t state, nheld;
	bool saving;                         /* being ended as saved: the observer keeps the record */
	struct sm_held *held, *held_tail;
	uint64_t since;                      /* starting: made (TSC); live: the last frame seen */
	uint64_t frames;                     /* live: rx + tx frames at the last look */
	struct sm_chain st;                  /* saved */
};

#define HASH_BITS 12
static struct sm_rec *hash[1u << HASH_BITS];
static struct sm_rec *act;
static struct slab_cache rec_cache, held_cache;
static uint32_t nstarting, nheld_all, nact_reclaim;
static uint64_t next_tick;                   /* TSC; 0: nothing to look at */
static uint64_t last_reclaim;

/* Token buckets: per tenant, and per source IPv4 in a direct-mapped table (a new source takes its entry over, full:
 * the per-tenant bucket still bounds what many sources make). Tokens in thousandths. */
struct bucket {
	struct summon_bucket b;
	uint64_t tsc;
	uint32_t ip;
};
#define SRC_BITS 10
static struct bucket tb[NETPLAN_TENANT_MAX + 1], sb[1u << SRC_BITS];

static uint32_t hash_of(uint16_t t, uint32_t a)
{
	return ((uint32_t)t * 0x85ebca77u ^ a * 0x9e3779b1u) >> (32 - HASH_BITS);
}

static struct sm_rec *rec_find(uint16_t t, uint32_t a)
{
	struct sm_rec *r = hash[hash_of(t, a)];

	while (r && (r->tenant != t || r->addr != a))
		r = r->hnext;
	return r;
}

static void act_add(struct sm_rec *r)
{
	r->aprev = NULL;
	r->anext = act;
	if (act)
		act->aprev = r;
	act = r;
}

static void act_remove(struct sm_rec *r)
{
	if (r->aprev)
		r->aprev->anext = r->anext;
	else
		act = r->anext;
	if (r->anext)
		r->anext->aprev = r->aprev;
	r->anext = r->aprev = NULL;
}

static void rec_unhash(struct sm_rec *r)
{
	struct sm_rec **p = &hash[hash_of(r->tenant, r->addr)];

	while (*p != r)
		p = &(*p)->hnext;
	*p = r->hnext;
}

/* The held frames of r go: dropped (counted) or already delivered (count false). */
static void held_free(struct sm_rec *r, bool count)
{
	while (r->held) {
		struct sm_held *h = r->held;
		r->held = h->next;
		slab_free(&held_cache, h);
		nheld_all--;
		kst.held_drops += count;
	}
	r->held_tail = NULL;
	r->nheld = 0;
}

/* Saved-state chains. */
static int chain_put(void *ctx, const void *p, size_t n)
{
	struct sm_chain *c = ctx;
	const uint8_t *s = p;

	while (n) {
		uint64_t off = c->len % sizeof(c->head->data), k;
		if (off == 0 && c->len == c->pages * sizeof(c->head->data)) {
			uint64_t pa = frame_free_count() > frame_total_count() / 4 ? frame_alloc() : 0;
			struct sm_page *pg = pa ? P2V(pa) : NULL;
			if (!pg)
				return -PV_ENOMEM;
			pg->next = NULL;
			if (c->tail)
				c->tail->next = pg;
			else
				c->head = pg;
			c->tail = pg;
			c->pages++;
		}
		k = sizeof(c->head->data) - off < n ? sizeof(c->head->data) - off : n;
		memcpy(c->tail->data + off, s, k);
		c->len += k;
		s += k;
		n -= k;
	}
	return 0;
}

static int chain_get(void *ctx, void *p, size_t n)
{
	struct sm_chain *c = ctx;
	uint8_t *d = p;

	if (n > c->len - c->pos)
		return -1;
	while (n) {
		uint64_t off = c->pos % sizeof(c->head->data), k = sizeof(c->head->data) - off < n ?
			sizeof(c->head->data) - off : n;
		if (off == 0 && c->pos)
			c->cur = c->cur->next;
		memcpy(d, c->cur->data + off, k);
		c->pos += k;
		d += k;
		n -= k;
	}
	return 0;
}

static void chain_free(struct sm_chain *c)
{
	while (c->head) {
		struct sm_page *pg = c->head;
		c->head = pg->next;
		frame_free(V2P(pg));
	}
	*c = (struct sm_chain){ 0 };
}

static void rec_free(struct sm_rec *r)
{
	struct sm_svc *s = &sms[r->slot];

	if (r->state == SM_STARTING) {
		s->starting--;
		nstarting--;
	} else if (r->state == SM_LIVE) {
		s->live--;
	} else {
		s->saved--;
	}
	if (r->state != SM_SAVED) {
		act_remove(r);
		nact_reclaim -= s->reclaim_s != 0;
	}
	held_free(r, true);
	chain_free(&r->st);
	rec_unhash(r);
	slab_free(&rec_cache, r);
}

/* The bucket's take at TSC now. */
static bool bucket_take(struct bucket *b, uint64_t rate, uint64_t now)
{
	bool ok = summon_bucket_take(&b->b, rate, b->tsc ? tsc_to_ns(now - b->tsc) : 0);

	b->tsc = now;
	return ok;
}

/* May tenant t summon (or wake) for a frame from IPv4 src now? The buckets are charged only when both allow. */
static bool rate_ok(uint16_t t, uint32_t src, uint64_t now)
{
	struct bucket *s = &sb[(src * 0x9e3779b1u) >> (32 - SRC_BITS)];
	struct bucket tt = tb[t], ss = *s;

	if (s->ip != src)
		ss = (struct bucket){ .ip = src };
	if (!bucket_take(&tt, summon_rate, now) || !bucket_take(&ss, summon_src_rate, now)) {
		kst.summon_limited++;
		return false;
	}
	tb[t] = tt;
	*s = ss;
	return true;
}

/* The summoned service of tenant t whose instances include address a, or -1. */
static int svc_of(unsigned t, uint32_t a)
{
	for (uint16_t i = tfirst[t]; i; i = sms[i - 1].tnext)
		if (a - sms[i - 1].first < sms[i - 1].count)
			return i - 1;
	return -1;
}

/* The next look: soon while VMs are starting, each second while live ones may be reclaimed, else none. */
static uint64_t tick_after(uint64_t now)
{
	if (nstarting)
		return now + ns_to_tsc(SUMMON_TICK_MS * 1000000ull);
	return nact_reclaim ? now + ns_to_tsc(1000000000ull) : 0;
}

static void schedule_tick(void)
{
	uint64_t t = tick_after(rdtsc());

	if (t && (!next_tick || t < next_tick))
		next_tick = t;
}

/* Hold frame f for starting instance r; past a bound it is dropped and counted. */
static void hold(struct sm_rec *r, const uint8_t *f, size_t len)
{
	struct sm_held *h = NULL;

	if (r->nheld < SUMMON_HOLD_PER && nheld_all < SUMMON_HOLD_MAX)
		h = slab_alloc_raw(&held_cache);
	if (!h) {
		kst.held_drops++;
		return;
	}
	h->next = NULL;
	h->len = (uint16_t)len;
	memcpy(h->data, f, len);
	if (r->held_tail)
		r->held_tail->next = h;
	else
		r->held = h;
	r->held_tail = h;
	r->nheld++;
	nheld_all++;
	kst.held_frames++;
}

static struct sm_rec *rec_new(uint16_t t, uint32_t a, uint32_t slot)
{
	struct sm_rec *r = slab_alloc(&rec_cache);
	uint32_t h = hash_of(t, a);

	if (!r)
		return NULL;
	r->tenant = t;
	r->addr = a;
	r->slot = (uint16_t)slot;
	r->hnext = hash[h];
	hash[h] = r;
	return r;
}

/* The first frame for dormant instance a of service slot: its VM made (given address a unbound: it is bound once
 * ready), the frame held. */
static void summon(uint16_t t, uint32_t a, uint32_t slot, const uint8_t *f, size_t len)
{
	struct sm_rec *r;
	struct vm *vm;

	if (nstarting >= SUMMON_STARTING_MAX || !(r = rec_new(t, a, slot))) {
		kst.summon_limited++;
		return;
	}
	bind_tgive_next(t, a);
	vm = svc_spawn(slot);
	bind_tgive_next(t, BIND_NONE);
	if (!vm) {
		rec_unhash(r);
		slab_free(&rec_cache, r);
		kst.held_drops++;                               /* quota, the VM table or memory: the frame goes */
		return;
	}
	r->vm = vm->id;
	r->state = SM_STARTING;
	r->since = rdtsc();
	vm->idle_hook = 1;
	sms[slot].starting++;
	nstarting++;
	nact_reclaim += sms[slot].reclaim_s != 0;
	act_add(r);
	kst.summons++;
	hold(r, f, len);
	schedule_tick();
}

/* A frame for saved instance r: its VM restored from the saved state, the frame delivered. */
static void wake(struct sm_rec *r, const uint8_t *f, size_t len)
{
	struct vmstate_io io = { .ctx = &r->st, .get = chain_get };
	const char *why = NULL;
	struct vm *vm;

	if (!svc_room(r->slot)) {
		kst.held_drops++;                               /* the tenant's quota is full: the state waits */
		return;
	}
	r->st.cur = r->st.head;
	r->st.pos = 0;
	if (!(vm = vmstate_restore_as(&io, r->tenant, (uint16_t)(r->slot + 1), &why))) {
		kprintf("@summon op=wake_failed tenant=%u addr=%u", r->tenant, r->addr);
		report_qstr("why", why);
		kprintf("\n");
		kst.held_drops++;                               /* the state is kept for the next frame */
		return;
	}
	svc_adopt(vm);
	chain_free(&r->st);
	r->state = SM_LIVE;
	r->vm = vm->id;
	r->since = rdtsc();
	r->frames = vm->net->rx_frames + vm->net->tx_frames;
	sms[r->slot].saved--;
	sms[r->slot].live++;
	nact_reclaim += sms[r->slot].reclaim_s != 0;
	act_add(r);
	kst.woken++;
	if (!vsw_inject(vm, f, len))
		kst.held_drops++;
	schedule_tick();
}

/* The binding table's miss hook: a frame for an address of a plan that no VM holds. */
static bool on_miss(void *ctx, const struct bind_addr *to, const uint8_t *f, size_t len)
{
	unsigned t;
	uint32_t a;
	int slot;
	struct sm_rec *r;

	(void)ctx;
	if (!bind_mac_owner(to->mac, &t, &a) || !t || (slot = svc_of(t, a)) < 0)
		return false;
	if ((r = rec_find((uint16_t)t, a)) != NULL && r->state == SM_STARTING) {
		hold(r, f, len);
		return true;
	}
	if (r && r->state != SM_SAVED)
		return false;
	if (r ? len < 34 || be16_get(f + 12) != ETHER_TYPE_IPV4 : !summon_first_frame(f, len))
		return false;                                   /* nothing to summon for: dropped by the switch */
	if (!rate_ok((uint16_t)t, be32_get(f + 26), rdtsc()))
		return true;
	if (r)
		wake(r, f, len);
	else
		summon((uint16_t)t, a, (uint32_t)slot, f, len);
	return true;
}

/* The idle hook: a starting VM is ready. Its address is bound and its held frames delivered. */
static void on_idle(struct vm *vm)
{
	struct sm_rec *r = vm->net ? rec_find(vm->tenant, vm->net->addr) : NULL;

	vm->idle_hook = 0;
	if (!r || r->state != SM_STARTING || r->vm != vm->id)
		return;
	if (bind_tclaim(vm->tenant, vm, r->addr) != 0)
		panic("summon: reserved address %u of tenant %u is taken", r->addr, vm->tenant);
	for (struct sm_held *h = r->held; h; h = h->next)
		if (!vsw_inject(vm, h->data, h->len))
			kst.held_drops++;
	held_free(r, false);
	r->state = SM_LIVE;
	r->since = rdtsc();
	r->frames = vm->net->rx_frames + vm->net->tx_frames;
	sms[r->slot].starting--;
	sms[r->slot].live++;
	nstarting--;
}

/* A VM ends: a summoned one's instance goes back to dormant, or (saved by reclaim) to saved. */
static void obs_ended(struct vm *vm)
{
	struct sm_rec *r;

	if (!vm->svc || vm->svc > SVC_MAX || !sms[vm->svc - 1].used || !vm->net)
		return;
	r = rec_find(vm->tenant, vm->net->addr);
	if (!r || r->vm != vm->id || r->state == SM_SAVED)
		return;
	if (!r->saving) {
		rec_free(r);
		return;
	}
	r->saving = false;
	act_remove(r);
	nact_reclaim -= sms[r->slot].reclaim_s != 0;
	sms[r->slot].live--;
	sms[r->slot].saved++;
	r->state = SM_SAVED;
	r->vm = VMTAB_NONE;
}

static int obs_created(struct vm *vm, struct pv_start_info *si)
{
	(void)vm, (void)si;
	return 0;
}

static const struct vmtab_observer observer = { obs_created, obs_ended };

/* Reclaim live VM vm of r: ended, or (KEEP_STATE) saved into kernel memory and ended as saved. */
static void reclaim(struct sm_rec *r, struct vm *vm)
{
	struct sm_chain c = { 0 };
	struct vmstate_io io = { .ctx = &c, .put = chain_put };

	if ((sms[r->slot].flags & CTL_SVC_KEEP_STATE) && vmstate_save(vm, &io) == 0) {
		r->st = c;
		r->saving = true;
		vm_end(vm, VM_SAVED, 0, NULL);
		kst.reclaim_saved++;
		return;
	}
	chain_free(&c);
	kst.reclaim_ended++;
	vm_end(vm, VM_RUNNING, -1, "reclaimed: idle");       /* the kernel's decision: reclaim_ended, not ended_by_host */
}

/* Is live vm of r idle past its service's reclaim time: no frame in or out since, blocked with no deadline and
 * nothing queued for it? The kernel cannot see a guest's TCP state: no frame for reclaim_s is the whole rule. */
static bool idle_past(struct sm_rec *r, struct vm *vm, uint64_t now)
{
	uint64_t frames = vm->net->rx_frames + vm->net->tx_frames, left;

	if (frames != r->frames) {
		r->frames = frames;
		r->since = now;
		return false;
	}
	if (!sched_idle_left(vm, &left) || left != UINT64_MAX || vsw_peek(vm))
		return false;
	return now - r->since >= ns_to_tsc((uint64_t)sms[r->slot].reclaim_s * 1000000000ull);
}

/* A starting VM past its deadline is ended, its frames dropped; a live one idle too long is reclaimed. */
static void tick_one(struct sm_rec *r, uint64_t now, bool reclaim_due)
{
	struct vm *vm = vmtab_get(r->vm);

	if (!vm)
		return;
	if (now < r->since)
		return;
	if (r->state == SM_STARTING && now - r->since >= ns_to_tsc(summon_ready_ms * 1000000ull)) {
		kst.ready_timeouts++;
		kprintf("@summon op=ready_timeout tenant=%u addr=%u vm=%u held=%u\n", r->tenant, r->addr, vm->id,
			r->nheld);
		vm_end(vm, VM_RUNNING, -1, "summoned VM not ready within summon_ready_ms");
	} else if (r->state == SM_LIVE && reclaim_due && sms[r->slot].reclaim_s && idle_past(r, vm, now)) {
		reclaim(r, vm);
	}
}

static void sm_poll(uint64_t now)
{
	bool reclaim_due;
	struct sm_rec *r, *next;

	if (!next_tick || now < next_tick)
		return;
	now = rdtsc();                  /* the pass's time is older than what the net source did in this pass */
	reclaim_due = nact_reclaim && now - last_reclaim >= ns_to_tsc(1000000000ull) - ns_to_tsc(SUMMON_TICK_MS * 500000ull);
	if (reclaim_due)
		last_reclaim = now;
	for (r = (reclaim_due || nstarting) ? act : NULL; r; r = next) {
		next = r->anext;                               /* r may go (ended) */
		tick_one(r, now, reclaim_due);
	}
	next_tick = tick_after(now);
}

static uint64_t sm_deadline(uint64_t now)
{
	(void)now;
	return next_tick ? next_tick : LOOP_NEVER;
}

static void sm_report(void)
{
	if (kst.summons || kst.summon_limited)
		kprintf("@summon op=end summons=%lu held_frames=%lu held_drops=%lu summon_limited=%lu ready_timeouts=%lu "
			"reclaim_ended=%lu reclaim_saved=%lu woken=%lu\n", kst.summons, kst.held_frames, kst.held_drops,
			kst.summon_limited, kst.ready_timeouts, kst.reclaim_ended, kst.reclaim_saved, kst.woken);
}

static const struct loop_source source = {
	.name = "summon", .poll = sm_poll, .deadline = sm_deadline, .report = sm_report,
};

void summon_init(void)
{
	slab_init(&rec_cache, "summon", sizeof(struct sm_rec), 16);
	slab_init(&held_cache, "held frame", sizeof(struct sm_held), 16);
	vmtab_observe(&observer);
	bind_set_miss(on_miss, NULL);
	hcall_set_idle_hook(on_idle);
	loop_register(&source);
}

uint16_t summon_add(uint32_t slot, uint16_t tenant, const struct ctl_svc_req *q, struct ctl_out *o)
{
	struct sm_svc *s = &sms[slot];
	uint64_t free0 = frame_free_count();
	uint32_t first;

	if (tenant == 0 || tenant > NETPLAN_TENANT_MAX)
		return ctl_why(o, CTL_E_ARG, "only a tenant's service is summoned");
	if (bind_treserve(tenant, q->count, &first) != 0)
		return ctl_why(o, CTL_E_LIMIT, "no %u free consecutive addresses in tenant %u's block (or no memory)",
			       q->count, tenant);
	*s = (struct sm_svc){ .first = first, .count = q->count, .flags = q->flags, .reclaim_s = q->reclaim_s,
			      .tenant = tenant, .tnext = tfirst[tenant], .used = true };
	tfirst[tenant] = (uint16_t)(slot + 1);
	kprintf("@summon op=add tenant=%u", tenant);
	report_qstr("svc", q->name);
	kprintf(" first=%u count=%u flags=%u reclaim_s=%u kernel_bytes=%lu\n", first, q->count, q->flags, q->reclaim_s,
		(uint64_t)((free0 - frame_free_count()) * PAGE_SIZE + sizeof(*s)));
	return CTL_OK;
}

void summon_del(uint32_t slot)
{
	struct sm_svc *s = &sms[slot];
	struct vm *vm;

	if (!s->used)
		return;
	for (uint32_t h = 0; h < (1u << HASH_BITS); h++)
		for (struct sm_rec *r = hash[h], *next; r; r = next) {
			next = r->hnext;
			if (r->slot != slot || r->tenant != s->tenant)
				continue;
			if (r->state != SM_SAVED && (vm = vmtab_get(r->vm)) != NULL)
				ctlop_end_vm(vm, "service deleted");    /* summoned while SVC_DEL / T_DEL ran: the observer
									 * frees r */
			else
				rec_free(r);
		}
	for (uint16_t *p = &tfirst[s->tenant]; *p; p = &sms[*p - 1].tnext)
		if (*p == slot + 1) {
			*p = s->tnext;
			break;
		}
	bind_tunreserve(s->tenant, s->first, s->count);
	*s = (struct sm_svc){ 0 };
}

void summon_entry(uint32_t slot, struct ctl_svc *e)
{
	const struct sm_svc *s = &sms[slot];

	if (!s->used)
		return;
	e->starting = s->starting;
	e->saved = s->saved;
	e->dormant = s->count - s->starting - s->live - s->saved;
}
