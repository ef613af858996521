# isod/isod.mk - builds build/bin/isod, the operator's daemon (isod/API.md): libmicrohttpd, jansson, SQLite, libsodium.
ISOD_SRCS   := $(wildcard isod/*.c)
ISOD_OBJS   := $(patsubst isod/%.c,$(B)/isod/%.o,$(ISOD_SRCS))
ISOD_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g $(WARN) -Ipvisa -Ihostlib -Iisod -MMD -MP
ISOD_LIBS   := -lmicrohttpd -ljansson -lsqlite3 $(HOSTLIB_LIBS) -lpthread
MKDEPS      += isod/isod.mk

.PHONY: isod
isod: $(B)/bin/isod
all: isod

$(B)/isod/%.o: isod/%.c $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(ISOD_CFLAGS) -c $< -o $@

$(B)/bin/isod: $(ISOD_OBJS) $(HOSTLIB)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(HOSTCC) -o $@ $(ISOD_OBJS) $(HOSTLIB) $(ISOD_LIBS)

-include $(ISOD_OBJS:.o=.d)

# The system test's signer (tests/system/isodsign.c): key pairs and signed POST /v1/ops bodies.
$(B)/tests/system/isodsign: tests/system/isodsign.c $(HOSTLIB) $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$<)
	$(Q)$(HOSTCC) $(ISOD_CFLAGS) -o $@ $< $(HOSTLIB) -ljansson $(HOSTLIB_LIBS)
isod: $(B)/tests/system/isodsign

# The request-parsing fuzzer (tests/fuzz/isodfuzz.c): isod/codec.c with clang's libFuzzer when clang is there, else
# with gcc and the harness's own random driver; tests/system/test_isodfuzz.sh runs it.
ISODFZ        := $(B)/tests/fuzz/isodfuzz
ISODFZ_CLANG  := $(shell command -v clang 2>/dev/null)
ISODFZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -g -O1 $(WARN) -Ipvisa -Iisod -fsanitize=address,undefined \
                 -fno-sanitize-recover=all
ifneq ($(ISODFZ_CLANG),)
ISODFZ_CC     := clang
ISODFZ_CFLAGS += -fsanitize=fuzzer -DISODFUZZ_LIBFUZZER
else
ISODFZ_CC     := $(HOSTCC)
endif

$(ISODFZ): tests/fuzz/isodfuzz.c isod/codec.c isod/isod.h pvisa/ctl.h $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$@)
	$(Q)$(ISODFZ_CC) $(ISODFZ_CFLAGS) -o $@ tests/fuzz/isodfuzz.c isod/codec.c -ljansson

.PHONY: isodfuzz
isodfuzz: $(ISODFZ)
test-system: $(ISODFZ) $(B)/bin/isod $(B)/tests/system/isodsign

.PHONY: test-isodfuzz test-isod bench-isod
test-isodfuzz: $(ISODFZ)
	$(ST_RUN) isodfuzz
test-isod: kernel examples runner isod
	$(ST_RUN) isod
bench-isod: kernel examples runner isod
	$(Q)B=$(B) bash tests/system/bench_isod.sh
