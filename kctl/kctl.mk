# kctl/kctl.mk - builds build/bin/kctl, the control client of a running kernel (isorun --serve; pvisa/ctl.h).
KCTL_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g $(WARN) -Ipvisa -MMD -MP
MKDEPS      += kctl/kctl.mk

.PHONY: kctl
kctl: $(B)/bin/kctl
runner: $(B)/bin/kctl

$(B)/bin/kctl: kctl/kctl.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(KCTL_CFLAGS) -o $@ $< -MF $(B)/kctl.d

-include $(B)/kctl.d
