# kernel.mk - builds the kernel: build/isokernel.elf (symbols) and build/isokernel.bin (what QEMU -kernel and GRUB load).
# The layers (README "Layout"): the generic core in isokernel/, arch/x86_64/ beneath it, dev/ (drivers) and net/.
K_DIRS  := isokernel isokernel/arch/x86_64 isokernel/dev isokernel/net isokernel/crypto
K_SRCS  := $(foreach d,$(K_DIRS),$(wildcard $(d)/*.c) $(wildcard $(d)/*.S))
K_INCS  := $(addprefix -I,$(K_DIRS)) -Ilib
K_LDS   := isokernel/arch/x86_64/kernel.ld
K_OBJS  := $(patsubst isokernel/%,$(B)/isokernel/%.o,$(K_SRCS)) $(B)/isokernel/mem.c.o
K_DEFS  := -DQUANTUM_US=$(QUANTUM_US) -DVM_QUOTA_KIB=$(VM_QUOTA_KIB) -DVM_GUAR_KIB=$(VM_GUAR_KIB) \
           -DVM_STACK_KIB=$(VM_STACK_KIB) \
           -DMAX_VMS=$(MAX_VMS)
K_CFLAGS := -std=gnu11 -O3 -g $(WARN) -ffreestanding -fno-pic -fno-pie -mno-red-zone -mcmodel=kernel \
            -mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer -fno-builtin-printf \
            -nostdinc -isystem $(shell $(CC) -print-file-name=include) -Ipvisa $(K_INCS) -MMD -MP $(K_DEFS)
# Copies and fills gcc expands inline (struct assignments, constant sizes) as unrolled word loops up to 256
# bytes and calls mem.c beyond: never rep movs/stos, whose every iteration QEMU's TCG runs as its own block.
K_CFLAGS += -mmemcpy-strategy=unrolled_loop:256:noalign,libcall:-1:noalign \
            -mmemset-strategy=unrolled_loop:256:noalign,libcall:-1:noalign
# -O3 and link-time optimisation: small functions of other files inline (every call and ret a VM's frame passes costs
# QEMU's TCG a jump-cache lookup).
K_LTO   := -flto
MKDEPS  += isokernel/kernel.mk

.PHONY: kernel
kernel: $(B)/isokernel.bin

$(B)/isokernel/%.c.o: isokernel/%.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(K_CFLAGS) $(K_LTO) -c $< -o $@

# memcpy, memmove, memset, memcmp: the guests' guestlib/mem.c (word moves, no rep string instructions), with the
# flags that keep gcc from turning its loops into calls to itself, and outside LTO: the code LTO generates calls
# them after it has dropped whatever LTO-compiled definitions nobody else called.
$(B)/isokernel/mem.c.o: guestlib/mem.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(K_CFLAGS) -fno-builtin -fno-tree-loop-distribute-patterns -c $< -o $@

$(B)/isokernel/%.S.o: isokernel/%.S $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(CC) $(K_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

$(B)/isokernel.elf: $(K_OBJS) $(K_LDS)
	$(call say,LD,$@)
	$(Q)$(CC) $(K_CFLAGS) -flto=auto -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 -Wl,-T,$(K_LDS) -o $@ $(K_OBJS)

$(B)/isokernel.bin: $(B)/isokernel.elf
	$(call say,OBJCOPY,$@)
	$(Q)$(OBJCOPY) -O binary $< $@

-include $(K_OBJS:.o=.d)
