/* boot.S - multiboot1 entry: 32-bit protected mode -> boot page tables -> 64-bit long mode in the higher half -> kmain.
 *
 * Implements: void _start(void)  [32-bit, paging off, eax = multiboot magic, ebx = multiboot info phys]
 * and calls:  void kmain(uint32_t magic, uint32_t mbi_phys) on the kernel stack (kstack_top).
 *
 * Boot page tables (in .bss, exported for arch.c / lapic.c):
 *   boot_pml4[0]   -> boot_pdpt_low -> boot_pd_low: identity map of 0..1 GiB, 2 MiB pages (only for the jump)
 *   boot_pml4[256] -> boot_pdpt_dmap -> boot_pd_dmap[32 pages]: 0..32 GiB at DMAP_BASE, global, NX, supervisor
 *   boot_pml4[511] -> boot_pdpt_high[510] -> boot_pd_high: 0..1 GiB at KERNEL_VMA, global, executable
 */
#define KVMA        0xffffffff80000000
#define MB_MAGIC    0x1badb002
#define MB_FLAGS    0x00010003              /* page-align modules, memory info, a.out kludge addresses */
#define COM1        0x3f8

#define PG_P        0x001
#define PG_W        0x002
#define PG_PS       0x080
#define PG_G        0x100
#define PG_NX_HI    0x80000000              /* bit 63, in the high dword */
#define DMAP_PDS    32                      /* DMAP_SIZE / 1 GiB (memlayout.h) */

#define CR0_PE      (1 << 0)
#define CR0_WP      (1 << 16)
#define CR0_PG      (1 << 31)
#define CR4_PAE     (1 << 5)
#define CR4_PGE     (1 << 7)
#define MSR_EFER    0xc0000080
#define EFER_LME    (1 << 8)
#define EFER_NXE    (1 << 11)

#define PHYS(x)     ((x) - KVMA)
#define KSTACK_CANARY 0x5afe57ac4b0770a1       /* trap.c checks it: the qword below the kernel stack */

	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long PHYS(mb_header)                  /* header_addr */
	.long _load_start_phys                  /* load_addr: the first byte of the .bin */
	.long _load_end_phys                    /* load_end_addr: end of .data */
	.long _bss_end_phys                     /* bss_end_addr: the loader zeroes up to here */
	.long PHYS(_start)                      /* entry_addr */

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	mov %eax, %edi                          /* keep magic and mbi for kmain */
	mov %ebx, %esi
	mov $0x80000000, %eax                   /* long mode and NX? */
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	test $(1 << 29), %edx
	jz no_long_mode
	test $(1 << 20), %edx
	jz no_long_mode
	call zero_page_tables
	call build_page_tables
	jmp enable_long_mode

/* Zeroes [boot_pml4, boot_pt_end): the loader zeroes .bss too, but the tables must be clean. */
zero_page_tables:
	push %edi
	mov $PHYS(boot_pml4), %edi
	mov $PHYS(boot_pt_end), %ecx
	sub %edi, %ecx
	shr $2, %ecx
	xor %eax, %eax
	rep stosl
	pop %edi
	ret

build_page_tables:
	mov $PHYS(boot_pdpt_low) + PG_P + PG_W, %eax
	mov %eax, PHYS(boot_pml4)
	mov $PHYS(boot_pdpt_dmap) + PG_P + PG_W, %eax
	mov %eax, PHYS(boot_pml4) + 256 * 8
	mov $PHYS(boot_pdpt_high) + PG_P + PG_W, %eax
	mov %eax, PHYS(boot_pml4) + 511 * 8
	mov $PHYS(boot_pd_low) + PG_P + PG_W, %eax
	mov %eax, PHYS(boot_pdpt_low)
	mov $PHYS(boot_pd_high) + PG_P + PG_W, %eax
	mov %eax, PHYS(boot_pdpt_high) + 510 * 8

	xor %ecx, %ecx                          /* identity and kernel PDs: entry i maps i * 2 MiB */
1:	mov %ecx, %eax
	shl $21, %eax
	or $(PG_P + PG_W + PG_PS), %eax
	mov %eax, PHYS(boot_pd_low)(, %ecx, 8)
	or $PG_G, %eax
	mov %eax, PHYS(boot_pd_high)(, %ecx, 8)
	inc %ecx
	cmp $512, %ecx
	jne 1b

	xor %ecx, %ecx                          /* direct-map PDPT: entry j -> boot_pd_dmap page j */
1:	mov %ecx, %eax
	shl $12, %eax
	add $PHYS(boot_pd_dmap) + PG_P + PG_W, %eax
	mov %eax, PHYS(boot_pdpt_dmap)(, %ecx, 8)
	inc %ecx
	cmp $DMAP_PDS, %ecx
	jne 1b

	xor %ecx, %ecx                          /* direct-map PDs: entry k maps k * 2 MiB, NX, global */
1:	mov %ecx, %eax
	shl $21, %eax
	or $(PG_P + PG_W + PG_PS + PG_G), %eax
	mov %eax, PHYS(boot_pd_dmap)(, %ecx, 8)
	mov %ecx, %eax
	shr $11, %eax
	or $PG_NX_HI, %eax
	mov %eax, PHYS(boot_pd_dmap) + 4(, %ecx, 8)
	inc %ecx
	cmp $(DMAP_PDS * 512), %ecx
	jne 1b
	ret

enable_long_mode:
	mov %cr4, %eax
	or $(CR4_PAE | CR4_PGE), %eax
	mov %eax, %cr4
	mov $PHYS(boot_pml4), %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $(EFER_LME | EFER_NXE), %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PE | CR0_WP | CR0_PG), %eax
	mov %eax, %cr0
	lgdt PHYS(boot_gdt_ptr)
	ljmp $0x08, $PHYS(start64_low)

no_long_mode:
	mov $PHYS(no_lm_msg), %esi
1:	lodsb
	test %al, %al
	jz 2f
	mov $COM1, %dx
	out %al, %dx
	jmp 1b
2:	mov $3, %al                             /* RL_CODE_PANIC to isa-debug-exit */
	out %al, $0xf4
3:	hlt
	jmp 3b

	.code64
start64_low:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	movabs $start64_high, %rax
	jmp *%rax

	.text
start64_high:
	movq $kstack_top, %rsp
	movabs $KSTACK_CANARY, %rax
	movq %rax, kstack_canary
	xor %ebp, %ebp
	mov %edi, %edi                          /* magic, zero-extended */
	mov %esi, %esi                          /* mbi_phys */
	call kmain
1:	cli
	hlt
	jmp 1b

	.section .rodata
	.align 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff                /* 0x08: 64-bit kernel code */
	.quad 0x00cf92000000ffff                /* 0x10: kernel data */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)
no_lm_msg:
	.asciz "isokernel: PANIC: this CPU lacks long mode or NX\n@done code=3\n"

	.section .bss.pagetables, "aw", @nobits
	.align 4096
	.globl boot_pml4, boot_pd_dmap
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pd_low:    .skip 4096
boot_pdpt_dmap: .skip 4096
boot_pd_dmap:   .skip 4096 * DMAP_PDS
boot_pdpt_high: .skip 4096
boot_pd_high:   .skip 4096
boot_pt_end:

	.section .bss.stack, "aw", @nobits
	.align 4096
	.globl kstack_canary, kstack_top
kstack_guard:   .skip 4088                      /* an overflow lands here first; trap.c checks the canary */
kstack_canary:  .skip 8
kstack:         .skip 16384
kstack_top:

	.section .note.GNU-stack, "", @progbits
