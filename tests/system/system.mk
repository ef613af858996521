# tests/system/system.mk - the system tests: isorun's parser and inputs, QEMU runs of real guests, hostile guests, Bochs.
#   make test-system   every system test (tests/system/run.sh); test-NAME runs one (hello args scale hostile bochs ...)
ST_B     := $(B)/tests/system
ST_FAKEK := $(ST_B)/fakekernel.elf
ST_RUN    = $(Q)B=$(B) bash tests/system/run.sh
MKDEPS   += tests/system/system.mk
# The hostile images come from tests/hostile/hostile.mk's `hostile` target, made at recipe time (when every
# makefile has been read) if that file is included; until then the hostile test says the images are missing.
ST_HOSTILE = $(if $(filter tests/hostile/hostile.mk,$(MAKEFILE_LIST)),$(Q)$(MAKE) --no-print-directory hostile,\
	@echo "note: tests/hostile/hostile.mk is not included by tests/tests.mk: no hostile images built")

.PHONY: test-system test-replay test-usage test-fakeboot test-hello test-args test-scale test-hostile test-bochs

# A 32-bit multiboot kernel that only speaks runlog.h: checks isorun and QEMU/GRUB module command lines.
$(ST_FAKEK): tests/system/fakekernel.c tests/system/fakekernel.ld $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) -m32 -std=gnu11 -O2 $(WARN) -ffreestanding -fno-pic -fno-pie -fno-stack-protector -nostdlib \
		-c tests/system/fakekernel.c -o $(ST_B)/fakekernel.o
	$(Q)$(LD) -m elf_i386 --no-warn-rwx-segments -T tests/system/fakekernel.ld -o $@ $(ST_B)/fakekernel.o

test-system: kernel examples runner net-guests $(ST_FAKEK)
	$(ST_HOSTILE)
	$(ST_RUN)

test-replay test-usage: runner
	$(ST_RUN) $(@:test-%=%)

test-fakeboot: runner $(ST_FAKEK)
	$(ST_RUN) fakeboot

test-hello test-args test-scale test-bochs: kernel examples runner
	$(ST_RUN) $(@:test-%=%)

test-hostile: kernel examples runner
	$(ST_HOSTILE)
	$(ST_RUN) hostile

# isorun --serve with kctl (tests/system/test_serve.sh): the control channel to a running kernel.
.PHONY: test-serve
test-serve: kernel examples runner
	$(ST_RUN) serve

# Tenant mode (tests/system/test_tenant.sh): isorun --serve --operator-key, kctl's signed ops, two tenants.
.PHONY: test-tenant
test-tenant: kernel examples runner
	$(ST_RUN) tenant

# Packet captures (tests/system/test_pcap.sh): isorun --pcap read back with tshark, --pcap-vm, drops under a flood.
.PHONY: test-pcap
test-pcap: kernel examples runner net-guests
	$(ST_RUN) pcap

# fork (tests/system/test_fork.sh): pv_fork in a guest, kctl fork of running VMs (udp-echo answering), T_FORK's quota.
.PHONY: test-fork
test-fork: kernel examples runner guest-tests
	$(ST_HOSTILE)
	$(ST_RUN) fork

# Summoned services (tests/system/test_summon.sh): dormant instances, summon on the first frame, reclaim, keep-state.
.PHONY: test-summon
test-summon: kernel examples runner net-guests hostile
	$(ST_RUN) summon
