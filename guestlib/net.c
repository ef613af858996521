/* net.c - the VM's network (guest_net.h): the netstack's environment on the pvisa NIC hypercalls, and the event loop. */
#include <stdlib.h>
#include <string.h>
#include "guest.h"
#include "guest_net.h"
#include "pvisa_guest.h"

static struct ns_stack *gn_stack;
static struct guest_net_stats gn_stats;
static volatile int gn_stopping;
static uint64_t gn_stop_at;          /* 0: no time limit */
static uint8_t gn_rxbuf[GUEST_NET_RX_FIRST][PV_FRAME_MAX];
static struct pv_frame gn_rxd[GUEST_NET_RX_BATCH];   /* the buffers' descriptors, kept between calls */
static unsigned gn_rxn;                              /* buffers described: 0, GUEST_NET_RX_FIRST, or all */
static int gn_rx_grown;                              /* the malloc of the others was tried */
static unsigned gn_rx_full;                          /* batches that came back full, before the growth */
/* Transmit batching, for a busy VM only: frames sent while a receive batch goes through the stack are packed
 * into gn_tx (malloc'd when the receive buffers grow) and leave in one net_send_batch at its end. */
struct gn_txarea {
	struct pv_frame d[GUEST_NET_TX_BATCH];
	uint8_t bytes[GUEST_NET_TX_BYTES];
};
static struct gn_txarea *gn_tx;
static unsigned gn_txn, gn_txused;                   /* frames and bytes packed */
static int gn_txon;                                  /* inside a receive batch: pack, do not send */

_Static_assert(GUEST_NET_RX_FIRST >= 1 && GUEST_NET_RX_FIRST <= GUEST_NET_RX_BATCH &&
               GUEST_NET_RX_BATCH <= PV_BATCH_MAX, "receive batch sizes");

/* Inside a receive batch the stack's clock is read once, at its first use, and stands still until the batch
 * ends (a batch of GUEST_NET_RX_BATCH frames takes microseconds; ARP and TCP timers count milliseconds). */
static int gn_inbatch;
static uint64_t gn_batch_ns;         /* 0: not read yet in this batch */

static uint64_t gn_now(void *ctx)
{
	(void)ctx;
	if (!gn_inbatch)
		return guest_clock_ns();
	if (!gn_batch_ns)
		gn_batch_ns = guest_clock_ns();
	return gn_batch_ns;
}

/* The packed frames out, as few net_send_batch calls as the kernel takes them in. PV_EAGAIN means this
 * quantum's send budget is spent: yield and retry a few times; a frame refused otherwise is dropped, the rest go. */
static void gn_flush(void)
{
	unsigned i = 0, tries = 0;

	while (i < gn_txn) {
		long r = pv_net_send_batch((long)(uintptr_t)(gn_tx->d + i), (long)(gn_txn - i));

		if (r > 0) {
			gn_stats.tx_frames += (uint64_t)r;
			i += (unsigned)r < gn_txn - i ? (unsigned)r : gn_txn - i;
			tries = 0;
		} else if (r == PV_EAGAIN && tries < GUEST_NET_TX_RETRIES) {
			gn_stats.tx_retries++;
			tries++;
			pv_yield();
		} else {
			gn_stats.tx_dropped++;
			i++;
			tries = 0;
		}
	}
	gn_txn = gn_txused = 0;
}

/* Room for one more frame of len bytes in gn_tx (inside a receive batch): the packed frames go out first if
 * there is not. Returns where it goes. */
static uint8_t *gn_tx_room(size_t len)
{
	if (gn_txn == GUEST_NET_TX_BATCH || gn_txused + len > GUEST_NET_TX_BYTES)
		gn_flush();
	return gn_tx->bytes + gn_txused;
}

/* The stack's ns_frame_buf_fn: inside a receive batch, the free space of gn_tx, so that the stack builds the frame
 * where it is packed and gn_send has nothing to copy; else NULL (the frame is sent at once from the stack's
 * buffer). Nothing is reserved: a frame the stack drops instead of sending leaves the space free for the next. */
static void *gn_frame_buf(void *ctx, size_t len)
{
	(void)ctx;
	if (!gn_txon || len > GUEST_NET_TX_BYTES)
		return NULL;
	return gn_tx_room(len);
}

/* One frame sent at once; PV_EAGAIN means this quantum's send budget is spent, so yield and retry a few times.
 * Not inlined into gn_send, which would then save registers on the busy path too. */
static __attribute__((noinline)) void gn_send_now(const void *frame, size_t len)
{
	for (unsigned tries = 0;; tries++) {
		long r = pv_net_send((long)(uintptr_t)frame, (long)len);

		if (r >= 0) {
			gn_stats.tx_frames++;
			return;
		}
		if (r != PV_EAGAIN || tries == GUEST_NET_TX_RETRIES)
			break;
		gn_stats.tx_retries++;
		pv_yield();
	}
	gn_stats.tx_dropped++;
}

/* The descriptor of the frame of len bytes just packed at p (the free space of gn_tx). */
static inline void gn_tx_add(uint8_t *p, size_t len)
{
	gn_tx->d[gn_txn++] = (struct pv_frame){ .addr = (uintptr_t)p, .len = (uint32_t)len, .cap = 0 };
	gn_txused += ((unsigned)len + 7) & ~7u;
}

/* Packs a copy of a frame built elsewhere (ARP, or a stack without a frame buffer). */
static __attribute__((noinline)) void gn_tx_copy(const void *frame, size_t len)
{
	uint8_t *p = gn_tx_room(len);

	memcpy(p, frame, len);
	gn_tx_add(p, len);
}

/* One frame out: packed while a receive batch is processed (the VM is busy), else sent at once. A frame the
 * stack built in place (gn_frame_buf) is where it is packed already: only its descriptor is added, and this
 * busy path calls nothing (so it saves no registers). */
static void gn_send(void *ctx, const void *frame, size_t len)
{
	(void)ctx;
	if (!gn_txon || len > GUEST_NET_TX_BYTES)
		gn_send_now(frame, len);
	else if (frame != gn_tx->bytes + gn_txused)
		gn_tx_copy(frame, len);
	else
		gn_tx_add(gn_tx->bytes + gn_txused, len);
}

static uint32_t gn_random(void *ctx)
{
	uint32_t r = 0;

	(void)ctx;
	pv_random((long)(uintptr_t)&r, sizeof r);
	return r;
}

/* The VM id the stack's address belongs to: another in the start info means this VM is a fork's child. */
static uint32_t gn_vm_id;

/* After a fork: the start info's address (the child's own) into the stack, whose TCP connections are the parent's. */
void __guest_net_forked(void);
void __guest_net_forked(void)
{
	const struct pv_start_info *si = pv_start_info();

	gn_vm_id = si->vm_id;
	if (gn_stack)
		ns_rebind(gn_stack, si->mac, si->ipv4, si->netmask, si->gateway);
}

struct ns_stack *guest_net_open(const struct ns_config *cfg)
{
	const struct pv_start_info *si = pv_start_info();
	struct ns_env env = { .ctx = NULL, .now_ns = gn_now, .send_frame = gn_send, .random = gn_random };
	struct ns_config c;

	if (gn_stack)
		return gn_stack;
	if (cfg)
		c = *cfg;
	else
		memset(&c, 0, sizeof c);
	memcpy(c.mac, si->mac, sizeof c.mac);
	c.ipv4 = si->ipv4;
	c.netmask = si->netmask;
	c.gateway = si->gateway;
	if (c.ipv4 == 0)
		return NULL;
	gn_stack = ns_create(&env, &c);
	gn_vm_id = si->vm_id;
	if (gn_stack)
		ns_set_frame_buf(gn_stack, gn_frame_buf);
	return gn_stack;
}

struct ns_stack *guest_net_stack(void)
{
	return guest_net_open(NULL);
}

static void gn_rx_describe(unsigned i, uint8_t *buf)
{
	gn_rxd[i] = (struct pv_frame){ .addr = (uintptr_t)buf, .len = 0, .cap = PV_FRAME_MAX };
}

/* The static buffers at the first call; once the VM is busy (GUEST_NET_RX_GROW_AFTER full batches), one try at
 * malloc'ing the rest. */
static void gn_rx_buffers(int full)
{
	if (gn_rxn == 0) {
		for (unsigned i = 0; i < GUEST_NET_RX_FIRST; i++)
			gn_rx_describe(i, gn_rxbuf[i]);
		gn_rxn = GUEST_NET_RX_FIRST;
	}
	if (!full || gn_rx_grown || GUEST_NET_RX_BATCH == GUEST_NET_RX_FIRST)
		return;
	gn_rx_grown = 1;
	uint8_t (*more)[PV_FRAME_MAX] = malloc((size_t)(GUEST_NET_RX_BATCH - GUEST_NET_RX_FIRST) * PV_FRAME_MAX);
	if (!more)
		return;
	gn_tx = malloc(sizeof(*gn_tx));      /* NULL: frames keep going one per net_send */
	for (unsigned i = GUEST_NET_RX_FIRST; i < GUEST_NET_RX_BATCH; i++)
		gn_rx_describe(i, more[i - GUEST_NET_RX_FIRST]);
	gn_rxn = GUEST_NET_RX_BATCH;
}

/* Every queued frame into the stack, up to gn_rxn per hypercall. */
static void gn_receive(void)
{
	if (gn_rxn == 0)
		gn_rx_buffers(0);
	while (!gn_stopping) {
		long n = pv_net_recv_batch((long)(uintptr_t)gn_rxd, gn_rxn);
		if (n <= 0)
			return;
		if (n > (long)gn_rxn)
			n = gn_rxn;
		gn_stats.rx_batches++;
		gn_txon = gn_tx != NULL;
		gn_inbatch = 1;
		gn_batch_ns = 0;
		for (long i = 0; i < n; i++) {
			gn_stats.rx_frames++;
			ns_input(gn_stack, (const void *)(uintptr_t)gn_rxd[i].addr,
			         gn_rxd[i].len <= PV_FRAME_MAX ? gn_rxd[i].len : PV_FRAME_MAX);
		}
		gn_txon = 0;
		gn_inbatch = 0;
		if (gn_txn)
			gn_flush();
		if (n < (long)gn_rxn)
			return;
		if (!gn_rx_grown && ++gn_rx_full >= GUEST_NET_RX_GROW_AFTER)
			gn_rx_buffers(1);
	}
}

int guest_net_run(void)
{
	if (!gn_stack)
		return -1;
	while (!gn_stopping) {
		if (pv_start_info()->vm_id != gn_vm_id)
			guest_forked();                        /* forked from outside (FORK): its own address first */
		gn_receive();
		uint64_t now = guest_clock_ns();
		if (gn_stop_at && now >= gn_stop_at)
			break;
		ns_timers(gn_stack, now);
		if (gn_stopping)
			break;
		uint64_t dl = ns_next_deadline(gn_stack);
		if (gn_stop_at && gn_stop_at < dl)
			dl = gn_stop_at;
		gn_stats.wakeups++;
		guest_idle_until(dl == UINT64_MAX ? 0 : dl);   /* a frame arriving wakes us with PV_PEND_NET_RX */
	}
	gn_stopping = 0;
	gn_stop_at = 0;
	return 0;
}

void guest_net_stop(void)
{
	gn_stopping = 1;
}

void guest_net_stop_after(uint64_t ns)
{
	uint64_t at = guest_clock_ns() + ns;

	if (gn_stop_at == 0 || at < gn_stop_at)
		gn_stop_at = at;
}

const struct guest_net_stats *guest_net_stats(void)
{
	return &gn_stats;
}

char *guest_net_ntoa(uint32_t ip, char buf[16])
{
	char *p = buf;

	for (int shift = 24; shift >= 0; shift -= 8) {
		unsigned v = (ip >> shift) & 0xff;
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = shift ? '.' : '\0';
	}
	return buf;
}
