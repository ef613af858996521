# tests/net/net.mk - guests for the network system tests: $(B)/tests/net/*.elf (`make net-guests`), linked with guest-cc --net.
NT_B    := $(B)/tests/net
NT_ELFS := $(patsubst tests/net/%.c,$(NT_B)/%.elf,$(wildcard tests/net/*.c))
MKDEPS  += tests/net/net.mk

.PHONY: net-guests
net-guests: $(NT_ELFS)

$(NT_B)/%.elf: tests/net/%.c tests/net/udpframe.h $(wildcard lib/*.h) $(GUESTLIB_OUT) $(B)/netstack/libnetstack.a $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,GUESTCC,$@)
	$(Q)$(B)/bin/guest-cc --net -O2 -Ilib -o $@ $<
