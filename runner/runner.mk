# runner/runner.mk - builds the host runner build/bin/isorun (config.mk values compiled in with -D): boots the kernel in
#   QEMU with the images, relays the report stream, writes the run's JSON.
RUN_SRCS  := $(wildcard runner/*.c)
RUN_OBJS  := $(patsubst runner/%.c,$(B)/runner/%.o,$(RUN_SRCS))
RUN_DEFS  := -DQEMU='"$(strip $(QEMU))"' -DQEMU_FLAGS='"$(strip $(QEMU_FLAGS))"' \
             -DQEMU_KVM_CPU='"$(QEMU_KVM_CPU)"' -DQEMU_TCG_CPU='"$(QEMU_TCG_CPU)"' \
             -DQEMU_BASE_MIB=$(QEMU_BASE_MIB) -DQEMU_VM_KERNEL_KIB=$(QEMU_VM_KERNEL_KIB) \
             -DQEMU_MAX_MIB=$(QEMU_MAX_MIB) \
             -DQUANTUM_US=$(QUANTUM_US) -DVM_QUOTA_KIB=$(VM_QUOTA_KIB) -DVM_GUAR_KIB=$(VM_GUAR_KIB) -DMAX_VMS=$(MAX_VMS)
RUN_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g $(WARN) -Ipvisa -Ilib -Irunner -MMD -MP $(RUN_DEFS)
MKDEPS    += runner/runner.mk

.PHONY: runner
runner: $(B)/bin/isorun $(B)/bin/loadgen

$(B)/runner/%.o: runner/%.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(RUN_CFLAGS) -c $< -o $@

$(B)/bin/isorun: $(RUN_OBJS)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(HOSTCC) -o $@ $(RUN_OBJS) -lpcap

-include $(RUN_OBJS:.o=.d)

# make debug [IMAGE=path.elf[:COUNT[:ARGS]]] [GDB_PORT=1234]: the run stopped before the kernel's first instruction,
#   QEMU's gdb stub on GDB_PORT, and the gdb command that loads the kernel's and the image's symbols (isorun --gdb).
GDB_PORT ?= 1234
.PHONY: debug
debug: kernel runner examples
	$(B)/bin/isorun --gdb $(GDB_PORT) $(or $(IMAGE),$(B)/examples/hello.elf)
