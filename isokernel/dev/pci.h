/* pci.h - PCI configuration space through ports 0xCF8/0xCFC: find a function, read and place BARs, enable it, MSI-X. */
#ifndef ISO_PCI_H
#define ISO_PCI_H

#include <stdbool.h>
#include <stdint.h>

/* One PCI function. */
struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
};

/* Config-space access; off is a byte offset (aligned to the access size). */
uint32_t pci_read32(const struct pci_dev *d, uint8_t off);
uint16_t pci_read16(const struct pci_dev *d, uint8_t off);
uint8_t pci_read8(const struct pci_dev *d, uint8_t off);
void pci_write16(const struct pci_dev *d, uint8_t off, uint16_t v);

/* The first function (bus 0 and the buses behind PCI-to-PCI bridges, depth first) with this vendor and one of
 * the n device ids: 0 and *out filled, or -1. One walk, a few config reads per function present. */
int pci_find(uint16_t vendor, const uint16_t *ids, int n, struct pci_dev *out);
/* BAR i (0..5): its base address (64-bit memory BARs combined), *is_io says whether it is an I/O BAR.
 * 0 when unset or i is out of range. */
uint64_t pci_bar(const struct pci_dev *d, int i, bool *is_io);
/* If BAR i is an I/O BAR the firmware left at 0 (qboot assigns none), size it and place it in 0xc000..0xffff
 * above every assigned I/O BAR. 0 if it is (now) assigned; -1 if not an I/O BAR, no room, or not on bus 0. */
int pci_assign_io(const struct pci_dev *d, int i);
/* If memory BAR i (32 or 64-bit) is unassigned, place it in 0xfe000000..0xfebfffff above every assigned memory BAR
 * there (64-bit ones below 4 GiB). 0 with *size if it is (now) assigned; -1 if not a memory BAR, no room, or not
 * on bus 0. Call with memory decoding off. */
int pci_assign_mem(const struct pci_dev *d, int i, uint32_t *size);
/* Config-space offset of the first capability with this id, or 0. */
uint8_t pci_find_cap(const struct pci_dev *d, uint8_t id);
/* Enable MSI-X: place the table's BAR, map it uncached, turn memory decoding on, and point table entry `entry` at
 * `vector` on the LAPIC with id apic_id (fixed, edge, unmasked). 0, or -1 with *why (MSI-X left as it was). */
int pci_msix_route(const struct pci_dev *d, uint16_t entry, uint8_t vector, uint8_t apic_id, const char **why);
/* Clear the MSI-X enable bit (the function falls back to INTx, which pci_enable can mask). */
void pci_msix_disable(const struct pci_dev *d);
/* Turn on I/O decoding, memory decoding and bus mastering (DMA) as asked; intx false masks the INTx line. */
void pci_enable(const struct pci_dev *d, bool io, bool mem, bool master, bool intx);

#endif
