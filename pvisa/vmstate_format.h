/* vmstate_format.h - the saved state of one VM: a versioned, self-describing byte format (C99, freestanding), defined once. */
#ifndef PV_VMSTATE_FORMAT_H
#define PV_VMSTATE_FORMAT_H

#include <stdint.h>
#include <stddef.h>

/*
 * A saved VM is a header, then sections, every integer little-endian, nothing between them:
 *
 *   struct vmst_header          magic "VMST", format version, header size, total length (header included),
 *                               section count
 *   section * nsections         struct vmst_section (type, payload length), then the payload
 *
 * Each section type appears exactly once (VMST_SECTIONS of them); a reader refuses a stream whose version it does
 * not know, whose lengths do not add up to the total, with a section missing, repeated or unknown, or any field out
 * of range. The payloads, by type:
 *
 *   VMST_META   struct vmst_meta: what the VM has done so far (CPU time, hypercalls) and an unfinished console
 *               write; the id it had (information only: a restored VM gets a new id).
 *   VMST_CPU    struct vmst_cpu: general registers, rip, rflags, data segment selectors, and the x87/SSE state
 *               as FXSAVE (64-bit) stores it. Restore masks rflags and MXCSR as a resume does; refuses a rip
 *               outside the window and a selector a guest could not load.
 *   VMST_MEM    struct vmst_mem: the image by name and content checksum (a kernel holding no loaded image with
 *               both refuses), quota and guarantee; then npages times struct vmst_page, each followed by
 *               PV_PAGE_SIZE bytes when it is private. Every page the image maps is listed once, as the image
 *               maps it (shared text/rodata, or copy-on-write data not yet written: by reference) or as a private
 *               page that replaced a copy-on-write one; other private pages lie where the VM could have made them
 *               (bss, heap, stack, start page). The start page is always private.
 *   VMST_NET    struct vmst_net: the VM's address (MAC and IPv4 of the plan), its counters, then nframes times
 *               struct vmst_frame followed by len bytes: its receive queue, oldest first.
 *   VMST_TIMER  struct vmst_timer: runnable or idle; when idle, the deadline as nanoseconds from the moment of
 *               saving (or none); the pending events not yet delivered.
 */
#define VMST_MAGIC    0x54534d56u      /* "VMST" */
#define VMST_VERSION  1u

struct vmst_header {
	uint32_t magic;
	uint16_t version;
	uint16_t header_size;      /* sizeof(struct vmst_header) */
	uint64_t total_len;        /* bytes of the whole stream, this header included */
	uint32_t nsections;
	uint32_t abi_version;      /* PV_ABI_VERSION of the saved guest */
};
_Static_assert(sizeof(struct vmst_header) == 24, "vmst_header layout");

enum vmst_type { VMST_META = 1, VMST_CPU = 2, VMST_MEM = 3, VMST_NET = 4, VMST_TIMER = 5 };
#define VMST_SECTIONS 5u

struct vmst_section {
	uint32_t type;             /* enum vmst_type */
	uint32_t reserved;         /* 0 */
	uint64_t len;              /* payload bytes that follow */
};
_Static_assert(sizeof(struct vmst_section) == 16, "vmst_section layout");

struct vmst_meta {
	uint32_t saved_id;         /* the VM's id when it was saved */
	uint32_t hypercalls;
	uint64_t cpu_ns;           /* CPU time used */
	uint16_t con_done;         /* bytes of a console_write cut short already written (0: none) */
	uint16_t reserved[3];
};
_Static_assert(sizeof(struct vmst_meta) == 24, "vmst_meta layout");

struct vmst_cpu {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
	uint16_t ds, es, fs, gs;
	uint64_t reserved;
	uint8_t fx[512];           /* FXSAVE64 area */
};
_Static_assert(sizeof(struct vmst_cpu) == 672, "vmst_cpu layout");

#define VMST_IMAGE_NAME 32
struct vmst_mem {
	char image[VMST_IMAGE_NAME];   /* NUL-terminated */
	uint64_t image_sum;        /* checksum of the image's contents and layout (kernel vmspace_state.c) */
	uint32_t quota_pages, guar_pages;
	uint32_t npages;           /* struct vmst_page records that follow */
	uint32_t reserved;
};
_Static_assert(sizeof(struct vmst_mem) == 56, "vmst_mem layout");

enum vmst_page_kind {
	VMST_PAGE_SHARED = 1,      /* the image's read-only page (text, rodata): by reference */
	VMST_PAGE_COW = 2,         /* the image's data page, not written yet: by reference */
	VMST_PAGE_PRIVATE = 3,     /* the VM's own page: PV_PAGE_SIZE bytes follow */
};
struct vmst_page {
	uint64_t va;               /* page address inside the window */
	uint32_t kind;             /* enum vmst_page_kind */
	uint32_t reserved;
};
_Static_assert(sizeof(struct vmst_page) == 16, "vmst_page layout");

struct vmst_net {
	uint8_t mac[6];
	uint16_t reserved;
	uint32_t ipv4;
	uint32_t rx_frames, tx_frames, rx_drops, tx_spoofed;
	uint32_t nframes;          /* struct vmst_frame records that follow */
};
_Static_assert(sizeof(struct vmst_net) == 32, "vmst_net layout");

struct vmst_frame {
	uint32_t len;              /* PV_FRAME_MIN..PV_FRAME_MAX bytes follow */
};

enum vmst_run { VMST_RUNNABLE = 1, VMST_IDLE = 2 };
#define VMST_NO_DEADLINE UINT64_MAX
struct vmst_timer {
	uint32_t run;              /* enum vmst_run */
	uint32_t pending;          /* PV_PEND_* bits */
	uint64_t deadline_in_ns;   /* idle: ns from saving to its deadline (VMST_NO_DEADLINE: none); runnable: 0 */
};
_Static_assert(sizeof(struct vmst_timer) == 16, "vmst_timer layout");

#endif
