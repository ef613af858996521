# Makefile - builds the isolation kernel, guestlib (with newlib), the examples, the runner and the tests.
#   make run    install what is missing, build everything, boot 10,000 HTTP VMs, send requests to each and print a table
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
include runner/runner.mk
include loadgen/loadgen.mk
include hostlib/hostlib.mk
include kctl/kctl.mk
include isod/isod.mk
include tests/tests.mk

all: kernel guestlib examples runner netstack

deps:
	$(Q)sh scripts/deps.sh

# make run: RUN_VMS (10,000) VMs of examples/http; loadgen boots them through isorun, waits until every one answered,
# sends keep-alive GETs to each in turn (RUN_CONC in flight, RUN_SECONDS), stops the run with SIGTERM and prints the
# table. Written: $(B)/run.json (isorun), $(B)/run-load.json (loadgen), $(B)/run.serial (kernel), $(B)/run.log.
RUN_VMS     ?= 10000
RUN_CONC    ?= 128
RUN_SECONDS ?= 10
RUN_ISORUN   = $(B)/bin/isorun --quiet --timeout 900 --append vm_brief=1 --json $(B)/run.json --serial-log $(B)/run.serial \
               --net-socket $(B)/run.sock $(B)/examples/http.elf:$(RUN_VMS):80 >$(B)/run.log 2>&1
run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)rm -f $(B)/run.sock $(B)/run.json $(B)/run-load.json
	$(Q)$(B)/bin/loadgen --run '$(RUN_ISORUN)' --socket $(B)/run.sock --http --vms $(RUN_VMS) --sweep \
		--concurrency $(RUN_CONC) --duration $(RUN_SECONDS) --wait 300 --json $(B)/run-load.json \
		--isorun-json $(B)/run.json --kernel-log $(B)/run.serial --table
	@echo "  written: $(B)/run.json (isorun), $(B)/run-load.json (loadgen), $(B)/run.serial, $(B)/run.log"

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory check

clean:
	rm -rf $(B)

help:
	@sed -n '2,4p' Makefile

# make bench-crypto: the kernel's Ed25519 verify and SHA-512 timed inside the kernel (selftest_verify=N) under TCG,
# plain and with -icount shift=0 (instructions per verify): bench/crypto.sh, JSON in $(B)/bench/crypto.json.
.PHONY: bench-crypto
bench-crypto: kernel runner examples
	$(Q)sh bench/crypto.sh $(B)
