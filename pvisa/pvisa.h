/* pvisa.h - the paravirtual ISA v1: the one ABI header shared by the kernel and every guest (C99, freestanding). */
#ifndef PVISA_H
#define PVISA_H

#include <stdint.h>
#include <stddef.h>

#define PV_ABI_VERSION 1u

/*
 * Guest address space (the "window"): every VM sees the same virtual layout.
 *
 *   0x000000 .. 0x3fffff   unmapped (null pointers fault)
 *   0x400000 .. 0x5fffff   the VM's window (2 MiB, one page-table page):
 *       image segments (text RX shared, rodata R shared, data RW copy-on-write, bss RW demand-zero)
 *       heap       [heap_start, heap_end)          demand-zero, inside the VM's memory quota
 *       guard gap  (never mapped; touching it ends the VM with "stack overflow")
 *       stack      [stack_limit, stack_top)        demand-zero, grows down; its top page is the
 *                                                  start page, present from the start
 *       start info [PV_START_INFO, PV_WIN_END)     the last 512 bytes: start info, virtual registers,
 *                                                  command line; stack_top = PV_START_INFO (less a
 *                                                  small argument block, PV_SI_ARGBLK), so a VM
 *                                                  that needs little stack owns a single page
 *   everything else        unmapped or supervisor-only: any access ends the VM
 */
#define PV_PAGE_SIZE   4096u
#define PV_WIN_BASE    0x400000ull
#define PV_WIN_SIZE    0x200000ull
#define PV_WIN_END     (PV_WIN_BASE + PV_WIN_SIZE)
#define PV_START_PAGE  (PV_WIN_END - PV_PAGE_SIZE)
#define PV_START_INFO  (PV_WIN_END - 512u)

/* ELF note carried by every guest image: name "PVISA", type PV_NOTE_ABI, desc = uint32 ABI version. */
#define PV_NOTE_NAME   "PVISA"
#define PV_NOTE_ABI    1u

/* Result codes: a hypercall returns >= 0 on success, one of these on error. */
#define PV_EINVAL  (-1)   /* an argument is out of range */
#define PV_EFAULT  (-2)   /* a pointer/length is not inside the VM's writable/readable window */
#define PV_ENOSYS  (-3)   /* unknown hypercall number */
#define PV_ENOMEM  (-4)   /* the VM's memory quota is exhausted */
#define PV_EAGAIN  (-5)   /* nothing available now; try again */

/* Pending set bits (returned by idle). */
#define PV_PEND_TIMER  (1ull << 0)   /* the idle deadline passed */
#define PV_PEND_NET_RX (1ull << 1)   /* frames are waiting in the receive queue (network phase) */

/*
 * The hypercall table: X(number, name, argument count). Generates the call numbers,
 * the guest stubs (pv_<name>) and the kernel dispatch table (hc_<name>).
 *   exit(status)                 end this VM with status (low 8 bits kept); never returns
 *   abort(msg, len)              end this VM as failed, logging msg (up to 128 bytes); never returns
 *   idle(deadline_ns)            block until the monotonic clock reaches deadline_ns (0 = no deadline)
 *                                or an event is pending; returns the pending set and clears it
 *   console_write(buf, len)      write len bytes (at most 4096 per call) to the console; returns len
 *   clock_mono()                 monotonic nanoseconds since the kernel booted
 *   clock_wall()                 wall-clock nanoseconds since 1970-01-01 UTC
 *   random(buf, len)             fill buf with len (at most 4096) random bytes; returns len
 *   meminfo(struct pv_meminfo*)  fill in the VM's memory figures; returns 0
 *   yield()                      give up the rest of this quantum; returns 0
 *   net_send(frame, len)         send one Ethernet frame (PV_FRAME_MIN..PV_FRAME_MAX bytes, no FCS) through
 *                                the virtual switch; its source MAC/IPv4 must be the VM's own (else it is
 *                                dropped and counted); returns len, PV_EAGAIN if the VM's send budget for
 *                                this quantum is spent
 *   net_recv(buf, cap)           take the oldest frame of the VM's receive queue; returns its length,
 *                                0 if the queue is empty, PV_EINVAL if cap is too small (the frame stays)
 *   net_send_batch(frames, n)    send up to n (<= PV_BATCH_MAX) frames described by struct pv_frame;
 *                                returns how many were sent (stops at the first error if none was)
 *   net_recv_batch(frames, n)    receive up to n frames into the buffers described (cap each); sets each
 *                                len; returns how many were received
 *   fork()                       make a copy-on-write child of this VM (PVISA.md "fork"): returns the child's id
 *                                in the parent and 0 in the child, which has its own id, address and entropy
 *                                (its start info says which); PV_ENOMEM over the quota, PV_EAGAIN table full
 */
#define PV_CALLS(X)              \
	X(0, exit,          1)       \
	X(1, abort,         2)       \
	X(2, idle,          1)       \
	X(3, console_write, 2)       \
	X(4, clock_mono,    0)       \
	X(5, clock_wall,    0)       \
	X(6, random,        2)       \
	X(7, meminfo,       1)       \
	X(8, yield,         0)       \
	X(9, net_send,      2)       \
	X(10, net_recv,     2)       \
	X(11, net_send_batch, 2)     \
	X(12, net_recv_batch, 2)     \
	X(13, fork,         0)

enum pv_call_nr {
#define PV_X_ENUM(nr, name, argc) PV_SYS_##name = nr,
	PV_CALLS(PV_X_ENUM)
#undef PV_X_ENUM
	PV_SYS_COUNT
};

#define PV_FRAME_MIN   14u     /* an Ethernet header */
#define PV_FRAME_MAX   1514u   /* header + 1500-byte MTU */
#define PV_BATCH_MAX   64u

/* One frame of a batch: guest address of the bytes, its length (out for receive), its buffer capacity. */
struct pv_frame {
	uint64_t addr;
	uint32_t len;
	uint32_t cap;
};
_Static_assert(sizeof(struct pv_frame) == 16, "pv_frame layout");

#define PV_CONSOLE_MAX 4096u
#define PV_RANDOM_MAX  4096u
#define PV_ABORT_MAX   128u
#define PV_CMDLINE_MAX 256u   /* the start info's copy of ARGS (the first 255 bytes; the argument block has them all) */

/*
 * The argument block (PVISA.md "Arguments, environment, standard input"): when the start info's flags have
 * PV_SI_ARGBLK, the kernel has copied the VM's whole ARGS, environment and standard input to argblk, one after the
 * other. A block of at most PV_ARGBLK_INLINE bytes lies in the start page just under the start info (16-byte aligned;
 * stack_top and the initial rsp are then argblk: no page more); a larger one takes the first pages of the heap
 * region (heap_start is past it, page aligned):
 *   ARGS      args_len bytes (<= PV_ARGS_MAX), then a NUL
 *   env       env_len bytes (<= PV_ENV_MAX): "KEY=VALUE" strings, each ended by a NUL
 *   stdin     stdin_len bytes (<= PV_STDIN_MAX), any bytes
 * A VM given none of them has the flag, args_len 0 and a 1-byte block (the NUL) under the start info. The bytes are
 * the VM's own (private, against its quota); guestlib splits ARGS into argv in place. Kernels before this extension leave flags 0:
 * the command line is then cmdline alone.
 */
#define PV_SI_ARGBLK   (1u << 0)
#define PV_ARGS_MAX    4096u
#define PV_ARGBLK_INLINE 1024u   /* the start page keeps at least 2.5 KiB of stack under a block this size */
#define PV_ENV_MAX     16384u
#define PV_STDIN_MAX   65536u

/*
 * How the host hands a boot image its environment and standard input: a multiboot module right after the image's,
 * with the command line "<path> " PV_ARGX_NAME, holding struct pv_argx then env_len bytes of environment (as in the
 * argument block) then stdin_len bytes of input, nothing more. The kernel checks all of it (isokernel/argblk.c).
 */
#define PV_ARGX_NAME   "@argx"
#define PV_ARGX_MAGIC  0x58475650u  /* "PVGX" */
struct pv_argx {
	uint32_t magic;          /* PV_ARGX_MAGIC */
	uint32_t env_len;        /* <= PV_ENV_MAX */
	uint32_t stdin_len;      /* <= PV_STDIN_MAX */
	uint32_t reserved;       /* zero */
};
_Static_assert(sizeof(struct pv_argx) == 16, "argx layout");

/* Virtual registers: written by the kernel, read by the guest. The kernel never reads them back. */
struct pv_vregs {
	uint64_t reserved0;      /* zero (v1 named it "pending" but never updated it: idle() returns the pending set) */
	uint64_t tsc_base;       /* TSC value at ns_base */
	uint64_t ns_base;        /* monotonic ns at tsc_base */
	uint64_t wall_base_ns;   /* wall-clock ns at monotonic 0 */
	uint32_t tsc_mult;       /* monotonic ns = ns_base + ((tsc - tsc_base) * tsc_mult) >> tsc_shift */
	uint32_t tsc_shift;
	uint32_t reserved1;      /* zero (v1 named these rxq_depth and txq_space but never updated them; net_recv and */
	uint32_t reserved2;      /* net_send's PV_EAGAIN say the same, when it matters) */
};

/* Start info: at PV_START_INFO, its address also in rdi at entry; rsp = stack_top (16-byte aligned: PV_START_INFO
 * less a small argument block, see PV_SI_ARGBLK). */
struct pv_start_info {
	uint32_t magic;          /* PV_START_MAGIC */
	uint32_t abi_version;    /* PV_ABI_VERSION */
	uint32_t vm_id;
	uint32_t flags;          /* PV_SI_* (PV_SI_ARGBLK) */
	uint64_t tsc_hz;
	uint64_t heap_start;     /* first heap byte (page aligned) */
	uint64_t heap_end;       /* one past the last heap byte the VM may use */
	uint64_t mem_quota;      /* bytes of private memory (pages) the VM may own in all */
	uint64_t stack_top;      /* initial rsp */
	uint64_t stack_limit;    /* lowest valid stack address */
	struct pv_vregs vregs;   /* virtual registers */
	uint8_t  mac[6];         /* network phase; zero in v1 */
	uint8_t  pad0[2];
	uint32_t ipv4, netmask, gateway;
	char     image[32];      /* image name, NUL-terminated */
	char     cmdline[PV_CMDLINE_MAX]; /* ARGS, NUL-terminated (their first 255 bytes: PV_SI_ARGBLK has them all) */
	uint32_t pad1;
	uint64_t argblk;         /* with PV_SI_ARGBLK: the argument block's address (in the heap region) */
	uint32_t args_len, env_len, stdin_len;
	uint32_t pad2;
};
#define PV_START_MAGIC 0x50564953u  /* "PVIS" */

_Static_assert(offsetof(struct pv_start_info, tsc_hz) == 16, "start info layout");
_Static_assert(offsetof(struct pv_start_info, vregs) == 64, "start info layout");
_Static_assert(offsetof(struct pv_start_info, mac) == 112, "start info layout");
_Static_assert(offsetof(struct pv_start_info, image) == 132, "start info layout");
_Static_assert(offsetof(struct pv_start_info, cmdline) == 164, "start info layout");
_Static_assert(offsetof(struct pv_start_info, argblk) == 424, "start info layout");
_Static_assert(offsetof(struct pv_start_info, stdin_len) == 440, "start info layout");
_Static_assert(sizeof(struct pv_start_info) <= 512, "start info must leave the start page to the stack");

/* meminfo result. */
struct pv_meminfo {
	uint64_t quota_bytes;     /* private memory the VM may own */
	uint64_t private_bytes;   /* private memory it owns now */
	uint64_t shared_bytes;    /* image pages it shares with other instances */
	uint64_t heap_start, heap_end;
};
_Static_assert(sizeof(struct pv_meminfo) == 40, "meminfo layout");

#endif
