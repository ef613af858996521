/* malloc_quota.c - hostile (newlib): malloc and fill 8 KiB blocks until malloc returns NULL with errno ENOMEM;
 * the heap must have been usable up to heap_end and the VM's private memory stay within its quota. Exits 0 if so. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "guest.h"
#include "pvisa_guest.h"

#define CHUNK 8192u

int main(void)
{
	const struct pv_start_info *si = pv_start_info();
	uint64_t heap = si->heap_end - si->heap_start;
	struct pv_meminfo mi;
	size_t total = 0;
	char *p;

	printf("malloc_quota: heap %llu KiB, quota %llu KiB\n", (unsigned long long)heap / 1024,
	       (unsigned long long)si->mem_quota / 1024);
	errno = 0;
	while ((p = malloc(CHUNK)) != NULL) {
		memset(p, 0x5a, CHUNK);
		total += CHUNK;
	}
	if (errno != ENOMEM || total + 2 * (CHUNK + 64) + 4096 < heap || guest_meminfo(&mi) != 0 ||
	    mi.private_bytes > mi.quota_bytes) {
		printf("malloc_quota: FAILED: errno %d after %zu KiB\n", errno, total / 1024);
		return 1;
	}
	printf("malloc_quota: %zu KiB allocated, then ENOMEM; %llu of %llu KiB private\n", total / 1024,
	       (unsigned long long)mi.private_bytes / 1024, (unsigned long long)mi.quota_bytes / 1024);
	return 0;
}
