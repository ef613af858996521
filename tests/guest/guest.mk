# tests/guest/guest.mk - guest tests of guestlib's libc support, each a VM that checks itself: $(B)/tests/guest/<name>.elf
#   (`make guest-tests`); tests/system/test_guestlib.sh runs them (`make test-guestlib`, and within test-system).
GT_B    := $(B)/tests/guest
GT_SRCS := $(wildcard tests/guest/*.c)
GT_ELFS := $(patsubst tests/guest/%.c,$(GT_B)/%.elf,$(GT_SRCS))

.PHONY: guest-tests test-guestlib test-vmsave test-files
guest-tests: $(GT_ELFS)
test-system: guest-tests

test-guestlib: kernel runner guest-tests
	$(ST_RUN) guestlib

# Files (guestlib/fs*.c): posix_files, fstree and fsfull, against Linux where they print (tests/system/test_files.sh).
test-files: kernel runner guest-tests
	$(ST_RUN) files

# savecount.elf moved while it runs (the kernel's selftest_save hook): tests/system/test_vmsave.sh.
test-vmsave: kernel runner guest-tests
	$(ST_RUN) vmsave

$(GT_B)/%.elf: tests/guest/%.c tests/guest/check.h tests/guest/guest.mk $(GUESTLIB_OUT) $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,GUESTCC,$@)
	$(Q)$(B)/bin/guest-cc -O2 $(WARN) -Itests/guest -o $@ $<

# ARGS, --env, --stdin (test_env.sh), the POSIX odds (test_posixmisc.sh), isorun --gdb (test_gdb.sh).
.PHONY: test-env test-posixmisc test-gdb
test-env test-posixmisc: kernel runner guest-tests
	$(ST_RUN) $(@:test-%=%)
test-gdb: kernel runner guestlib
	$(ST_RUN) gdb
