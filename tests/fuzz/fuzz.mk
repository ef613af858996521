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

# The control decoder's fuzzer (tests/fuzz/ctlfuzz.c): isokernel/ctl.c built for the host, with clang's libFuzzer
#   when clang is there (scripts/deps.sh installs it), else with gcc and the harness's own random driver. `make fuzz`
#   runs it CTLFUZZ_SECONDS (libFuzzer) or CTLFUZZ_RUNS inputs; `make test` runs the short form (test_ctlfuzz.sh).
CTLFZ          := $(FZ_B)/ctlfuzz
CTLFUZZ_SECONDS ?= 60
CTLFUZZ_RUNS   ?= 200000
CTLFZ_CLANG    := $(shell command -v clang 2>/dev/null)
CTLFZ_SRCS     := tests/fuzz/ctlfuzz.c isokernel/ctl.c isokernel/ctl_tenant.c isokernel/ctl_auth.c isokernel/tenant.c \
                  $(wildcard isokernel/crypto/*.c)
CTLFZ_CFLAGS   := -std=gnu11 -g -O1 $(WARN) -DMAX_VMS=$(MAX_VMS) -Iisokernel -Iisokernel/crypto -Ipvisa \
                  -fsanitize=address,undefined -fno-sanitize-recover=all
CTLFZ_LIBS     := -lsodium
ifneq ($(CTLFZ_CLANG),)
CTLFZ_CC       := clang
CTLFZ_CFLAGS   += -fsanitize=fuzzer -DCTLFUZZ_LIBFUZZER
else
CTLFZ_CC       := $(HOSTCC)
endif

$(CTLFZ): $(CTLFZ_SRCS) pvisa/ctl.h isokernel/ctl_ops.h isokernel/ctl_io.h isokernel/ctlsrv.h isokernel/service.h \
          isokernel/tenant.h isokernel/ctl_auth.h isokernel/ctl_tenant.h isokernel/fork.h $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$@)
	$(Q)$(CTLFZ_CC) $(CTLFZ_CFLAGS) -o $@ $(CTLFZ_SRCS) $(CTLFZ_LIBS)

.PHONY: ctlfuzz test-ctlfuzz
ctlfuzz: $(CTLFZ)
	$(Q)B=$(B) CTLFUZZ_SECONDS=$(CTLFUZZ_SECONDS) CTLFUZZ_RUNS=$(CTLFUZZ_RUNS) bash tests/system/test_ctlfuzz.sh
fuzz: ctlfuzz
test-system: $(CTLFZ)
test-ctlfuzz: $(CTLFZ)
	$(ST_RUN) ctlfuzz

# ctlbad: malformed messages through the real channel (isorun --serve's socket), run by tests/system/test_serve.sh.
CTLBAD := $(FZ_B)/ctlbad
$(CTLBAD): tests/fuzz/ctlbad.c pvisa/ctl.h $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) -std=gnu11 -O2 -g $(WARN) -Ipvisa -o $@ $<
runner: $(CTLBAD)

# The kernel's Ed25519 verifier and SHA-512 (tests/fuzz/edfuzz.c): isokernel/crypto/ built for the host against
#   libsodium's verdicts and digests, with libFuzzer when clang is there, else the harness's random driver. `make fuzz`
#   runs it EDFUZZ_RUNS inputs (default 200000); `make test` runs the short form (test_edfuzz.sh).
EDFZ        := $(FZ_B)/edfuzz
EDFUZZ_RUNS ?= 200000
EDFZ_SRCS   := tests/fuzz/edfuzz.c $(wildcard isokernel/crypto/*.c)
EDFZ_CFLAGS := -std=gnu11 -g -O2 $(WARN) -Iisokernel/crypto -Itests/unit/host -fsanitize=address,undefined \
               -fno-sanitize-recover=all
ifneq ($(CTLFZ_CLANG),)
EDFZ_CFLAGS += -fsanitize=fuzzer -DEDFUZZ_LIBFUZZER
endif

$(EDFZ): $(EDFZ_SRCS) $(wildcard isokernel/crypto/*.h) $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$@)
	$(Q)$(CTLFZ_CC) $(EDFZ_CFLAGS) -o $@ $(EDFZ_SRCS) -lsodium

.PHONY: edfuzz test-edfuzz
edfuzz: $(EDFZ)
	$(Q)B=$(B) EDFUZZ_RUNS=$(EDFUZZ_RUNS) bash tests/system/test_edfuzz.sh
fuzz: edfuzz
test-system: $(EDFZ)
test-edfuzz: $(EDFZ)
	$(ST_RUN) edfuzz
# The switch's fuzzer (tests/fuzz/vswfuzz.c): frames of several tenants' VMs and from outside through the real switch and
#   binding tables, built for the host as the unit tests build the kernel (tests/unit/host). The kernel files are
#   copied to one folder first, so that their "lib.h" resolves to the host's (clang has no -I-). `make fuzz` runs it
#   VSWFUZZ_SECONDS (libFuzzer) or VSWFUZZ_RUNS inputs; `make test` the short form (test_vswfuzz.sh).
VSWFZ          := $(FZ_B)/vswfuzz
VSWFZ_KSRCS     = isokernel/frame.c isokernel/slab.c isokernel/vmtab.c isokernel/net/bind.c isokernel/net/vswitch.c \
                  isokernel/net/capture.c
VSWFZ_HSRCS     = tests/unit/host/host_stubs.c tests/unit/host/host_capture.c
VSWFUZZ_SECONDS ?= 60
VSWFUZZ_RUNS   ?= 20000
VSWFZ_CFLAGS   := -std=gnu11 -g -O1 $(WARN) -Wno-unknown-attributes -DISO_HOST_TEST $(K_DEFS) -Itests/unit/host -Ipvisa $(K_INCS) \
                  -fsanitize=address,undefined -fno-sanitize-recover=all
ifneq ($(CTLFZ_CLANG),)
VSWFZ_CFLAGS   += -fsanitize=fuzzer -DVSWFUZZ_LIBFUZZER
endif

$(VSWFZ): tests/fuzz/vswfuzz.c $(VSWFZ_KSRCS) $(VSWFZ_HSRCS) $(MKDEPS)
	@mkdir -p $(FZ_B)/vswsrc
	$(call say,FUZZCC,$@)
	$(Q)cp $(VSWFZ_KSRCS) $(FZ_B)/vswsrc/
	$(Q)$(CTLFZ_CC) $(VSWFZ_CFLAGS) -o $@ tests/fuzz/vswfuzz.c $(addprefix $(FZ_B)/vswsrc/,$(notdir $(VSWFZ_KSRCS))) \
		$(VSWFZ_HSRCS)

.PHONY: vswfuzz test-vswfuzz
vswfuzz: $(VSWFZ)
	$(Q)B=$(B) VSWFUZZ_SECONDS=$(VSWFUZZ_SECONDS) VSWFUZZ_RUNS=$(VSWFUZZ_RUNS) bash tests/system/test_vswfuzz.sh
fuzz: vswfuzz
test-system: $(VSWFZ)
test-vswfuzz: $(VSWFZ)
	$(ST_RUN) vswfuzz
# The --files archive check (guestlib/fsarc.c, tests/fuzz/fsarcfuzz.c): built for the host, with libFuzzer when clang
#   is there, else the harness's random driver; what the check accepts is read whole under AddressSanitizer. `make
#   fuzz` runs it FSARCFUZZ_RUNS inputs (default 500000); `make test` runs the short form (test_fsarcfuzz.sh).
FSARCFZ        := $(FZ_B)/fsarcfuzz
FSARCFUZZ_RUNS ?= 500000
FSARCFZ_CFLAGS := -std=gnu11 -g -O1 $(WARN) -Iguestlib -fsanitize=address,undefined -fno-sanitize-recover=all
ifneq ($(CTLFZ_CLANG),)
FSARCFZ_CFLAGS += -fsanitize=fuzzer -DFSARCFUZZ_LIBFUZZER
endif

$(FSARCFZ): tests/fuzz/fsarcfuzz.c guestlib/fsarc.c guestlib/fsarc.h $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$@)
	$(Q)$(CTLFZ_CC) $(FSARCFZ_CFLAGS) -o $@ tests/fuzz/fsarcfuzz.c guestlib/fsarc.c

.PHONY: fsarcfuzz test-fsarcfuzz
fsarcfuzz: $(FSARCFZ) guestlib
	$(Q)B=$(B) FSARCFUZZ_RUNS=$(FSARCFUZZ_RUNS) bash tests/system/test_fsarcfuzz.sh
fuzz: fsarcfuzz
test-system: $(FSARCFZ)
test-fsarcfuzz: $(FSARCFZ) guestlib
	$(ST_RUN) fsarcfuzz

# isorun's capture-stream reader (tests/fuzz/pcapfuzz.c over runner/pcap.c, linked with libpcap): arbitrary streams,
#   the pcap file read back. `make fuzz` runs it PCAPFUZZ_SECONDS (libFuzzer) or PCAPFUZZ_RUNS inputs; `make test`
#   the short form (test_pcapfuzz.sh).
PCAPFZ          := $(FZ_B)/pcapfuzz
PCAPFZ_SRCS     := tests/fuzz/pcapfuzz.c runner/pcap.c runner/util.c runner/kv.c
PCAPFUZZ_SECONDS ?= 60
PCAPFUZZ_RUNS   ?= 5000
PCAPFZ_CFLAGS   := -std=gnu11 -D_GNU_SOURCE -g -O1 $(WARN) -Ipvisa -Ilib -Irunner \
                   -fsanitize=address,undefined -fno-sanitize-recover=all
ifneq ($(CTLFZ_CLANG),)
PCAPFZ_CFLAGS   += -fsanitize=fuzzer -DPCAPFUZZ_LIBFUZZER
endif

$(PCAPFZ): $(PCAPFZ_SRCS) runner/isorun.h pvisa/runlog.h $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$@)
	$(Q)$(CTLFZ_CC) $(PCAPFZ_CFLAGS) -o $@ $(PCAPFZ_SRCS) -lpcap

.PHONY: pcapfuzz test-pcapfuzz
pcapfuzz: $(PCAPFZ)
	$(Q)B=$(B) PCAPFUZZ_SECONDS=$(PCAPFUZZ_SECONDS) PCAPFUZZ_RUNS=$(PCAPFUZZ_RUNS) bash tests/system/test_pcapfuzz.sh
fuzz: pcapfuzz
test-system: $(PCAPFZ)
test-pcapfuzz: $(PCAPFZ)
	$(ST_RUN) pcapfuzz

# The argument block's fuzzer (tests/fuzz/argfuzz.c): the kernel's checks of ARGS and the @argx module
#   (isokernel/argx.c) and guestlib's ARGS splitter (guestlib/args.c), for the host, with libFuzzer when clang is
#   there; `make test` runs its short form (tests/system/test_argfuzz.sh).
ARGFZ        := $(FZ_B)/argfuzz
ARGFZ_SRCS   := tests/fuzz/argfuzz.c isokernel/argx.c guestlib/args.c
ARGFZ_CFLAGS := -std=gnu11 -g -O1 $(WARN) -Iisokernel -Ipvisa -Iguestlib/include -fsanitize=address,undefined \
                -fno-sanitize-recover=all
ifneq ($(CTLFZ_CLANG),)
ARGFZ_CFLAGS += -fsanitize=fuzzer -DARGFUZZ_LIBFUZZER
endif

$(ARGFZ): $(ARGFZ_SRCS) isokernel/argblk.h pvisa/pvisa.h guestlib/include/guest.h $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$@)
	$(Q)$(CTLFZ_CC) $(ARGFZ_CFLAGS) -o $@ $(ARGFZ_SRCS)

.PHONY: argfuzz test-argfuzz
argfuzz: $(ARGFZ)
	$(Q)B=$(B) ARGFUZZ_SECONDS=$(CTLFUZZ_SECONDS) bash tests/system/test_argfuzz.sh
fuzz: argfuzz
test-system: $(ARGFZ)
test-argfuzz: $(ARGFZ)
	$(ST_RUN) argfuzz
