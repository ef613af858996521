# hostlib/hostlib.mk - host code shared by the host tools (kctl, isoctl, isod) and their tests: libhost.a.
HOSTLIB_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g $(WARN) -Ipvisa -Ihostlib -MMD -MP
HOSTLIB_SRCS   := $(wildcard hostlib/*.c)
HOSTLIB_OBJS   := $(HOSTLIB_SRCS:%.c=$(B)/%.o)
HOSTLIB        := $(B)/hostlib/libhost.a
HOSTLIB_LIBS   := -lsodium
MKDEPS         += hostlib/hostlib.mk

$(B)/hostlib/%.o: hostlib/%.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(HOSTLIB_CFLAGS) -c -o $@ $<

$(HOSTLIB): $(HOSTLIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

-include $(HOSTLIB_OBJS:.o=.d)
