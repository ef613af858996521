# loadgen/loadgen.mk - builds the host runner build/bin/isorun (config.mk values compiled in with -D).
LG_SRCS   := $(wildcard loadgen/*.c)
LG_OBJS   := $(patsubst loadgen/%.c,$(B)/loadgen/%.o,$(LG_SRCS))
LG_DEFS   := -DQEMU='"$(strip $(QEMU))"' -DQEMU_FLAGS='"$(strip $(QEMU_FLAGS))"' \
             -DQEMU_KVM_CPU='"$(QEMU_KVM_CPU)"' -DQEMU_TCG_CPU='"$(QEMU_TCG_CPU)"' \
             -DQEMU_BASE_MIB=$(QEMU_BASE_MIB) -DQEMU_PER_VM_KIB=$(QEMU_PER_VM_KIB) \
             -DQUANTUM_US=$(QUANTUM_US) -DVM_QUOTA_KIB=$(VM_QUOTA_KIB) -DMAX_VMS=$(MAX_VMS)
LG_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g $(WARN) -Ipvisa -Iloadgen -MMD -MP $(LG_DEFS)
MKDEPS    += loadgen/loadgen.mk

.PHONY: runner
runner: $(B)/bin/isorun

$(B)/loadgen/%.o: loadgen/%.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(LG_CFLAGS) -c $< -o $@

$(B)/bin/isorun: $(LG_OBJS)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(HOSTCC) -o $@ $(LG_OBJS)

-include $(LG_OBJS:.o=.d)
