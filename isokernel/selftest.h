/* selftest.h - test hooks set on the kernel command line (selftest_save=ID selftest_save_at=MS): see selftest.c. */
#ifndef ISO_SELFTEST_H
#define ISO_SELFTEST_H

#include <stdint.h>

/* at_ms 0: no hook. */
void selftest_init(uint64_t id, uint64_t at_ms);
/* Called once per scheduler pass, with no VM on the CPU; cheap until the hook's moment. */
void selftest_poll(void);

#endif
