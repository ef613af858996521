# unit.mk - CUnit tests of the kernel's host-testable parts: `make test-unit`, and `make test-unit-asan` (ASan+UBSan).
#
# Adding tests: a new tests/unit/test_NAME.c is picked up by wildcard; it defines `int unit_suite_NAME(void)`
# which adds its CUnit suite (main.c calls it through the generated suites.h). A kernel file under test goes
# on UNIT_KSRCS below. Kernel files are built with -DISO_HOST_TEST against tests/unit/host/ (lib.h, kprintf.h
# on the C library; physical memory is an arena, see host/host.h). Kernel files get -I- so that their
# "lib.h" resolves there and not next to them in isokernel/ (nothing else turns off the same-directory
# lookup of quoted includes); UNIT_KQUIET drops cc1's one-line note that -I- is obsolete.

UNIT_KSRCS := isokernel/frame.c isokernel/slab.c isokernel/elf.c isokernel/timerq.c isokernel/vmspace.c isokernel/sched_rr.c isokernel/sched_share.c \
              isokernel/image.c isokernel/vmtab.c isokernel/vmstate.c isokernel/vmspace_state.c \
              isokernel/net/bind.c isokernel/net/vswitch.c isokernel/net/capture.c isokernel/fork.c isokernel/summon_lim.c
# The kernel's crypto (isokernel/crypto/), checked against libsodium (tests/unit/test_crypto.c).
UNIT_KSRCS += $(wildcard isokernel/crypto/*.c)
UNIT_LIBS  += -lsodium
# The tenant table and the signed requests' checks (tests/unit/test_tenant.c, signing with libsodium).
UNIT_KSRCS += isokernel/tenant.c isokernel/ctl_auth.c
UNIT_TSRCS  = $(sort $(wildcard tests/unit/test_*.c))
UNIT_SRCS   = tests/unit/main.c $(wildcard tests/unit/host/*.c) $(UNIT_TSRCS) $(UNIT_KSRCS) $(NETSTACK_SRCS)
# isod's codec and store (tests/unit/test_isod.c): built into the unit tests, linked with jansson and SQLite.
UNIT_SRCS  += isod/codec.c isod/db.c isod/logs.c
UNIT_LIBS  += -ljansson -lsqlite3
UNIT_NAMES  = $(patsubst tests/unit/test_%.c,%,$(UNIT_TSRCS))
UNIT_MKDEPS := $(MKDEPS) tests/unit/unit.mk tests/tests.mk

UNIT_DIR    := $(B)/tests/unit
UNIT_SUITES := $(UNIT_DIR)/suites.h
UNIT_CFLAGS := -std=gnu11 -DISO_HOST_TEST $(K_DEFS) -Itests/unit/host -Ipvisa $(K_INCS) -I$(UNIT_DIR) \
               $(WARN) -g -O1 -MMD -MP
UNIT_KFLAGS := -I-
UNIT_KQUIET  = 2>$@.err; s=$$?; grep -v 'note: obsolete option' $@.err >&2; rm -f $@.err; exit $$s
UNIT_ASAN   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

UNIT_OBJS       = $(patsubst %.c,$(UNIT_DIR)/obj/%.o,$(UNIT_SRCS))
UNIT_ASAN_OBJS  = $(patsubst %.c,$(UNIT_DIR)/asan/%.o,$(UNIT_SRCS))

.PHONY: test-unit test-unit-asan unit-suites-list

test-unit: $(B)/tests/unit_tests
	$(call say,UNIT,$<)
	$(Q)$<

test-unit-asan: $(B)/tests/unit_tests_asan
	$(call say,UNIT,$<)
	$(Q)ASAN_OPTIONS=abort_on_error=0:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $<

# suites.h lists UNIT_SUITE(NAME) per test file; rewritten only when the list changes.
$(UNIT_SUITES): unit-suites-list
	@mkdir -p $(dir $@)
	$(Q)printf '%s\n' $(foreach n,$(UNIT_NAMES),'UNIT_SUITE($(n))') > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(UNIT_DIR)/obj/tests/unit/main.o $(UNIT_DIR)/asan/tests/unit/main.o: $(UNIT_SUITES)

$(UNIT_DIR)/obj/isokernel/%.o: isokernel/%.c $(UNIT_MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) $(UNIT_KFLAGS) -c $< -o $@ $(UNIT_KQUIET)

$(UNIT_DIR)/asan/isokernel/%.o: isokernel/%.c $(UNIT_MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$< [asan])
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) $(UNIT_KFLAGS) $(UNIT_ASAN) -c $< -o $@ $(UNIT_KQUIET)

$(UNIT_DIR)/obj/%.o: %.c $(UNIT_MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -c $< -o $@

$(UNIT_DIR)/asan/%.o: %.c $(UNIT_MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$< [asan])
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) $(UNIT_ASAN) -c $< -o $@

$(B)/tests/unit_tests: $(UNIT_OBJS)
	$(call say,LD,$@)
	$(Q)$(HOSTCC) -g -o $@ $^ -lcunit $(UNIT_LIBS)

$(B)/tests/unit_tests_asan: $(UNIT_ASAN_OBJS)
	$(call say,LD,$@)
	$(Q)$(HOSTCC) -g $(UNIT_ASAN) -o $@ $^ -lcunit $(UNIT_LIBS)

-include $(UNIT_OBJS:.o=.d) $(UNIT_ASAN_OBJS:.o=.d)
