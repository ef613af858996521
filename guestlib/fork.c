/* fork.c - fork(): a copy-on-write child VM (pv_fork); in the child, the identity guestlib keeps is the start info's. */
/* The child is another VM with its own id, MAC and IPv4 (pvisa/PVISA.md "fork"), which the kernel wrote into its start
 * info before it ran: getpid() and guest_vm_id() read them there, the network (net.c) takes the new address and drops
 * the TCP connections (they are the parent's), arc4random (arc4random.c) drops what it had drawn. There are no
 * processes to wait for: wait() and waitpid() fail with ECHILD, and a child's exit is its own @vm record. */
#include <errno.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"
#include "pvisa_guest.h"

/* Defined by net.c and arc4random.c when the program links them (weak: otherwise there is nothing to redo). */
void __guest_net_forked(void) __attribute__((weak));
void __guest_random_forked(void) __attribute__((weak));

void guest_forked(void)
{
	if (__guest_random_forked)
		__guest_random_forked();
	if (__guest_net_forked)
		__guest_net_forked();
}

pid_t fork(void)
{
	long r = pv_fork();

	if (r < 0) {
		errno = r == PV_EAGAIN ? EAGAIN : ENOMEM;
		return -1;
	}
	if (r == 0)
		guest_forked();
	return (pid_t)r;
}

pid_t wait(int *status)
{
	(void)status;
	errno = ECHILD;
	return -1;
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	(void)pid, (void)status, (void)options;
	errno = ECHILD;
	return -1;
}
