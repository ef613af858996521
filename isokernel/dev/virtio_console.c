/* virtio_console.c - legacy virtio-console with MULTIPORT on the virtio transport: the report port (bulk, paged) and the control port. */
/*
 * Queues (virtio 1.x, "Console Device"): port 0 receive/transmit are 0/1, the control queues 2 (device to driver)
 * and 3 (driver to device), port n >= 1 receives on 2n+2 and transmits on 2n+3. Rings are set up for port ids below
 * VCON_PORTS before DRIVER_OK; buffers only for the two ports we use, once their names are known. Control exchange:
 * we send DEVICE_READY; the device sends PORT_ADD per port; we answer PORT_READY; it sends PORT_NAME (the name
 * follows the 8-byte message) and PORT_OPEN when the host side is connected; we send PORT_OPEN for the ports we
 * use. Every buffer is one descriptor, descriptor k = buffer k, so a used id is checked against the buffers in
 * flight before it indexes anything; bad entries are counted and skipped. The control receive queue and the
 * control port's receive queue interrupt (MSI-X) so that a halted idle loop wakes for the host; the rest is polled.
 */
#include "hot.h"
#include "virtio_console.h"
#include "virtio.h"
#include "irq.h"
#include "serial.h"
#include "memlayout.h"
#include "frame.h"
#include "tsc.h"
#include "cpu.h"
#include "lib.h"
#include "kprintf.h"
#include "loop.h"

#define VIRTIO_CONSOLE_LEGACY      0x1003
#define VIRTIO_CONSOLE_MODERN      0x1043
#define VIRTIO_CONSOLE_F_MULTIPORT (1u << 1)
#define VCON_CFG_MAX_PORTS         4        /* u32 max_nr_ports in the device config (after cols, rows) */

enum { VCC_DEVICE_READY = 0, VCC_PORT_ADD = 1, VCC_PORT_REMOVE = 2, VCC_PORT_READY = 3, VCC_CONSOLE_PORT = 4,
       VCC_RESIZE = 5, VCC_PORT_OPEN = 6, VCC_PORT_NAME = 7 };
struct vcc_msg {
	uint32_t id;
	uint16_t event, value;
};
_Static_assert(sizeof(struct vcc_msg) == 8, "virtio_console_control layout");

#define VCON_PORTS      4       /* port ids that get queues (isorun uses 1, 2 and, with --pcap, 3) */
#define VCON_CBUF       256     /* a control buffer: a message and a port name */
#define VCON_CBUFS      16      /* control buffers each way (one page) */
#define VCON_REP_PAGES  32      /* report stream: pages of its TX ring (128 KiB) */
#define VCON_CTL_PAGES  8       /* control port: pages each way */
#define VCON_MAXBUF     32      /* buffers per queue at most */
#define VCON_FLUSH_US   1000    /* a partial report page waits at most this long in a busy loop */
#define VCON_SETUP_MS   2000    /* the control exchange at init ends when the ports are open or after this quiet
                                   (a loaded host took over 50 ms to send the first DEVICE_ADD: the report stream
                                   of a 1,000,000-VM run then stayed on COM1) */
#define VCON_POLL_US    1000    /* without an interrupt: the idle loop looks at the control port this often */
#define NONE            (-1)

/* Buffers of one queue: nbuf of size bytes, contiguous at pa; buffer k is descriptor k. */
struct vbq {
	struct vq *q;
	uint16_t nbuf, size;
	uint64_t pa;
	uint8_t inflight[VCON_MAXBUF];
	uint16_t freel[VCON_MAXBUF], nfree;   /* transmit: buffers not in flight */
};

static struct {
	bool up, irq;
	struct vio_dev dev;
	uint32_t nports;                       /* port ids with queues: min(max_nr_ports, VCON_PORTS) */
	struct vq cq[2];                       /* control receive, transmit */
	struct vq pq[VCON_PORTS][2];           /* per port id: receive, transmit */
	struct vbq crx, ctx;
	bool host_open[VCON_PORTS];
	uint32_t added, named;
	uint64_t bad, irqs, waits;
} vc;

static struct {
	int id;                                /* port id, or NONE */
	struct vbq tx;
	int cur;                               /* the page being filled, or NONE */
	uint32_t len;
	uint64_t since, flush_tsc;             /* when its first byte came */
} rep = { .id = NONE, .cur = NONE };

static struct {
	int id;
	struct vbq rx, tx;
	int cur;                               /* the received buffer being read, or NONE */
	uint32_t off, len;
	uint64_t poll_tsc;
} ctl = { .id = NONE, .cur = NONE };

/* The capture port (pvisa/runlog.h "Packet capture"): pages filled as the report port's, but never waited for. */
#define VCON_CAP_PAGES  32      /* its TX ring (128 KiB): what a burst may hold before frames are dropped */
static struct {
	int id;
	struct vbq tx;
	int cur;
	uint32_t len;
	uint64_t since;
} cap = { .id = NONE, .cur = NONE };

static uint8_t *vbq_buf(const struct vbq *b, uint32_t k)
{
	return (uint8_t *)P2V(b->pa) + (uint64_t)k * b->size;
}

/* Buffers for queue q: n of size bytes in contiguous zeroed frames; transmit ones all free. 0, or -1. */
static int vbq_init(struct vbq *b, struct vq *q, uint16_t n, uint16_t size)
{
	if (n > q->num)
		n = q->num;
	uint64_t pa = vio_alloc_contig((uint32_t)(((uint64_t)n * size + PAGE_SIZE - 1) / PAGE_SIZE));
	if (!pa)
		return -1;
	*b = (struct vbq){ .q = q, .nbuf = n, .size = size, .pa = pa };
	for (uint16_t k = 0; k < n; k++)
		b->freel[b->nfree++] = (uint16_t)(n - 1 - k);
	return 0;
}

/* Buffer k to the device: len bytes to send, or (writable) room for size bytes. Not notified yet. */
static void vbq_post(struct vbq *b, uint16_t k, uint32_t len, bool writable)
{
	b->q->desc[k] = (struct vring_desc){ V2P(vbq_buf(b, k)), len, writable ? VRING_DESC_F_WRITE : 0, 0 };
	b->inflight[k] = 1;
	vq_post(b->q, k);
}

/* The next buffer the device gave back: true with *k and *len (checked: ours, in flight, len <= size). */
static bool vbq_used(struct vbq *b, uint16_t *k, uint32_t *len)
{
	uint32_t id, n;

	while (vq_next_used(b->q, &id, &n)) {
		if (id >= b->nbuf || !b->inflight[id] || n > b->size) {
			vc.bad++;
			if (id < b->nbuf && b->inflight[id])
				b->inflight[id] = 0, b->freel[b->nfree++] = (uint16_t)id;  /* ours: the length alone is bad */
			continue;
		}
		b->inflight[id] = 0;
		*k = (uint16_t)id;
		*len = n;
		return true;
	}
	return false;
}

/* Sent buffers back on the free list. */
static void vbq_reclaim(struct vbq *b)
{
	uint16_t k;
	uint32_t len;

	while (vbq_used(b, &k, &len))
		b->freel[b->nfree++] = k;
}

/* Every receive buffer to the device. */
static void vbq_fill_rx(struct vbq *b)
{
	while (b->nfree)
		vbq_post(b, b->freel[--b->nfree], b->size, true);
	vq_kick(b->q);
}

/* A control message to the device; waits (briefly) for a free buffer: the device answers control at once. */
static void vcon_send(uint32_t id, uint16_t event, uint16_t value)
{
	struct vcc_msg m = { id, event, value };

	for (uint32_t spins = 0; !vc.ctx.nfree && spins < 10000000 && !vc.dev.broken; spins++) {
		vbq_reclaim(&vc.ctx);
		pause();
	}
	if (!vc.ctx.nfree) {
		vc.bad++;
		return;
	}
	uint16_t k = vc.ctx.freel[--vc.ctx.nfree];
	memcpy(vbq_buf(&vc.ctx, k), &m, sizeof(m));
	vbq_post(&vc.ctx, k, sizeof(m), false);
	vq_kick(vc.ctx.q);
}

/* The report port is named: its transmit pages. */
static void port_is_report(int id)
{
	if (vbq_init(&rep.tx, &vc.pq[id][1], VCON_REP_PAGES, PAGE_SIZE) != 0) {
		kprintf("isokernel: virtio-console: no memory for the report stream's pages\n");
		return;
	}
	rep.id = id;
	vcon_send((uint32_t)id, VCC_PORT_OPEN, 1);
}

/* The control port is named: its pages each way, receive ones given to the device. */
static void port_is_ctl(int id)
{
	if (vbq_init(&ctl.rx, &vc.pq[id][0], VCON_CTL_PAGES, PAGE_SIZE) != 0 ||
	    vbq_init(&ctl.tx, &vc.pq[id][1], VCON_CTL_PAGES, PAGE_SIZE) != 0) {
		kprintf("isokernel: virtio-console: no memory for the control port's pages\n");
		return;
	}
	if (vc.irq)
		vq_irq(ctl.rx.q, true);
	vbq_fill_rx(&ctl.rx);
	ctl.id = id;
	vcon_send((uint32_t)id, VCC_PORT_OPEN, 1);
}

/* The capture port is named (the host asked for a capture): its transmit pages. */
static void port_is_cap(int id)
{
	if (vbq_init(&cap.tx, &vc.pq[id][1], VCON_CAP_PAGES, PAGE_SIZE) != 0) {
		kprintf("isokernel: virtio-console: no memory for the capture port's pages\n");
		return;
	}
	cap.id = id;
	vcon_send((uint32_t)id, VCC_PORT_OPEN, 1);
}

/* PORT_NAME: name (n bytes, maybe NUL-terminated) for port id. */
static void port_name(uint32_t id, const char *name, uint32_t n)
{
	while (n && name[n - 1] == '\0')
		n--;
	if (id >= vc.nports)
		return;
	vc.named++;
	if (n == sizeof(VCON_REPORT_PORT) - 1 && !memcmp(name, VCON_REPORT_PORT, n) && rep.id == NONE)
		port_is_report((int)id);
	else if (n == sizeof(VCON_CTL_PORT) - 1 && !memcmp(name, VCON_CTL_PORT, n) && ctl.id == NONE)
		port_is_ctl((int)id);
	else if (n == sizeof(VCON_PCAP_PORT) - 1 && !memcmp(name, VCON_PCAP_PORT, n) && cap.id == NONE)
		port_is_cap((int)id);
}

/* One message from the device's control queue. */
static void vcon_control(const uint8_t *buf, uint32_t len)
{
	struct vcc_msg m;

	if (len < sizeof(m)) {
		vc.bad++;
		return;
	}
	memcpy(&m, buf, sizeof(m));
	if (m.event == VCC_PORT_ADD) {
		vc.added++;
		vcon_send(m.id, VCC_PORT_READY, m.id < vc.nports);   /* ports without queues: refused */
	} else if (m.event == VCC_PORT_NAME) {
		port_name(m.id, (const char *)buf + sizeof(m), len - (uint32_t)sizeof(m));
	} else if ((m.event == VCC_PORT_OPEN || m.event == VCC_PORT_REMOVE) && m.id < vc.nports) {
		vc.host_open[m.id] = m.event == VCC_PORT_OPEN && m.value;
	}
}

/* Takes every waiting control message; true if there was one. */
static bool vcon_control_poll(void)
{
	uint16_t k;
	uint32_t len;
	bool any = false;

	while (vbq_used(&vc.crx, &k, &len)) {
		vcon_control(vbq_buf(&vc.crx, k), len);
		vbq_post(&vc.crx, k, vc.crx.size, true);
		any = true;
	}
	if (any)
		vq_kick(vc.crx.q);
	return any;
}

static bool rep_open(void)
{
	return rep.id != NONE && vc.host_open[rep.id] && !vc.dev.broken;
}

/* The page being filled goes to the device. */
static void rep_post(void)
{
	vbq_post(&rep.tx, (uint16_t)rep.cur, rep.len, false);
	vq_kick(rep.tx.q);
	rep.cur = NONE;
	rep.len = 0;
	rep.since = 0;
}

/* A free page to fill: waits for the host while every page is in its hands. False if the port closed meanwhile. */
static bool rep_next(void)
{
	if (!rep.tx.nfree)
		vbq_reclaim(&rep.tx);
	if (!rep.tx.nfree)
		vc.waits++;
	while (!rep.tx.nfree && rep_open()) {
		pause();
		vbq_reclaim(&rep.tx);
		vcon_control_poll();
	}
	if (!rep.tx.nfree)
		return false;
	rep.cur = rep.tx.freel[--rep.tx.nfree];
	rep.len = 0;
	return true;
}

HOT void vcon_report_write(const void *p, size_t n)
{
	const uint8_t *s = p;

	while (n) {
		if (!rep_open() || (rep.cur == NONE && !rep_next())) {
			serial_write(s, n);         /* no host on the port: COM1 */
			return;
		}
		uint32_t take = n < PAGE_SIZE - rep.len ? (uint32_t)n : (uint32_t)(PAGE_SIZE - rep.len);
		memcpy(vbq_buf(&rep.tx, (uint16_t)rep.cur) + rep.len, s, take);
		if (!rep.since)
			rep.since = rdtsc();
		rep.len += take;
		s += take;
		n -= take;
		if (rep.len == PAGE_SIZE)
			rep_post();
	}
}

void vcon_report_sync(void)
{
	if (rep.id == NONE)
		return;
	if (rep.cur != NONE && rep.len && rep_open())
		rep_post();
	vbq_reclaim(&rep.tx);
	while (rep.tx.nfree + (rep.cur != NONE) < rep.tx.nbuf && rep_open()) {
		pause();
		vbq_reclaim(&rep.tx);
		vcon_control_poll();
	}
}

bool vcon_cap_open(void)
{
	return cap.id != NONE && vc.host_open[cap.id] && !vc.dev.broken;
}

/* The capture page being filled goes to the device. */
static void cap_post(void)
{
	vbq_post(&cap.tx, (uint16_t)cap.cur, cap.len, false);
	vq_kick(cap.tx.q);
	cap.cur = NONE;
	cap.len = 0;
	cap.since = 0;
}

/* Bytes the capture port can take now without waiting: the rest of the page being filled and the free pages. */
static uint64_t cap_room(uint64_t want)
{
	uint64_t room = (cap.cur != NONE ? PAGE_SIZE - cap.len : 0) + (uint64_t)cap.tx.nfree * PAGE_SIZE;

	if (room < want) {
		vbq_reclaim(&cap.tx);
		room = (cap.cur != NONE ? PAGE_SIZE - cap.len : 0) + (uint64_t)cap.tx.nfree * PAGE_SIZE;
	}
	return room;
}

/* n bytes into the capture pages (cap_room said they fit). */
static void cap_copy(const uint8_t *s, size_t n)
{
	while (n) {
		if (cap.cur == NONE) {
			cap.cur = cap.tx.freel[--cap.tx.nfree];
			cap.len = 0;
		}
		uint32_t take = n < PAGE_SIZE - cap.len ? (uint32_t)n : (uint32_t)(PAGE_SIZE - cap.len);
		memcpy(vbq_buf(&cap.tx, (uint16_t)cap.cur) + cap.len, s, take);
		if (!cap.since)
			cap.since = rdtsc();
		cap.len += take;
		s += take;
		n -= take;
		if (cap.len == PAGE_SIZE)
			cap_post();
	}
}

bool vcon_cap_write(const void *a, size_t na, const void *b, size_t nb)
{
	if (!vcon_cap_open() || cap_room(na + nb) < na + nb)
		return false;
	cap_copy(a, na);
	cap_copy(b, nb);
	return true;
}

void vcon_cap_sync(void)
{
	uint64_t spins = 0;

	if (!vcon_cap_open())
		return;
	if (cap.cur != NONE && cap.len)
		cap_post();
	vbq_reclaim(&cap.tx);
	while (cap.tx.nfree + (cap.cur != NONE) < cap.tx.nbuf && vcon_cap_open() && spins++ < 200000000) {
		pause();
		vbq_reclaim(&cap.tx);
		vcon_control_poll();
	}
}

/* Once per main-loop pass: control messages from the device, the report stream's late partial page. */
HOT static void vcon_poll(uint64_t now)
{
	if (vq_used_waiting(vc.crx.q))
		vcon_control_poll();
	if (rep.len && now - rep.since >= rep.flush_tsc && rep_open())
		rep_post();
	if (cap.len && now - cap.since >= rep.flush_tsc && vcon_cap_open())
		cap_post();
}

/* Without an interrupt the control port is looked at every VCON_POLL_US while the CPU idles (passive: only while
 * something else can wake it, as the stop poll). */
static uint64_t vcon_due(uint64_t now)
{
	return !vc.irq && ctl.id != NONE ? now + ctl.poll_tsc : LOOP_NEVER;
}

/* The CPU is about to idle: the report stream's partial page goes out first. */
static void vcon_idle(uint64_t now)
{
	(void)now;
	if (rep.len && rep_open())
		rep_post();
	if (cap.len && vcon_cap_open())
		cap_post();
}

static const struct loop_source vcon_source = {
	.name = "console", .poll = vcon_poll, .deadline = vcon_due, .idle = vcon_idle, .passive = true,
};

bool vcon_present(void)
{
	return vc.up && ctl.id != NONE;
}

size_t vcon_ctl_read(void *buf, size_t cap)
{
	size_t got = 0;
	bool given = false;

	if (!vcon_present())
		return 0;
	while (got < cap) {
		uint32_t len;
		uint16_t k;
		if (ctl.cur == NONE) {
			if (!vbq_used(&ctl.rx, &k, &len))
				break;
			ctl.cur = k, ctl.off = 0, ctl.len = len;
		}
		uint32_t take = cap - got < ctl.len - ctl.off ? (uint32_t)(cap - got) : ctl.len - ctl.off;
		memcpy((uint8_t *)buf + got, vbq_buf(&ctl.rx, (uint16_t)ctl.cur) + ctl.off, take);
		got += take;
		ctl.off += take;
		if (ctl.off == ctl.len) {
			vbq_post(&ctl.rx, (uint16_t)ctl.cur, ctl.rx.size, true);
			ctl.cur = NONE;
			given = true;
		}
	}
	if (given)
		vq_kick(ctl.rx.q);
	return got;
}

HOT bool vcon_ctl_waiting(void)
{
	return ctl.id != NONE && (ctl.cur != NONE || vq_used_waiting(ctl.rx.q));
}

size_t vcon_ctl_write(const void *buf, size_t n)
{
	size_t put = 0;

	if (!vcon_present() || !vc.host_open[ctl.id] || vc.dev.broken)
		return 0;
	vbq_reclaim(&ctl.tx);
	while (put < n && ctl.tx.nfree) {
		uint16_t k = ctl.tx.freel[--ctl.tx.nfree];
		uint32_t take = n - put < ctl.tx.size ? (uint32_t)(n - put) : ctl.tx.size;
		memcpy(vbq_buf(&ctl.tx, k), (const uint8_t *)buf + put, take);
		vbq_post(&ctl.tx, k, take, false);
		put += take;
	}
	if (put)
		vq_kick(ctl.tx.q);
	return put;
}

static void vcon_irq(void *ctx)
{
	(void)ctx;
	vc.irqs++;                  /* the wake-up is the point: the main loop polls next */
}

/* MSI-X: the control receive queue and every port's receive queue on table entry 0 (only the control port's
 * interrupts are turned on), nothing else. False if the device refused. */
static bool vcon_vectors(void)
{
	vio_config_vector(&vc.dev, VIO_NO_VECTOR);
	bool ok = vio_queue_vector(&vc.dev, 2, 0);
	vio_queue_vector(&vc.dev, 3, VIO_NO_VECTOR);
	for (uint32_t id = 0; id < vc.nports; id++) {
		ok &= vio_queue_vector(&vc.dev, vc.pq[id][0].index, 0);
		vio_queue_vector(&vc.dev, vc.pq[id][1].index, VIO_NO_VECTOR);
	}
	return ok;
}

/* Receive and transmit queues of port id (0: queues 0 and 1; n >= 1: 2n+2 and 2n+3). */
static int vcon_port_queues(uint32_t id, const char **why)
{
	uint16_t rx = (uint16_t)(id == 0 ? 0 : 2 * id + 2);

	if (vq_init(&vc.pq[id][0], &vc.dev, rx, 1, why) != 0 || vq_init(&vc.pq[id][1], &vc.dev, (uint16_t)(rx + 1), 1, why) != 0)
		return -1;
	return 0;
}

/* Reset, MULTIPORT, every queue, control buffers, vectors, DRIVER_OK. */
static int vcon_start(const char **why)
{
	if (!(vio_negotiate(&vc.dev, VIRTIO_CONSOLE_F_MULTIPORT) & VIRTIO_CONSOLE_F_MULTIPORT)) {
		*why = "no MULTIPORT feature";
		return -1;
	}
	uint32_t max = vio_cfg32(&vc.dev, VCON_CFG_MAX_PORTS);
	vc.nports = max < VCON_PORTS ? max : VCON_PORTS;
	if (vq_init(&vc.cq[0], &vc.dev, 2, 1, why) != 0 || vq_init(&vc.cq[1], &vc.dev, 3, 1, why) != 0)
		return -1;
	for (uint32_t id = 0; id < vc.nports; id++)
		if (vcon_port_queues(id, why) != 0)
			return -1;
	if (vbq_init(&vc.crx, &vc.cq[0], VCON_CBUFS, VCON_CBUF) != 0 || vbq_init(&vc.ctx, &vc.cq[1], VCON_CBUFS, VCON_CBUF) != 0) {
		*why = "no memory for control buffers";
		return -1;
	}
	if (vc.irq && !vcon_vectors()) {
		vio_msix_off(&vc.dev);
		vc.irq = false;
	}
	if (vc.irq)
		vq_irq(vc.crx.q, true);
	if (vio_driver_ok(&vc.dev, why) != 0)
		return -1;
	vc.up = true;
	vbq_fill_rx(&vc.crx);
	return 0;
}

/* DEVICE_READY, then control messages until both ports are open, or VCON_SETUP_MS after the last one. */
static void vcon_exchange(void)
{
	uint64_t quiet = ns_to_tsc(VCON_SETUP_MS * 1000000ull), last = rdtsc();

	vcon_send(0, VCC_DEVICE_READY, 1);
	while (rdtsc() - last < quiet && !vc.dev.broken) {
		if (vcon_control_poll())
			last = rdtsc();
		else
			pause();
		if (rep_open() && ctl.id != NONE && vc.host_open[ctl.id])
			break;
	}
}

/* Interrupts through MSI-X table entry 0 when there is a vector for it. */
static void vcon_route(void)
{
	const char *why;
	int vector = irq_register(-1, vcon_irq, NULL, "console");

	vc.irq = vector >= 0 && vio_msix(&vc.dev, 0, (uint8_t)vector, &why) == 0;
}

static void vbq_free(struct vbq *b)
{
	for (uint32_t i = 0; b->pa && i < ((uint64_t)b->nbuf * b->size + PAGE_SIZE - 1) / PAGE_SIZE; i++)
		frame_free(b->pa + i * PAGE_SIZE);
	memset(b, 0, sizeof(*b));
}

/* The device reset, every ring and buffer back (a failed start). */
static void vcon_free(void)
{
	vio_fail(&vc.dev);
	vbq_free(&vc.crx);
	vbq_free(&vc.ctx);
	for (int i = 0; i < 2; i++)
		if (vc.cq[i].ring_pa)
			vq_free(&vc.cq[i]);
	for (uint32_t id = 0; id < VCON_PORTS; id++)
		for (int i = 0; i < 2; i++)
			if (vc.pq[id][i].ring_pa)
				vq_free(&vc.pq[id][i]);
	vc.up = false;
	vc.irq = false;
}

int vcon_init(void)
{
	const char *why = NULL;

	if (vio_find(&vc.dev, "virtio-console", VIRTIO_CONSOLE_LEGACY, VIRTIO_CONSOLE_MODERN) != 0)
		return -1;
	rep.flush_tsc = ns_to_tsc(VCON_FLUSH_US * 1000ull);
	ctl.poll_tsc = ns_to_tsc(VCON_POLL_US * 1000ull);
	vcon_route();
	if (vcon_start(&why) != 0) {
		vcon_free();
		kprintf("isokernel: virtio-console: %s: not used\n", why);
		return -1;
	}
	vcon_exchange();
	kprintf("isokernel: virtio-console %02x:%02x.%u io=%#x ports=%u/%u named=%u report=%d%s ctl=%d%s irq=%s\n",
		vc.dev.pci.bus, vc.dev.pci.dev, vc.dev.pci.fn, vc.dev.io, vc.added, vc.nports, vc.named, rep.id,
		rep_open() ? " (open)" : "", ctl.id, ctl.id != NONE && vc.host_open[ctl.id] ? " (open)" : "",
		vc.irq ? "msix" : "polled");
	if (rep.id != NONE)
		kprintf_route(vcon_report_write, vcon_report_sync);
	loop_register(&vcon_source);
	return 0;
}
