# isoctl/isoctl.mk - build/bin/isoctl (the tenant's and operator's client of isod) and libisoctl.a (shared with
#   examples/autoscale), their CUnit tests (tests/unit/isoctl, run by `make test-unit`) and the reply fuzzer.
ISOCTL_CFLAGS   := -std=gnu11 -D_GNU_SOURCE -O2 -g $(WARN) -Ipvisa -Ihostlib -Iisoctl -MMD -MP
ISOCTL_LIBSRCS  := isoctl/err.c isoctl/http.c isoctl/sign.c isoctl/reply.c isoctl/size.c isoctl/api.c
ISOCTL_CLISRCS  := isoctl/opts.c isoctl/ctx.c isoctl/cmd_tenant.c isoctl/cmd_svc.c
ISOCTL_LIBOBJS  := $(ISOCTL_LIBSRCS:%.c=$(B)/%.o)
ISOCTL_CLIOBJS  := $(ISOCTL_CLISRCS:%.c=$(B)/%.o)
LIBISOCTL       := $(B)/isoctl/libisoctl.a
# What a program linked with libisoctl.a needs after it.
LIBISOCTL_LIBS  := $(LIBISOCTL) $(HOSTLIB) -lcurl -ljansson -lsodium
MKDEPS          += isoctl/isoctl.mk

.PHONY: isoctl
isoctl: $(B)/bin/isoctl $(LIBISOCTL)
all: isoctl

$(B)/isoctl/%.o: isoctl/%.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(ISOCTL_CFLAGS) -c -o $@ $<

$(LIBISOCTL): $(ISOCTL_LIBOBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/bin/isoctl: $(B)/isoctl/main.o $(ISOCTL_CLIOBJS) $(LIBISOCTL) $(HOSTLIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(HOSTCC) -g -o $@ $(B)/isoctl/main.o $(ISOCTL_CLIOBJS) $(LIBISOCTL_LIBS)

# CUnit: tests/unit/isoctl/test_NAME.c defines unit_suite_NAME; tests/unit/main.c runs them (its suites.h is ours).
ISOCTL_UT_DIR   := $(B)/tests/isoctl_unit
ISOCTL_UT_SRCS   = $(sort $(wildcard tests/unit/isoctl/test_*.c))
ISOCTL_UT_OBJS   = $(ISOCTL_UT_SRCS:tests/unit/isoctl/%.c=$(ISOCTL_UT_DIR)/%.o)
ISOCTL_UT       := $(B)/tests/isoctl_unit_tests

$(ISOCTL_UT_DIR)/suites.h: $(ISOCTL_UT_SRCS) $(MKDEPS)
	@mkdir -p $(dir $@)
	$(Q)printf '%s\n' $(foreach f,$(ISOCTL_UT_SRCS),'UNIT_SUITE($(patsubst tests/unit/isoctl/test_%.c,%,$(f)))') > $@

$(ISOCTL_UT_DIR)/main.o: tests/unit/main.c $(ISOCTL_UT_DIR)/suites.h $(MKDEPS)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(ISOCTL_CFLAGS) -I$(ISOCTL_UT_DIR) -c -o $@ $<

$(ISOCTL_UT_DIR)/%.o: tests/unit/isoctl/%.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(ISOCTL_CFLAGS) -c -o $@ $<

$(ISOCTL_UT): $(ISOCTL_UT_DIR)/main.o $(ISOCTL_UT_OBJS) $(ISOCTL_CLIOBJS) $(LIBISOCTL) $(HOSTLIB)
	$(call say,LD,$@)
	$(Q)$(HOSTCC) -g -o $@ $(ISOCTL_UT_DIR)/main.o $(ISOCTL_UT_OBJS) $(ISOCTL_CLIOBJS) $(B)/examples/autoscale/policy.o \
		$(LIBISOCTL_LIBS) -lcunit -lm

.PHONY: test-isoctl-unit
test-isoctl-unit: $(ISOCTL_UT)
	$(call say,UNIT,$<)
	$(Q)$<
test-unit: test-isoctl-unit

# The reply fuzzer (tests/fuzz/isoctl_replyfuzz.c): isod's replies are input too. libFuzzer with clang, else the
#   harness's own random driver; `make fuzz` runs it, tests/system/test_isoctlfuzz.sh is its short form.
ISOCTLFZ        := $(B)/tests/fuzz/isoctl_replyfuzz
ISOCTLFZ_SRCS   := tests/fuzz/isoctl_replyfuzz.c isoctl/err.c isoctl/reply.c isoctl/sign.c isoctl/size.c hostlib/ctlauth.c
ISOCTLFZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -g -O1 $(WARN) -Ipvisa -Ihostlib -Iisoctl -fsanitize=address,undefined \
                   -fno-sanitize-recover=all
ifneq ($(shell command -v clang 2>/dev/null),)
ISOCTLFZ_CC     := clang
ISOCTLFZ_CFLAGS += -fsanitize=fuzzer -DISOFUZZ_LIBFUZZER
else
ISOCTLFZ_CC     := $(HOSTCC)
endif

$(ISOCTLFZ): $(ISOCTLFZ_SRCS) isoctl/libisoctl.h pvisa/ctl.h $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$@)
	$(Q)$(ISOCTLFZ_CC) $(ISOCTLFZ_CFLAGS) -o $@ $(ISOCTLFZ_SRCS) -ljansson -lsodium

.PHONY: isoctl-fuzz test-isoctlfuzz
isoctl-fuzz: $(ISOCTLFZ)
	$(Q)B=$(B) ISOCTLFUZZ_SECONDS=$${ISOCTLFUZZ_SECONDS:-60} bash tests/system/test_isoctlfuzz.sh
fuzz: isoctl-fuzz
test-system: $(ISOCTLFZ) isoctl
test-isoctlfuzz: $(ISOCTLFZ)
	$(ST_RUN) isoctlfuzz

-include $(ISOCTL_LIBOBJS:.o=.d) $(ISOCTL_CLIOBJS:.o=.d) $(B)/isoctl/main.d $(ISOCTL_UT_OBJS:.o=.d)

# examples/autoscale: an example tenant policy on libisoctl only (build/bin/autoscale --help). Its policy is
#   unit-tested with isoctl's tests (tests/unit/isoctl/test_autoscale.c).
AUTOSCALE_SRCS  := examples/autoscale/autoscale.c examples/autoscale/policy.c
AUTOSCALE_OBJS  := $(AUTOSCALE_SRCS:%.c=$(B)/%.o)
isoctl: $(B)/bin/autoscale

$(B)/examples/autoscale/%.o: examples/autoscale/%.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(ISOCTL_CFLAGS) -c -o $@ $<

$(B)/bin/autoscale: $(AUTOSCALE_OBJS) $(LIBISOCTL) $(HOSTLIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(HOSTCC) -g -o $@ $(AUTOSCALE_OBJS) $(LIBISOCTL_LIBS) -lm

$(ISOCTL_UT): $(B)/examples/autoscale/policy.o
-include $(AUTOSCALE_OBJS:.o=.d)

# The isod flow with isoctl: the autoscaler's system test, and `make bench-push` (bench/push.sh: build/bench/push.json).
.PHONY: test-autoscale bench-push
test-autoscale: isoctl kernel examples runner
	$(ST_RUN) autoscale
bench-push: isoctl kernel examples runner
	$(Q)bash bench/push.sh $(B)
.PHONY: test-isoctl
test-isoctl: isoctl kernel examples runner
	$(ST_RUN) isoctl
.PHONY: test-isoctl-hostile
test-isoctl-hostile: isoctl
	$(ST_RUN) isoctl_hostile
