/* pte.h - the x86_64 page-table entry: hardware bits, the software copy-on-write bit, and page_kind encoded in them. */
#ifndef ISO_PTE_H
#define ISO_PTE_H

#include <stdint.h>
#include <stdbool.h>
#include "page.h"

#define PTE_P     (1ull << 0)
#define PTE_W     (1ull << 1)
#define PTE_U     (1ull << 2)
#define PTE_PWT   (1ull << 3)
#define PTE_PCD   (1ull << 4)
#define PTE_A     (1ull << 5)
#define PTE_D     (1ull << 6)
#define PTE_PS    (1ull << 7)
#define PTE_G     (1ull << 8)
#define PTE_COW   (1ull << 9)    /* software: read-only now, private copy on write */
#define PTE_NX    (1ull << 63)
#define PTE_ADDR  0x000ffffffffff000ull

/* A user PTE: PAGE_SHARED = P|U, PAGE_COW = P|U|COW, PAGE_PRIVATE = P|U|W; NX unless exec. */
static inline uint64_t arch_pte_make(uint64_t pa, enum page_kind k, bool exec)
{
	static const uint64_t bits[] = { [PAGE_NONE] = 0, [PAGE_SHARED] = PTE_P | PTE_U,
					 [PAGE_COW] = PTE_P | PTE_U | PTE_COW, [PAGE_PRIVATE] = PTE_P | PTE_U | PTE_W };

	return k == PAGE_NONE ? 0 : pa | bits[k] | (exec ? 0 : PTE_NX);
}

static inline enum page_kind arch_pte_kind(uint64_t pte)
{
	if (!(pte & PTE_P))
		return PAGE_NONE;
	if (pte & PTE_W)
		return PAGE_PRIVATE;
	return (pte & PTE_COW) ? PAGE_COW : PAGE_SHARED;
}

/* The frame a present PTE maps. */
static inline uint64_t arch_pte_frame(uint64_t pte)
{
	return pte & PTE_ADDR;
}

static inline bool arch_pte_exec(uint64_t pte)
{
	return (pte & (PTE_P | PTE_NX)) == PTE_P;
}

/* Does the PTE let the VM read (write = false) or write its page as it stands, with no fault to resolve? */
static inline bool arch_pte_allows(uint64_t pte, bool write)
{
	uint64_t need = write ? PTE_P | PTE_W : PTE_P;

	return (pte & need) == need;
}

/* The same PTE with its kind changed (frame and exec kept). */
static inline uint64_t arch_pte_rekind(uint64_t pte, enum page_kind k)
{
	return arch_pte_make(arch_pte_frame(pte), k, arch_pte_exec(pte));
}

#endif
