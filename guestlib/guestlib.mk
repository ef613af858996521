# guestlib/guestlib.mk - builds newlib (once per checkout) and what every guest links with: crt0.o, pvnote.o, mem.o,
#   libguest.a, libguesttiny.a, guest.ld, the headers in $(B)/guestlib/include, the additions to newlib's headers in
#   $(B)/guestlib/libc (searched first), and the compiler wrapper $(B)/bin/guest-cc.
#   net.o (guest_net.h) is in libguest.a but only programs that call it pull it in; they link with
#   `guest-cc --net`, which adds $(B)/netstack/libnetstack.a (netstack/netstack.mk). mem.o (memcpy & co.) is linked
#   as an object ahead of newlib's libc.a, so its versions replace newlib's in every program.
GL_B         := $(B)/guestlib
NEWLIB       := $(B)/newlib/install/x86_64-elf
NEWLIB_STAMP := $(B)/newlib/.stamp
GL_CFLAGS    := -std=gnu11 -O2 $(WARN) -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
                -fno-unwind-tables -ffunction-sections -fdata-sections -mno-avx \
                -nostdinc -isystem guestlib/libc -isystem $(NEWLIB)/include -isystem $(shell $(CC) -print-file-name=include) \
                -Ipvisa -Ilib -Iguestlib/include -Inetstack -MMD -MP
GL_LIB_OBJS  := $(addprefix $(GL_B)/,start.o syscalls.o fd.o time.o guest.o args.o argnum.o net.o fork.o arc4random.o \
                env.o posix.o nosys.o pthread.o)
# The file system (fs.h): one object per part, so a program links only the calls it makes.
GL_LIB_OBJS  += $(addprefix $(GL_B)/,fsarc.o fsnode.o fsship.o fsdata.o fspath.o fsopen.o fscalls.o fsdir.o fsremove.o fsmisc.o fsat.o)
GL_TINY_OBJS := $(addprefix $(GL_B)/,tinystart.o mem.o)
GL_HDRS      := $(addprefix $(GL_B)/include/,pvisa.h pvisa_guest.h guest.h guest_net.h netstack.h) $(GL_B)/libc/time.h
GL_HDRS      += $(GL_B)/libc/sys/dirent.h $(GL_B)/libc/sys/stat.h
GL_HDRS      += $(addprefix $(GL_B)/libc/,pthread.h dlfcn.h sys/utsname.h sys/ioctl.h sys/resource.h)
# Everything guest-cc needs: images depend on this list.
GUESTLIB_OUT := $(GL_B)/crt0.o $(GL_B)/pvnote.o $(GL_B)/mem.o $(GL_B)/libguest.a $(GL_B)/libguesttiny.a $(GL_B)/guest.ld \
                $(GL_B)/libpthread.a $(GL_B)/libdl.a \
                $(GL_HDRS) $(B)/bin/guest-cc $(B)/bin/guest-fspack $(NEWLIB_STAMP)
MKDEPS       += guestlib/guestlib.mk

.PHONY: guestlib newlib
guestlib: $(GUESTLIB_OUT)
newlib: $(NEWLIB_STAMP)

# The script keeps its own stamp (its checksum) and returns at once when newlib is current.
$(NEWLIB_STAMP): guestlib/build-newlib.sh
	$(Q)sh guestlib/build-newlib.sh $(B)
	$(Q)touch $@

$(GL_B)/%.o: guestlib/%.c $(NEWLIB_STAMP) $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(GL_CFLAGS) -c $< -o $@

# net.o and the netstack carry LTO data beside their code (fat objects): `guest-cc -flto` programs inline the
# stack's per-frame calls into one another (each call and ret costs QEMU's TCG a jump-cache lookup); others
# link the plain code as before.
$(GL_B)/net.o: GL_CFLAGS += -flto -ffat-lto-objects

# mem.c implements memcpy & co. itself: keep the compiler from turning its loops into calls to them.
$(GL_B)/mem.o: GL_CFLAGS += -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns

$(GL_B)/%.o: guestlib/%.S $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(CC) $(GL_CFLAGS) -c $< -o $@

$(GL_B)/libguest.a: $(GL_LIB_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# -lpthread and -ldl, as build systems pass them, find these empty archives: pthread.h's and dlfcn.h's calls are in
# libguest.a (pthread.c, nosys.c).
$(GL_B)/libpthread.a $(GL_B)/libdl.a:
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@

$(GL_B)/libguesttiny.a: $(GL_TINY_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# The image limit follows the kernel's stack size (VM_STACK_KIB, config.mk).
$(GL_B)/guest.ld: guestlib/guest.ld config.mk
	@mkdir -p $(dir $@)
	$(Q)sed 's/^__image_limit = 0x600000 - [0-9]* \* 1024/__image_limit = 0x600000 - $(VM_STACK_KIB) * 1024/' $< > $@
	$(Q)grep -q '^__image_limit = 0x600000 - $(VM_STACK_KIB) \* 1024 ' $@ || { echo "guestlib.mk: no __image_limit in $<" >&2; exit 1; }

$(GL_B)/include/%.h: pvisa/%.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(GL_B)/include/guest.h $(GL_B)/include/guest_net.h: $(GL_B)/include/%.h: guestlib/include/%.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# guestlib/libc: headers searched before newlib's, each adding to the newlib header of its name (#include_next).
$(GL_B)/libc/%.h: guestlib/libc/%.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(GL_B)/include/netstack.h: netstack/netstack.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# guest-cc defines __pvisa__ to the ABI version of pvisa.h.
$(B)/bin/guest-cc: guestlib/guest-cc.sh pvisa/pvisa.h
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)v=$$(sed -n 's/^#define PV_ABI_VERSION \([0-9][0-9]*\)u*$$/\1/p' pvisa/pvisa.h); \
		[ -n "$$v" ] || { echo "guestlib.mk: no PV_ABI_VERSION in pvisa/pvisa.h" >&2; exit 1; }; \
		sed "s/@PV_ABI_VERSION@/$$v/" $< > $@ && chmod +x $@

# guest-fspack: the host tool guest-cc --files runs to pack a directory (guestlib/fsarc.h; it checks its output with
#   the guest's own fsarc.c).
$(B)/bin/guest-fspack: guestlib/fspack.c guestlib/fsarc.c guestlib/fsarc.h $(MKDEPS)
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) -std=gnu11 -O2 $(WARN) -o $@ guestlib/fspack.c guestlib/fsarc.c

-include $(GL_LIB_OBJS:.o=.d) $(GL_TINY_OBJS:.o=.d) $(GL_B)/pvnote.d $(GL_B)/crt0.d
