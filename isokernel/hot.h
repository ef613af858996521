/* hot.h - HOT marks the functions every frame and hypercall passes through: gcc puts them in .text.hot, which
 * kernel.ld lays out together. QEMU's TCG chains a direct jump or call only within the page it starts in; one to
 * another page costs a jump-cache lookup, like a ret. */
#ifndef ISO_HOT_H
#define ISO_HOT_H

#define HOT __attribute__((hot))

#endif
