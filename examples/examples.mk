# examples/examples.mk - builds the sample services with guest-cc: $(B)/examples/{hello,idle,tiny,udp-echo,http}.elf (`make examples`).
EX_B      := $(B)/examples
EX_NAMES  := hello idle tiny udp-echo http
EX_NET    := $(EX_B)/udp-echo.elf $(EX_B)/http.elf
EX_ELFS   := $(addprefix $(EX_B)/,$(addsuffix .elf,$(EX_NAMES)))
EX_CFLAGS := -O2 $(WARN)
GUEST_CC  := $(B)/bin/guest-cc
MKDEPS    += examples/examples.mk

.PHONY: examples
examples: $(EX_ELFS)

# tiny uses no libc: it defines _start itself.
$(EX_B)/tiny.elf: EX_MODE := --tiny
# The network services link the stack (NS_B comes from netstack/netstack.mk, included before this file), with
# link-time optimisation across it (guestlib/guestlib.mk says why).
$(EX_NET): EX_MODE := --net -flto
$(EX_NET): $(NS_B)/libnetstack.a

$(EX_B)/%.elf: examples/%.c $(GUESTLIB_OUT) $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,GUESTCC,$@)
	$(Q)$(GUEST_CC) $(EX_MODE) $(EX_CFLAGS) -o $@ $<
