/* ctlsrv.h - the kernel's end of the control channel (pvisa/ctl.h): polled by the main loop, cheap when idle. */
#ifndef ISO_CTLSRV_H
#define ISO_CTLSRV_H

#include <stdint.h>
#include <stdbool.h>

/* Counters of the control channel (STATS, and the @ctl record at the end of a run). */
struct ctl_counters {
	uint64_t requests, errors, bytes_in, bytes_out;
	uint64_t by_status[32];          /* replies by status (errors are counted here by kind) */
};
extern struct ctl_counters ctl_ct;
/* serve=1 on the kernel command line: the run does not end when its last VM does (only STOP, a timeout or the
 * host's stop byte end it). */
extern uint64_t ctl_serve;

/* After the boot images' VMs are made: the default quota and guarantee (pages) for CREATE. */
void ctl_init(uint32_t quota_pages, uint32_t guar_pages);
/* Move bytes between the control port and the decoder: write what the last reply still holds, take the host's
 * bytes, handle at most one request (or one step of a long one). Called once per main-loop pass. */
void ctl_poll(void);
/* Work is pending (a reply to send, a request under way, a complete request waiting): do not sleep for long. */
bool ctl_busy(void);
/* Forget a half-received request and a reply not yet sent (the host end of the port was reopened; the fuzzer's
 * next input). Counters stay. */
void ctl_reset(void);
/* Has a STOP request been answered? The main loop then ends the run as the host's stop byte would. */
bool ctl_stop_requested(void);

#endif
