# tests/hostile/hostile.mk - builds the hostile guests into $(B)/hostile/<name>.elf (`make hostile`);
#   tests/hostile/expect.txt says how the kernel must end each one (read by the system test).
HB        := $(B)/hostile
H_SRCS    := $(filter-out tests/hostile/reject.c,$(wildcard tests/hostile/*.c))
H_RUN     := $(patsubst tests/hostile/%.c,$(HB)/%.elf,$(H_SRCS))
H_REJECT  := $(addprefix $(HB)/,badabi.elf nonote.elf wx.elf outside.elf truncated.elf)
H_CFLAGS  := -O2 $(WARN) -Itests/hostile -Ilib
H_MODE    := --tiny
H_DEPS    := tests/hostile/hostile.h $(wildcard lib/*.h) $(GUESTLIB_OUT) $(MKDEPS) tests/hostile/hostile.mk

.PHONY: hostile
hostile: $(H_RUN) $(H_REJECT)

# Every hostile guest is newlib-free except the one that exhausts the heap through malloc.
$(HB)/malloc_quota.elf: H_MODE :=

$(HB)/%.elf: tests/hostile/%.c $(H_DEPS)
	@mkdir -p $(dir $@)
	$(call say,GUESTCC,$@)
	$(Q)$(B)/bin/guest-cc $(H_MODE) $(H_CFLAGS) -o $@ $<

# Images the loader must refuse, all around reject.c (which exits 1 if it ever runs).
$(HB)/obj/pvnote99.o: guestlib/pvnote.c $(H_DEPS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GL_CFLAGS) -DPV_NOTE_VERSION=99 -c $< -o $@

$(HB)/badabi.elf: tests/hostile/reject.c $(HB)/obj/pvnote99.o $(H_DEPS)
	$(call say,GUESTCC,$@)
	$(Q)$(B)/bin/guest-cc --tiny $(H_CFLAGS) --abi-note=$(HB)/obj/pvnote99.o -o $@ $<

# Linker scripts derived from guest.ld: no note, a W+X text segment, the image at 0x10000000.
$(HB)/obj/nonote.ld: guestlib/guest.ld $(H_DEPS)
	@mkdir -p $(dir $@)
	$(Q)sed -e '/^ASSERT(SIZEOF(.note.pvisa)/d' -e '/^\tnote *PT_NOTE/d' -e 's/ :rodata :note$$/ :rodata/' $< > $@

$(HB)/obj/wx.ld: guestlib/guest.ld $(H_DEPS)
	@mkdir -p $(dir $@)
	$(Q)sed -e 's/^\ttext   PT_LOAD FLAGS(5);/\ttext   PT_LOAD FLAGS(7);/' $< > $@

$(HB)/obj/outside.ld: guestlib/guest.ld $(H_DEPS)
	@mkdir -p $(dir $@)
	$(Q)sed -e 's/^\t\. = 0x400000;/\t. = 0x10000000;/' -e '/^ASSERT(__image_end/d' $< > $@

$(HB)/nonote.elf: H_LINK := --abi-note=none
$(HB)/wx.elf $(HB)/outside.elf: H_LINK :=
$(HB)/nonote.elf $(HB)/wx.elf $(HB)/outside.elf: $(HB)/%.elf: tests/hostile/reject.c $(HB)/obj/%.ld $(H_DEPS)
	$(call say,GUESTCC,$@)
	$(Q)$(B)/bin/guest-cc --tiny $(H_CFLAGS) $(H_LINK) -Wl,--no-warn-rwx-segments -T $(HB)/obj/$*.ld -o $@ $<

# A whole image cut inside its text segment: headers intact, segment data missing.
$(HB)/obj/whole.elf: tests/hostile/reject.c $(H_DEPS)
	@mkdir -p $(dir $@)
	$(Q)$(B)/bin/guest-cc --tiny $(H_CFLAGS) -o $@ $<

$(HB)/truncated.elf: $(HB)/obj/whole.elf
	$(call say,HEAD,$@)
	$(Q)head -c 4200 $< > $@
