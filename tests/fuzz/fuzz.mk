# tests/fuzz/fuzz.mk - the hypercall fuzzer guest $(B)/tests/fuzz/hcfuzz.elf and `make fuzz`: FUZZ_VMS fuzzer VMs
#   (seeds FUZZ_SEED, +1, ...; a fresh one when empty) make FUZZ_CALLS calls each beside 2 hello VMs, through
#   tests/system/test_fuzz.sh (whose short form is in `make test`); FUZZ_SEED=0x... repeats a run.
FZ_B       := $(B)/tests/fuzz
FZ_ELF     := $(FZ_B)/hcfuzz.elf
FUZZ_CALLS ?= 1000000
FUZZ_VMS   ?= 2
FUZZ_SEED  ?=
MKDEPS     += tests/fuzz/fuzz.mk

.PHONY: fuzz fuzz-guest test-fuzz
fuzz-guest: $(FZ_ELF)

$(FZ_ELF): tests/fuzz/hcfuzz.c tests/hostile/hostile.h $(GUESTLIB_OUT) $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,GUESTCC,$@)
	$(Q)$(B)/bin/guest-cc --tiny -O2 $(WARN) -Itests/hostile -o $@ $<

fuzz: kernel examples runner $(FZ_ELF)
	$(Q)B=$(B) FUZZ_CALLS=$(FUZZ_CALLS) FUZZ_VMS=$(FUZZ_VMS) FUZZ_SEED=$(FUZZ_SEED) bash tests/system/test_fuzz.sh

# The system tests run the short form (tests/system/run.sh finds test_fuzz.sh): the image must exist first.
test-system test-fuzz: $(FZ_ELF)
test-fuzz: kernel examples runner
	$(ST_RUN) fuzz
