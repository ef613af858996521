# loadgen/loadgen.mk - builds the load generator build/bin/loadgen (loadgen.c + lg_*.c, linked with the netstack sources
#   compiled for the host). `make runner` builds it beside isorun (runner/runner.mk).
LGEN_SRCS := $(wildcard loadgen/*.c)
LGEN_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g $(WARN) -Ipvisa -Ilib -Iloadgen -Inetstack -MMD -MP
MKDEPS    += loadgen/loadgen.mk

LGEN_OBJS := $(patsubst loadgen/%.c,$(B)/loadgen/%.o,$(LGEN_SRCS)) \
             $(patsubst netstack/%.c,$(B)/loadgen/ns/%.o,$(NETSTACK_SRCS))

$(B)/loadgen/%.o: loadgen/%.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(LGEN_CFLAGS) -c $< -o $@

# The netstack for the host: the same sources the unit tests compile, no guest toolchain needed.
$(B)/loadgen/ns/%.o: netstack/%.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) -std=gnu11 -O2 -g $(WARN) -Ilib -MMD -MP -c $< -o $@

$(B)/bin/loadgen: $(LGEN_OBJS)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(HOSTCC) -o $@ $(LGEN_OBJS) -lm

-include $(LGEN_OBJS:.o=.d)
