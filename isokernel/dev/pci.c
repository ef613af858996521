/* pci.c - PCI configuration mechanism #1 (0xCF8 address, 0xCFC data), a bus walk through bridges, BARs, MSI-X. */
#include <stddef.h>
#include "pci.h"
#include "arch.h"
#include "cpu.h"
#include "memlayout.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

#define PCI_VENDOR     0x00
#define PCI_DEVICE     0x02
#define PCI_COMMAND    0x04
#define PCI_STATUS     0x06
#define PCI_CLASS      0x0a     /* 16 bits: class << 8 | subclass */
#define PCI_HEADER     0x0e
#define PCI_BAR0       0x10
#define PCI_SECONDARY  0x19     /* type 1 (bridge) header: the bus behind it */
#define PCI_CAP_PTR    0x34

#define PCI_CMD_IO     0x1
#define PCI_CMD_MEM    0x2
#define PCI_CMD_MASTER 0x4
#define PCI_CMD_INTX_OFF 0x400
#define PCI_STATUS_CAPS  0x10

#define PCI_CAP_MSIX     0x11
#define MSIX_CTRL        2      /* 16: table size - 1 (bits 10:0), function mask (14), enable (15) */
#define MSIX_TABLE       4      /* 32: BAR index (bits 2:0) | offset */
#define MSIX_ENABLE      0x8000
#define MSIX_MASKALL     0x4000
#define MSI_ADDR_BASE    0xfee00000u   /* x86 MSI: the LAPIC's message window, destination id in bits 19:12 */

#define PCI_CLASS_BRIDGE_PCI 0x0604

static void pci_select(const struct pci_dev *d, uint8_t off)
{
	outl(PCI_ADDR, 0x80000000u | (uint32_t)d->bus << 16 | (uint32_t)(d->dev & 31) << 11 |
		       (uint32_t)(d->fn & 7) << 8 | (off & 0xfc));
}

uint32_t pci_read32(const struct pci_dev *d, uint8_t off)
{
	pci_select(d, off);
	return inl(PCI_DATA);
}

uint16_t pci_read16(const struct pci_dev *d, uint8_t off)
{
	pci_select(d, off);
	return inw((uint16_t)(PCI_DATA + (off & 2)));
}

uint8_t pci_read8(const struct pci_dev *d, uint8_t off)
{
	pci_select(d, off);
	return inb((uint16_t)(PCI_DATA + (off & 3)));
}

void pci_write16(const struct pci_dev *d, uint8_t off, uint16_t v)
{
	pci_select(d, off);
	outw((uint16_t)(PCI_DATA + (off & 2)), v);
}

static void pci_write32(const struct pci_dev *d, uint8_t off, uint32_t v)
{
	pci_select(d, off);
	outl(PCI_DATA, v);
}

/* Windows for BARs the firmware left unassigned (qboot assigns none); i440fx forwards both to PCI. The memory
 * window lies in the hole below the IOAPIC (0xfec00000), above any RAM QEMU puts below 4 GiB. */
#define PCI_IO_START  0xc000u
#define PCI_IO_END    0x10000u
#define PCI_MEM_START 0xfe000000u
#define PCI_MEM_END   0xfec00000u
static uint32_t io_next = PCI_IO_START, mem_next = PCI_MEM_START;

/* Move io_next and mem_next past d's assigned BARs that lie in their windows (type 0 headers only). */
static void pci_note_bars(const struct pci_dev *d)
{
	if ((pci_read8(d, PCI_HEADER) & 0x7f) != 0)
		return;
	for (uint8_t off = PCI_BAR0; off < PCI_BAR0 + 24; off += 4) {
		uint32_t v = pci_read32(d, off);
		if ((v & 1) && (v & ~3u) >= PCI_IO_START && (v & 0xffff) + 0x100 > io_next)
			io_next = ((v & 0xfffc) + 0x100) & ~0xffu;   /* I/O BARs are at most 256 bytes */
		if (!(v & 1) && (v & ~15u) >= PCI_MEM_START && (v & ~15u) < PCI_MEM_END && (v & ~15u) >= mem_next)
			mem_next = (v & ~15u) + 0x100000u;   /* unknown size: step 1 MiB past it (the window has 12) */
		if (!(v & 1) && ((v >> 1) & 3) == 2)
			off += 4;
	}
}

/* What a walk looks for: a vendor and one of n device ids; note: also note every assigned I/O BAR. */
struct pci_match {
	uint16_t vendor;
	const uint16_t *ids;
	int n;
	bool note;
};

static bool pci_matches(const struct pci_match *m, const struct pci_dev *d)
{
	for (int i = 0; i < m->n; i++)
		if (d->vendor == m->vendor && d->device == m->ids[i])
			return true;
	return false;
}

/* Depth-first walk of bus and the buses behind its bridges; depth bounds a looping bridge setup. Few config
 * reads per function: each is two port accesses, ~20 us under this machine's KVM. */
static int pci_scan_bus(uint8_t bus, int depth, const struct pci_match *m, struct pci_dev *out)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		struct pci_dev d = { .bus = bus, .dev = dev, .fn = 0 };
		uint8_t nfn = 1;
		for (d.fn = 0; d.fn < nfn; d.fn++) {
			uint32_t id = pci_read32(&d, PCI_VENDOR);
			if ((id & 0xffff) == 0xffff)
				continue;
			d.vendor = (uint16_t)id;
			d.device = (uint16_t)(id >> 16);
			uint8_t hdr = pci_read8(&d, PCI_HEADER);
			if (d.fn == 0 && (hdr & 0x80))
				nfn = 8;
			if (m->note)
				pci_note_bars(&d);
			if (pci_matches(m, &d)) {
				*out = d;
				return 0;
			}
			if ((hdr & 0x7f) != 1 || depth >= 8 || pci_read16(&d, PCI_CLASS) != PCI_CLASS_BRIDGE_PCI)
				continue;
			uint8_t sec = pci_read8(&d, PCI_SECONDARY);
			if (sec > bus && pci_scan_bus(sec, depth + 1, m, out) == 0)
				return 0;
		}
	}
	return -1;
}

int pci_find(uint16_t vendor, const uint16_t *ids, int n, struct pci_dev *out)
{
	struct pci_match m = { vendor, ids, n, false };

	return pci_scan_bus(0, 0, &m, out);
}

uint64_t pci_bar(const struct pci_dev *d, int i, bool *is_io)
{
	if (i < 0 || i > 5)
		return 0;
	uint8_t off = (uint8_t)(PCI_BAR0 + 4 * i);
	uint32_t lo = pci_read32(d, off);
	*is_io = lo & 1;
	if (lo & 1)
		return lo & ~3u;
	uint64_t base = lo & ~15u;
	if (((lo >> 1) & 3) == 2 && i < 5)          /* 64-bit memory BAR: the next BAR holds the high half */
		base |= (uint64_t)pci_read32(d, (uint8_t)(off + 4)) << 32;
	return base;
}

int pci_assign_io(const struct pci_dev *d, int i)
{
	struct pci_dev none;

	if (i < 0 || i > 5)
		return -1;
	uint8_t off = (uint8_t)(PCI_BAR0 + 4 * i);
	uint32_t v = pci_read32(d, off);
	if (!(v & 1))
		return -1;
	if (v & ~3u)
		return 0;
	if (d->bus != 0)
		return -1;              /* behind a bridge the window would need programming too */
	struct pci_match all = { 0, NULL, 0, true };
	pci_scan_bus(0, 0, &all, &none);                 /* matches nothing: notes every assigned BAR */
	pci_write32(d, off, 0xffffffffu);
	uint32_t size = (~(pci_read32(d, off) & 0xfffcu) + 1) & 0xffffu;
	if (size == 0 || (size & (size - 1)) || size > 0x100) {
		pci_write32(d, off, v);
		return -1;
	}
	uint32_t base = (io_next + size - 1) & ~(size - 1);
	if (base + size > PCI_IO_END) {
		pci_write32(d, off, v);
		return -1;
	}
	pci_write32(d, off, base);
	io_next = base + size;
	return 0;
}

void pci_enable(const struct pci_dev *d, bool io, bool mem, bool master, bool intx)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	cmd |= (io ? PCI_CMD_IO : 0) | (mem ? PCI_CMD_MEM : 0) | (master ? PCI_CMD_MASTER : 0);
	cmd = intx ? cmd & ~PCI_CMD_INTX_OFF : cmd | PCI_CMD_INTX_OFF;
	pci_write32(d, PCI_COMMAND, cmd);       /* the status half is write-1-to-clear: write it as zero */
}

/* Size memory BAR i (32 or 64-bit) with decoding off: its size, or 0 if it is not a memory BAR. */
static uint32_t pci_mem_size(const struct pci_dev *d, uint8_t off)
{
	uint32_t v = pci_read32(d, off);

	if (v & 1)
		return 0;
	pci_write32(d, off, 0xffffffffu);
	uint32_t size = ~(pci_read32(d, off) & ~15u) + 1;
	pci_write32(d, off, v);
	return size;
}

int pci_assign_mem(const struct pci_dev *d, int i, uint32_t *size)
{
	struct pci_dev none;

	if (i < 0 || i > 5)
		return -1;
	uint8_t off = (uint8_t)(PCI_BAR0 + 4 * i);
	uint32_t v = pci_read32(d, off);
	bool is64 = ((v >> 1) & 3) == 2;
	*size = pci_mem_size(d, off);
	if (*size == 0 || (*size & (*size - 1)) || *size > PCI_MEM_END - PCI_MEM_START || (is64 && i == 5))
		return -1;
	if ((v & ~15u) || (is64 && pci_read32(d, (uint8_t)(off + 4))))
		return 0;
	if (d->bus != 0)
		return -1;              /* behind a bridge the window would need programming too */
	struct pci_match all = { 0, NULL, 0, true };
	pci_scan_bus(0, 0, &all, &none);                 /* matches nothing: notes every assigned BAR */
	uint32_t base = (mem_next + *size - 1) & ~(*size - 1);
	if (base < mem_next || (uint64_t)base + *size > PCI_MEM_END)
		return -1;
	pci_write32(d, off, base | (v & 15u));
	if (is64)
		pci_write32(d, (uint8_t)(off + 4), 0);
	mem_next = base + *size;
	return 0;
}

uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id)
{
	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	uint8_t p = pci_read8(d, PCI_CAP_PTR) & 0xfc;
	for (int hops = 0; p >= 0x40 && hops < 48; hops++) {    /* 48 = (256 - 64) / 4: a loop cannot hang us */
		uint16_t h = pci_read16(d, p);
		if ((h & 0xff) == id)
			return p;
		p = (uint8_t)((h >> 8) & 0xfc);
	}
	return 0;
}

int pci_msix_route(const struct pci_dev *d, uint16_t entry, uint8_t vector, uint8_t apic_id, const char **why)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_MSIX);
	uint32_t size;
	bool is_io;

	if (!cap) {
		*why = "no MSI-X capability";
		return -1;
	}
	uint16_t ctl = pci_read16(d, (uint8_t)(cap + MSIX_CTRL));
	uint32_t tbl = pci_read32(d, (uint8_t)(cap + MSIX_TABLE));
	uint32_t n = (ctl & 0x7ffu) + 1, bir = tbl & 7, off = tbl & ~7u;
	if (entry >= n || bir > 5 || pci_assign_mem(d, (int)bir, &size) != 0) {
		*why = "the MSI-X table's BAR cannot be placed";
		return -1;
	}
	uint64_t base = pci_bar(d, (int)bir, &is_io);
	if (is_io || base == 0 || off >= size || 16ull * n > size - off) {
		*why = "the MSI-X table lies outside its BAR";
		return -1;
	}
	if (base >= DMAP_SIZE || size > DMAP_SIZE - base) {
		*why = "the MSI-X table lies beyond the direct map";   /* a 64-bit BAR the firmware put high */
		return -1;
	}
	arch_dmap_uncached(base, size);
	pci_enable(d, false, true, false, false);
	pci_write16(d, (uint8_t)(cap + MSIX_CTRL), (uint16_t)(ctl | MSIX_ENABLE | MSIX_MASKALL));
	volatile uint32_t *e = (volatile uint32_t *)P2V(base + off + 16ull * entry);
	e[0] = MSI_ADDR_BASE | (uint32_t)apic_id << 12;     /* physical destination, no redirection hint */
	e[1] = 0;
	e[2] = vector;                                      /* fixed delivery, edge */
	e[3] = 0;                                           /* unmasked */
	pci_write16(d, (uint8_t)(cap + MSIX_CTRL), (uint16_t)((ctl | MSIX_ENABLE) & ~MSIX_MASKALL));
	return 0;
}

void pci_msix_disable(const struct pci_dev *d)
{
	uint8_t cap = pci_find_cap(d, PCI_CAP_MSIX);

	if (cap)
		pci_write16(d, (uint8_t)(cap + MSIX_CTRL),
			    (uint16_t)(pci_read16(d, (uint8_t)(cap + MSIX_CTRL)) & ~MSIX_ENABLE));
}
