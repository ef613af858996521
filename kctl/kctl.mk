# kctl/kctl.mk - builds build/bin/kctl, the control client of a running kernel (isorun --serve; pvisa/ctl.h), with the
# signed tenant commands (hostlib/ctlauth, libsodium).
KCTL_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g $(WARN) -Ipvisa -Ihostlib -Ikctl -MMD -MP
KCTL_SRCS   := kctl/kctl.c kctl/kctl_tenant.c
MKDEPS      += kctl/kctl.mk

.PHONY: kctl
kctl: $(B)/bin/kctl
runner: $(B)/bin/kctl

$(B)/kctl/%.o: kctl/%.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(KCTL_CFLAGS) -c -o $@ $<

$(B)/bin/kctl: $(KCTL_SRCS:%.c=$(B)/%.o) $(HOSTLIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(HOSTCC) -o $@ $(KCTL_SRCS:%.c=$(B)/%.o) $(HOSTLIB) $(HOSTLIB_LIBS)

-include $(KCTL_SRCS:%.c=$(B)/%.d)
