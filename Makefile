# Makefile - builds the isolation kernel, guestlib (with newlib), the examples, the runner and the tests.
#   make run    install what is missing, build everything, boot 10,000 VMs and print the summary
#   make test   install what is missing, build everything, run every test (unit, system, hostile, Bochs)
#   make V=1    show the commands
include config.mk

B   := build
Q   := $(if $(V),,@)
say  = $(if $(V),@true,@printf '  %-8s %s\n' '$(1)' '$(2)')
# Every object depends on the makefiles: a changed flag rebuilds.
MKDEPS := Makefile config.mk

.PHONY: all deps run test clean help bench
all:

include isokernel/kernel.mk
include guestlib/guestlib.mk
include netstack/netstack.mk
include examples/examples.mk
include bench/bench.mk
include loadgen/loadgen.mk
include tests/tests.mk

all: kernel guestlib examples runner netstack

deps:
	$(Q)sh scripts/deps.sh

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(B)/bin/isorun --quiet --timeout 900 --json $(B)/run.json \
		$(B)/examples/hello.elf:5000 $(B)/examples/idle.elf:5000:200

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory check

clean:
	rm -rf $(B)

help:
	@sed -n '2,5p' Makefile
