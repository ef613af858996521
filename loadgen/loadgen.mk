# loadgen/loadgen.mk - builds the host runner build/bin/isorun (config.mk values compiled in with -D) and the load
#   generator build/bin/loadgen (loadgen.c + lg_*.c, linked with the netstack sources compiled for the host).
LGEN_SRCS := loadgen/loadgen.c $(wildcard loadgen/lg_*.c)
LG_SRCS   := $(filter-out $(LGEN_SRCS),$(wildcard loadgen/*.c))
LG_OBJS   := $(patsubst loadgen/%.c,$(B)/loadgen/%.o,$(LG_SRCS))
LG_DEFS   := -DQEMU='"$(strip $(QEMU))"' -DQEMU_FLAGS='"$(strip $(QEMU_FLAGS))"' \
             -DQEMU_KVM_CPU='"$(QEMU_KVM_CPU)"' -DQEMU_TCG_CPU='"$(QEMU_TCG_CPU)"' \
             -DQEMU_BASE_MIB=$(QEMU_BASE_MIB) -DQEMU_PER_VM_KIB=$(QEMU_PER_VM_KIB) \
             -DQUANTUM_US=$(QUANTUM_US) -DVM_QUOTA_KIB=$(VM_QUOTA_KIB) -DVM_GUAR_KIB=$(VM_GUAR_KIB) -DMAX_VMS=$(MAX_VMS)
LG_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g $(WARN) -Ipvisa -Iloadgen -Inetstack -MMD -MP $(LG_DEFS)
MKDEPS    += loadgen/loadgen.mk

.PHONY: runner
runner: $(B)/bin/isorun $(B)/bin/loadgen

LGEN_OBJS := $(patsubst loadgen/%.c,$(B)/loadgen/%.o,$(LGEN_SRCS)) \
             $(patsubst netstack/%.c,$(B)/loadgen/ns/%.o,$(NETSTACK_SRCS))

$(B)/loadgen/%.o: loadgen/%.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(LG_CFLAGS) -c $< -o $@

$(B)/bin/isorun: $(LG_OBJS)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(HOSTCC) -o $@ $(LG_OBJS)

# The netstack for the host: the same sources the unit tests compile, no guest toolchain needed.
$(B)/loadgen/ns/%.o: netstack/%.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) -std=gnu11 -O2 -g $(WARN) -MMD -MP -c $< -o $@

$(B)/bin/loadgen: $(LGEN_OBJS)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(HOSTCC) -o $@ $(LGEN_OBJS) -lm

-include $(LG_OBJS:.o=.d) $(LGEN_OBJS:.o=.d)
