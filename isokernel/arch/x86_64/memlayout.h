/* memlayout.h - the kernel's virtual memory map and the physical<->virtual conversions.
 *
 *   0x0000000000000000 .. 0x00007fffffffffff   user half: PML4[0] -> per-CPU PDPT -> PD; PD[2] is the
 *                                             running VM's page-table page (the window, see pvisa.h)
 *   0xffff800000000000 .. +DMAP_SIZE           direct map of physical memory (2 MiB pages, global, NX,
 *                                             supervisor-only); MMIO holes mapped uncached on demand
 *   0xffffffff80000000 .. +1 GiB               the kernel image (linked at KERNEL_VMA + 1 MiB)
 */
#ifndef ISO_MEMLAYOUT_H
#define ISO_MEMLAYOUT_H

#include <stdint.h>

#define KERNEL_VMA   0xffffffff80000000ull
#define KERNEL_PHYS  0x100000ull
#define DMAP_SIZE    (32ull << 30)      /* physical memory the kernel can use, at most (boot.S DMAP_PDS: GiB of it) */
#define PAGE_SIZE    4096ull
#define PAGE_MASK    (~(PAGE_SIZE - 1))

#ifdef ISO_HOST_TEST
/* Host unit tests back "physical memory" with an arena: phys + iso_dmap_base is its address. */
extern uintptr_t iso_dmap_base;
#define DMAP_BASE ((uint64_t)iso_dmap_base)
#else
#define DMAP_BASE 0xffff800000000000ull
#endif

static inline void *P2V(uint64_t pa) { return (void *)(uintptr_t)(pa + DMAP_BASE); }
static inline uint64_t V2P(const void *va) { return (uint64_t)(uintptr_t)va - DMAP_BASE; }
/* Physical address of a symbol in the kernel image (page tables, stacks in .bss). */
static inline uint64_t KV2P(const void *va) { return (uint64_t)(uintptr_t)va - KERNEL_VMA; }

#endif
