/* host.h - helpers for unit tests: a malloc'd arena posing as physical memory, and catching kernel panics. */
#ifndef ISO_HOST_H
#define ISO_HOST_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#define HOST_ARENA_PHYS 0x100000ull   /* physical address of the arena's first byte */

/* Back physical [HOST_ARENA_PHYS, HOST_ARENA_PHYS + bytes) with zeroed host memory (sets iso_dmap_base). */
void *host_arena_new(size_t bytes);
void host_arena_free(void);

/* arch_flush_page calls so far. */
extern uint64_t host_flushes;

/* Armed by HOST_EXPECT_PANIC: panic() longjmps here and leaves its message in host_panic_msg. */
extern jmp_buf *host_panic_jmp;
extern char host_panic_msg[256];

/* Evaluates to 1 if running stmt panicked, 0 if it returned normally. */
#define HOST_EXPECT_PANIC(stmt) __extension__({                 \
	jmp_buf host_jb_;                                         \
	volatile int host_hit_ = 0;                               \
	host_panic_msg[0] = 0;                                    \
	host_panic_jmp = &host_jb_;                               \
	if (setjmp(host_jb_) == 0) { stmt; } else host_hit_ = 1;  \
	host_panic_jmp = NULL;                                    \
	host_hit_;                                                \
})

/* The VM layer and scheduler stand-ins (host_vm.c): the run queue VMs are restored into, its clock (ns), reset. */
#define HOST_VMS_MAX 1024
struct runq;
extern struct runq host_rq;
extern uint64_t host_now;
void host_sched_reset(void);

/* host_capture.c: the console's capture port (net/capture.c's channel) and the clock it reads. */
extern uint64_t host_now_ns;
extern uint8_t host_cap_buf[1 << 16];
extern size_t host_cap_len, host_cap_room;
extern int host_cap_open;

#endif
