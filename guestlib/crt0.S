/* crt0.S - guest entry for newlib programs: void _start(const struct pv_start_info *si) -> __guest_start (start.c).
 * At entry rdi = si (PV_START_PAGE), rsp is 16-byte aligned, every other register is zero. */
	.text
	.globl _start
	.type _start, @function
_start:
	xorl %ebp, %ebp            /* the outermost frame: stack walks stop here */
	call __guest_start         /* never returns: it ends in exit() */
	ud2
	.size _start, . - _start
	.section .note.GNU-stack, "", @progbits
