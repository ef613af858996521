# netstack/netstack.mk - the guest network stack: $(B)/netstack/libnetstack.a built with guest-cc (`make netstack`);
#   NETSTACK_SRCS lists the sources the host unit tests compile too (tests/unit/unit.mk adds them).
NETSTACK_SRCS := $(sort $(wildcard netstack/*.c))
NS_B          := $(B)/netstack
NS_OBJS       := $(patsubst netstack/%.c,$(NS_B)/%.o,$(NETSTACK_SRCS))
# -flto -ffat-lto-objects: see net.o in guestlib/guestlib.mk.
NS_CFLAGS     := -O2 -flto -ffat-lto-objects $(WARN) -std=c11 -Ilib -MMD -MP
MKDEPS        += netstack/netstack.mk

.PHONY: netstack
netstack: guestlib $(NS_B)/libnetstack.a

# GUESTLIB_OUT comes from guestlib/guestlib.mk, which the top Makefile includes first.
$(NS_B)/%.o: netstack/%.c $(GUESTLIB_OUT) $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,GUESTCC,$<)
	$(Q)$(B)/bin/guest-cc $(NS_CFLAGS) -c $< -o $@

$(NS_B)/libnetstack.a: $(NS_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

-include $(NS_OBJS:.o=.d)
