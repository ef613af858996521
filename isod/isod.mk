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
