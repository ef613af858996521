/* forkvm.c - the fork benchmark's guest (bench/fork.sh): a VM of argv[2] KiB of touched heap forks argv[1] children. */
/* Each child writes one page of the heap (as serving a request would) and exits 0. The parent times each fork() from
 * the guest's side (guest clock, the hypercall's round trip included: the kernel's own figure is @summary's
 * fork_cycles) and prints "forkvm: forks=N failed=F guest_ns_median=M priv_kib=K". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "guest.h"

#define MAXF 1024

static uint64_t took[MAXF];

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long long n = argc > 1 ? guest_arg_num(argv[1], MAXF) : 100, kib = argc > 2 ? guest_arg_num(argv[2], 1024) : 64;
	struct pv_meminfo mi;
	uint8_t *heap;
	int made = 0, failed = 0;

	if (n < 0 || kib < 0) {
		fprintf(stderr, "usage: forkvm [FORKS (100, <= 1024) [HEAP_KIB (64)]]\n");
		return 2;
	}
	heap = malloc((size_t)kib * 1024 + 1);
	if (!heap)
		return 1;
	memset(heap, 1, (size_t)kib * 1024 + 1);
	for (long long i = 0; i < n; i++) {
		uint64_t t0 = guest_clock_ns();
		pid_t r = fork();
		uint64_t t1 = guest_clock_ns();
		if (r == 0) {
			heap[0] = 2;                     /* the child's "request": one page of its own */
			_exit(0);
		}
		if (r < 0) {
			failed++;
			continue;
		}
		took[made++] = t1 - t0;
	}
	qsort(took, (size_t)made, sizeof(took[0]), cmp);
	guest_meminfo(&mi);
	printf("forkvm: forks=%d failed=%d guest_ns_median=%lu priv_kib=%lu\n", made, failed,
	       made ? (unsigned long)took[made / 2] : 0ul, (unsigned long)(mi.private_bytes / 1024));
	return failed != 0;
}
