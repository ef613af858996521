# bench/bench.mk - `make bench`: builds the benchmark guests $(B)/bench/{hcall,switch,spinwait}.elf with guest-cc, the
#   host helper $(B)/bench/maxrss (peak RSS of a process tree), isobench and the baseline, then runs bench/suite.sh: the
#   micro-benchmarks (bench/bench.sh), isobench per-VM and --sched, bench-net, bench-baseline, bench/denali.sh, merged into
#   $(B)/results/bench.json with plots and REPORT.md (bench/report.sh). Figures only: no timed assertions.
#   REPS=N (default 3) repetitions, medians reported; QUICK=1: counts up to 1,000, one repetition (a few minutes, CI);
#   BENCH_SMOKE=1: tiny counts (the harness test); BENCH_ONLY="micro pervm ..." reruns a subset (see suite.sh).
# Include after guestlib/guestlib.mk (it needs GUESTLIB_OUT).
ifndef GUESTLIB_OUT
$(error bench/bench.mk must be included after guestlib/guestlib.mk)
endif

BENCH_B      := $(B)/bench
BENCH_NAMES  := hcall switch spinwait
BENCH_ELFS   := $(addprefix $(BENCH_B)/,$(addsuffix .elf,$(BENCH_NAMES)))
BENCH_CFLAGS := -O2 $(WARN)

.PHONY: bench bench-images
bench-images: $(BENCH_ELFS) $(BENCH_B)/maxrss

$(BENCH_B)/%.elf: bench/%.c bench/common.h $(GUESTLIB_OUT) $(MKDEPS) bench/bench.mk
	@mkdir -p $(dir $@)
	$(call say,GUESTCC,$@)
	$(Q)$(B)/bin/guest-cc $(BENCH_CFLAGS) -o $@ $<

$(BENCH_B)/maxrss: bench/maxrss.c $(MKDEPS) bench/bench.mk
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) -O2 $(WARN) -o $@ $<

bench: $(BENCH_ELFS) $(BENCH_B)/maxrss kernel runner examples isobench bench-baseline-bins
	$(Q)sh bench/suite.sh $(B)

# `make bench-net`: the network benchmarks (bench/net.sh) - switched path vs the driver's bare bounce path, one busy
#   VM among 9,999 idle ones vs alone, batched vs immediate delivery at 1/100/1,000/10,000 VMs - UDP echo driven by
#   loadgen, written to $(B)/results/net.json (figures only). REPS=N (default 3) runs, medians; QUICK=1: one run,
#   1-s phases (about 3 minutes under TCG).
.PHONY: bench-net
bench-net: kernel runner examples
	$(Q)sh bench/net.sh $(B)

# `make bench-baseline`: the Linux-process baseline (bench/baseline/) - the guests' services as host processes
#   started by fork+exec, N at a time: memory per instance (drop in MemAvailable; PSS/RSS too), start rate, UDP echo
#   and HTTP throughput over loopback; written to $(B)/results/baseline.json (figures only; forkbench --help lists
#   the fields). REPS=N (default 3) repetitions, medians; QUICK=1: N in 1,100,500, one repetition, 1-s loads
#   (about 30 s here). BASELINE_NS overrides the counts (default 1,10,100,1000,10000; "max" adds the largest
#   count the limits allow, up to 100,000: kernel.pid_max bounds it); BASELINE_ARGS adds forkbench options.
BL_B        := $(B)/bench/baseline
BL_SERVICES := $(BL_B)/bl-tiny-static $(BL_B)/bl-tiny-dynamic $(BL_B)/bl-tiny-nolibc $(BL_B)/bl-echo-static \
               $(BL_B)/bl-echo-dynamic $(BL_B)/bl-http-static $(BL_B)/bl-http-dynamic
BL_OBJS     := $(addprefix $(BL_B)/,forkbench.o fb_spawn.o fb_stage.o fb_mem.o fb_load.o fb_udp.o fb_http.o)
BL_CFLAGS   := -std=gnu11 -O2 $(WARN)
, := ,
BL_NS       := $(if $(BASELINE_NS),--ns $(BASELINE_NS),$(if $(filter 1,$(QUICK)),,--ns 1$(,)10$(,)100$(,)1000$(,)10000))
BL_REPS     := $(if $(REPS),--reps $(REPS),)

.PHONY: bench-baseline bench-baseline-bins
all: bench-baseline-bins
bench-baseline-bins: $(BL_SERVICES) $(BL_B)/forkbench

$(BL_B)/bl-%-static: bench/baseline/bl-%.c bench/baseline/bl_serve.h $(MKDEPS) bench/bench.mk
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) $(BL_CFLAGS) -static -o $@ $<

$(BL_B)/bl-%-dynamic: bench/baseline/bl-%.c bench/baseline/bl_serve.h $(MKDEPS) bench/bench.mk
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) $(BL_CFLAGS) -o $@ $<

# No libc, no start files: _start makes the system calls itself (the floor of what a forked process costs).
$(BL_B)/bl-tiny-nolibc: bench/baseline/bl-tiny-nolibc.c $(MKDEPS) bench/bench.mk
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) $(BL_CFLAGS) -static -nostdlib -fno-pie -no-pie -fno-stack-protector -o $@ $<

$(BL_B)/%.o: bench/baseline/%.c bench/baseline/fb.h $(MKDEPS) bench/bench.mk
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) $(BL_CFLAGS) -c -o $@ $<

$(BL_B)/forkbench: $(BL_OBJS)
	$(call say,HOSTLD,$@)
	$(Q)$(HOSTCC) -o $@ $(BL_OBJS) -lm

bench-baseline: bench-baseline-bins
	@mkdir -p $(B)/results
	$(Q)$(BL_B)/forkbench $(if $(filter 1,$(QUICK)),--quick,) $(BL_NS) $(BL_REPS) $(BASELINE_ARGS) \
		--json $(B)/results/baseline.json

# ---- isobench (issue 4): the grading harness - per-VM overhead of any guest image, and the scheduler's cost per
#   quantum among idle VMs (--sched), as JSON; `isobench --help`. Built by `make all` (target isobench): the host
#   tool $(B)/bin/isobench, its busy guest $(BENCH_B)/spin.elf, and the CUnit tests of its parsing
#   $(B)/tests/isobench_unit (run by tests/system/test_isobench.sh and `make test-isobench`).
ISOBENCH_SRCS := bench/isobench.c bench/ib_common.c bench/ib_parse.c bench/ib_run.c bench/ib_out.c \
                 bench/ib_pervm.c bench/ib_sched.c
ISOBENCH_DEPS := $(ISOBENCH_SRCS) bench/isobench.h $(MKDEPS) bench/bench.mk
ISOBENCH_UNIT := $(B)/tests/isobench_unit

.PHONY: isobench test-isobench
isobench: $(B)/bin/isobench $(BENCH_B)/spin.elf $(ISOBENCH_UNIT)
all: isobench
test-system: isobench

$(B)/bin/isobench: $(ISOBENCH_DEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) -std=gnu11 -O2 -g $(WARN) -DIB_QEMU='"$(QEMU)"' -o $@ $(ISOBENCH_SRCS) -lm

$(ISOBENCH_UNIT): tests/isobench/test_parse.c bench/ib_parse.c bench/isobench.h $(MKDEPS) bench/bench.mk
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) -std=gnu11 -O1 -g $(WARN) -Ibench -o $@ tests/isobench/test_parse.c bench/ib_parse.c -lcunit

test-isobench: kernel examples runner isobench
	$(Q)$(ISOBENCH_UNIT)
	$(Q)B=$(B) bash tests/system/run.sh isobench

# ---- the harness's own test (tests/system/test_bench.sh): `make bench` in its smallest form (BENCH_SMOKE=1), in a
#   build directory of its own, checked for structure (JSON keys and types, REPORT.md sections, plots).
.PHONY: test-bench
test-system: bench-images bench-baseline-bins
test-bench: kernel examples runner isobench bench-images bench-baseline-bins
	$(Q)B=$(B) bash tests/system/run.sh bench

# ---- `make bench-million` (issue 11, item 4): bench/million.sh - MILLION_VMS (default 1,000,000) tiny VMs live at once
#   in one kernel: counts, creation / all-live / report times, kernel and guest bytes per VM, QEMU's peak RSS, written
#   to $(B)/results/million.json; the run is stopped if the host's MemAvailable falls under MILLION_MIN_FREE_MIB
#   (default 3072). Minutes under TCG, so not part of `make test`: test_million.sh (`make test-million`) runs the
#   same script with 2,000 VMs.
.PHONY: bench-million test-million
bench-million: kernel runner examples $(BENCH_B)/maxrss
	$(Q)bash bench/million.sh $(B)

test-million: kernel runner examples $(BENCH_B)/maxrss
	$(Q)B=$(B) bash tests/system/run.sh million

# `make bench-tenantops`: the signed tenant ops (bench/tenantops.sh): one SVC_SET of 10,000 VMs and 100 of 10, scaling
#   down, T_DEL's passes, signed and unsigned round trips -> $(B)/results/tenantops.json. VMS=, REQS=, RT= change counts.
.PHONY: bench-tenantops
bench-tenantops: kernel runner examples
	$(Q)bash bench/tenantops.sh $(B)

# `make bench-tenants`: many tenants in one host (bench/tenants.sh): TENANTS (100) tenants admitted, each with its own
#   copy of idle.elf and VMS (1,000) idle VMs as one service, all by signed requests -> $(B)/results/tenants.json.
.PHONY: bench-tenants
bench-tenants: kernel runner examples
	$(Q)bash bench/tenants.sh $(B)

# `make bench-files`: bytes per VM for a file-using service at VMS (default 1,000) VMs - nothing, a new 4 KiB file,
#   reading a shipped one, rewriting a shipped one (copy-up) - from the kernel's own accounting: bench/files.sh,
#   JSON in $(B)/bench/files.json (figures only).
.PHONY: bench-files
bench-files: kernel runner guestlib
	$(Q)sh bench/files.sh $(B)

# `make bench-pcap`: instructions per VM-to-VM echo without and with isorun --pcap (bench/pcap.sh; deterministic under
# -icount); BASE_KERNEL=PATH compares a kernel without the capture hooks.
.PHONY: bench-pcap
bench-pcap: kernel runner examples net-guests
	$(Q)sh bench/pcap.sh $(B)

# make bench-fork (bench/fork.sh): us per fork (kernel-timed, instructions under -icount), pages a parent and 100
#   forked udp-echo children share after each served a request, beside Linux fork() of a process of the same size.
.PHONY: bench-fork
$(BENCH_B)/forkbase: bench/forkbase.c $(MKDEPS) bench/bench.mk
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) -O2 $(WARN) -static -o $@ $<

bench-fork: kernel runner examples $(BENCH_B)/forkvm.elf $(BENCH_B)/forkbase
	$(Q)sh bench/fork.sh $(B)

# `make bench-summon` (issue 13): summoned services (bench/summon.sh): summon latency of udp-echo and http (first
#   frame in to first answer out, p50/p99) against the same VMs live, and kernel bytes per dormant instance at
#   1,000,000 over 16 tenants -> $(B)/bench/summon.json. N=, NH= (summons), DORMANT= change counts.
.PHONY: bench-summon
bench-summon: kernel runner examples
	$(Q)bash bench/summon.sh $(B)
