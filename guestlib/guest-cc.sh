#!/bin/sh
# guest-cc - compile and link pvisa guest images the way cc does; installed as build/bin/guest-cc (see --help).
set -e

usage() {
	cat <<'USAGE'
usage: guest-cc [--tiny | --net] [--files DIR] [cc options] file...
  Compiles and links a static guest image for the isolation kernel (x86_64 ring 3, linked at 0x400000).
  Works like cc: -c, -S, -E, -o FILE, -O*, -g, -D, -I, -L, -l, several sources, .c/.S/.o inputs.
  Programs get hosted newlib (stdio, stdlib, string, math), guest.h and pvisa_guest.h; memcpy, memmove,
  memset and memcmp come from guestlib (mem.c: no rep-prefixed string instructions, cheap under TCG).
  POSIX time beyond newlib (clock_gettime, nanosleep, sleep, usleep) comes from guestlib; clock() is an
  estimate of the VM's CPU time (guest.h, guest_cpu_ns).
  --tiny, -nolibc     no newlib: hypercalls and guest.h only; the program may define _start itself,
                      otherwise a minimal one calls main(argc, argv) and exits with its result
  --net               also link the network: guest_net.h (guestlib) and netstack.h (build/netstack/libnetstack.a,
                      `make netstack`); both headers are always on the include path
  -flto               (with --net) link-time optimisation across the program, guest_net and the netstack,
                      which are built with LTO data: fewer calls per frame, each of which costs under TCG
  --files DIR         carry DIR's regular files and directories in the image, read-only, as the starting
                      content of the VM's file system at "/" (symbolic links, devices, fifos and sockets are
                      refused). The tree is packed by guest-fspack into one archive (guestlib/fsarc.h: a header,
                      an entry table, the names, the bytes) linked into .rodata: shared by every VM of the
                      image, counted in the image's size (the image limit applies); ignored by -c, -S
                      and -E, like the linker's options. See "Files" below.
  --files-archive=F   link the archive F (made by guest-fspack) instead of packing a directory (tests only)
  -T SCRIPT           link with SCRIPT instead of guest.ld (tests only)
  --abi-note=OBJ      link OBJ instead of the standard PVISA ABI note; "none" links no note (tests only)
  --help              this text
  Platform macros: a guest is not Linux nor Unix (no processes, signals or threads; files in memory), so the host
  compiler's __linux__, __linux, linux, __gnu_linux__, __unix__, __unix and unix are not defined; __x86_64__,
  __ELF__, __GNUC__ and the other CPU and compiler macros are. __pvisa__ is defined to the PVISA ABI version
  the image is built for (PV_ABI_VERSION in pvisa.h): test it with #ifdef __pvisa__.
  Libraries: -lNAME must name a libNAME.a built for guests, in a -L directory given or in guestlib's and
  newlib's own (-lc, -lm, -lg; libgcc is linked anyway; -lpthread and -ldl are empty: their calls are in
  guestlib). The host's directories are never searched: their libraries (-lz, -lrt...) are built for Linux
  and glibc and fault in a VM, so asking for one is an error. Build such a library from source with guest-cc and pass -L to its directory.
  Files: every VM has one file tree at "/", in its heap (so within its memory quota: a write that finds the
  heap full fails with ENOSPC, an open that cannot get its few bytes with ENOMEM), starting from the --files
  tree (or empty) and always with a /tmp. Shipped files can be written, truncated, renamed and removed: a
  block (4 KiB) is copied into the heap when first written, the image itself never changes. open (O_CREAT,
  O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY), read, write, lseek, pread, pwrite, close, stat, lstat, fstat,
  access, mkdir, rmdir, unlink, remove, rename, link (real hard links to files), truncate, ftruncate, fsync,
  fdatasync, chdir, fchdir, getcwd, realpath, chmod, fchmod, umask, creat, utimes, the *at calls (openat,
  fstatat, mkdirat, unlinkat, renameat, faccessat, fchmodat), opendir/readdir/scandir and the rest of
  dirent.h, fcntl record locks (one process per VM: valid requests are granted, F_GETLK answers F_UNLCK),
  tmpfile, mkstemp, mkdtemp, and stdio on top. No symbolic links, no permissions enforced (one user), no
  persistence: the tree lives and dies with the VM.
  What a guest has: newlib's C library and libm; argv (ARGS up to 4 KiB, quotes kept), environ/getenv
  (isorun --env), stdin (isorun --stdin), stdout/stderr on the console; malloc in the VM's quota; files (above); the clocks
  and sleeps above; sysconf, getrusage, getrlimit, uname (sysname "pvisa"), gethostname ("vm<id>"),
  getpagesize, getpid (the VM id), getuid & co. (0), ioctl (FIONBIO, FIONREAD, TIOCGWINSZ), pthread.h for one
  thread (mutexes, once, keys), getentropy/arc4random; the network through guest_net.h (--net).
  What it has not (they link, fail with ENOSYS and say so once on the console): execve/execv/execvp, system
  (system(NULL) is 0: no shell), popen, pipe, dlopen/dlsym (static images), pthread_create. Signals other than
  to itself (kill(getpid(), sig) ends the VM) and threads do not exist. A call nothing defines is a link error
  that names the program's call and the function that makes it, also when the call is inside a library.
  Debugging: build with -g -O0 and run under isorun --gdb PORT (isorun --help).
  Environment: GUEST_CC_COMPILER (default gcc) is the compiler driven.
USAGE
}

here=$(cd "$(dirname "$0")" && pwd)
B=$(dirname "$here")
GL=$B/guestlib
NL=$B/newlib/install/x86_64-elf
CC=${GUEST_CC_COMPILER:-gcc}
GCCINC=$($CC -print-file-name=include)

tiny=no
net=no
files=          # --files DIR
files_arc=      # --files-archive=FILE
link=yes
script=$GL/guest.ld
note=$GL/pvnote.o
ldirs=         # the -L directories given, one a line
libs=          # the -l names given, one a line
prev=
for a in "$@"; do
	case $prev in
	-L) ldirs="$ldirs$a
" ;;
	--files) files=$a ;;
	-l) libs="$libs$a
" ;;
	esac
	prev=$a
	case $a in
	-L?*) ldirs="$ldirs${a#-L}
" ;;
	-l?*) libs="$libs${a#-l}
" ;;
	esac
	case $a in
	--help) usage; exit 0 ;;
	--tiny|-nolibc) tiny=yes ;;
	--net) net=yes ;;
	--files=*) files=${a#--files=} ;;
	--files-archive=*) files_arc=${a#--files-archive=} ;;
	-c|-S|-E|-M|-MM) link=no ;;
	-T|-T*|-Wl,-T*) script= ;;
	--abi-note=none) note= ;;
	--abi-note=*) note=${a#--abi-note=} ;;
	esac
done
[ $# -gt 0 ] || { usage >&2; exit 2; }

# Drop our own options, keep the rest in order (and intact: "$@" is rebuilt, never re-split).
n=$#
skip=no
while [ "$n" -gt 0 ]; do
	a=$1
	shift
	n=$((n - 1))
	if [ "$skip" = yes ]; then
		skip=no
		continue
	fi
	case $a in
	--files) skip=yes ;;
	--tiny|-nolibc|--net|--abi-note=*|--files=*|--files-archive=*) ;;
	*) set -- "$@" "$a" ;;
	esac
done

if [ "$tiny" = no ] && [ ! -f "$NL/lib/libc.a" ]; then
	echo "guest-cc: newlib is not built in $B/newlib (run: make guestlib)" >&2
	exit 1
fi
if [ "$net" = yes ] && [ "$tiny" = yes ]; then
	echo "guest-cc: --net needs newlib (the stack uses malloc): drop --tiny" >&2
	exit 2
fi
if [ "$net" = yes ] && [ "$link" = yes ] && [ ! -f "$B/netstack/libnetstack.a" ]; then
	echo "guest-cc: the network stack is not built in $B/netstack (run: make netstack)" >&2
	exit 1
fi
netlib=
[ "$net" = no ] || netlib=$B/netstack/libnetstack.a
if [ -n "$files$files_arc" ] && [ "$tiny" = yes ]; then
	echo "guest-cc: --files needs newlib (the file system uses malloc): drop --tiny" >&2
	exit 2
fi

# lib_found NAME: -lNAME resolves to a guest library (a -L directory given, guestlib's, newlib's), never the host's.
lib_found() {
	case $1 in
	gcc) return 0 ;;
	:*) f=${1#:} ;;
	*) f=lib$1.a ;;
	esac
	printf '%s%s\n%s\n' "$ldirs" "$GL" "$NL/lib" | {
		while IFS= read -r d; do
			[ -z "$d" ] || [ ! -f "$d/$f" ] || exit 0
		done
		exit 1
	}
}

check_libs() {
	printf '%s' "$libs" | while IFS= read -r l; do
		lib_found "$l" && continue
		echo "guest-cc: -l$l: lib${l#:}.a is not built for guests (not in a -L directory given, $GL or $NL/lib)." >&2
		echo "guest-cc: the host's libraries are never searched: built for Linux and glibc, they fault in a VM." >&2
		echo "guest-cc: build the library from source with guest-cc and pass -L DIR (guest-cc --help)." >&2
		exit 1
	done
}
[ "$link" = no ] || check_libs || exit 1

# The host compiler's Linux and Unix macros go; __pvisa__ (the ABI version, set when guest-cc is installed) comes.
PLATFORM="-U__linux__ -U__linux -Ulinux -U__gnu_linux__ -U__unix__ -U__unix -Uunix -D__pvisa__=@PV_ABI_VERSION@"

# Code generation: static, non-PIC, no AVX (the virtual ISA has x87 + SSE only), sections for --gc-sections.
# Copies and fills gcc expands inline (struct assignments, lengths it can bound) are unrolled word loops up to
# 256 bytes and calls to mem.c beyond, never rep movs/stos: QEMU's TCG runs every iteration of those as a block.
CODEGEN="-fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables
 -ffunction-sections -fdata-sections -fno-plt -mno-avx
 -mmemcpy-strategy=unrolled_loop:256:noalign,libcall:-1:noalign
 -mmemset-strategy=unrolled_loop:256:noalign,libcall:-1:noalign"
LDFLAGS="-static -nostdlib -no-pie -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--build-id=none
 -Wl,--gc-sections"

# Link: the output lands in "$out". A PHDRS segment left empty would still appear (at address 0), so after a
# first link an empty data or bss segment is dropped from the script and the image relinked; a small bss
# that fits in the data segment's last page is folded into .data, saving the VM a private page.
section_size() {
	size -A "$1" | awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }'
}

pages() {
	echo $((($1 + 4095) / 4096))
}

script_edits() {
	d=$(section_size "$out" .data)
	s=$(section_size "$out" .bss)
	if [ "$d" -gt 0 ] && [ "$s" -gt 0 ] && [ "$(pages $((d + s)))" -eq "$(pages "$d")" ]; then
		echo 's/^\t\.data : { \*(\.data \.data\.\*) }/\t.data : { *(.data .data.*) *(.bss .bss.*) *(COMMON) }/'
		s=0
	fi
	[ "$d" -gt 0 ] || echo '/^\tdata *PT_LOAD/d; s/} :data$/} :rodata/'
	[ "$s" -gt 0 ] || echo '/^\tbss *PT_LOAD/d; s/} :bss$/} :rodata/'
}

# guest_ld SEDCMDS: guest.ld with SEDCMDS applied, in a temporary file named in $tmp (removed at exit).
tmp=
fsdir=
diag=
cleanup() {
	rm -f "$tmp"
	[ -z "$fsdir" ] || rm -rf "$fsdir"
	[ -z "$diag" ] || rm -rf "$diag"
}
guest_ld() {
	if [ -z "$tmp" ]; then
		tmp=$(mktemp "${TMPDIR:-/tmp}/guest-ld.XXXXXX")
		trap cleanup EXIT
	fi
	sed -e "$1" "$GL/guest.ld" > "$tmp"
}

symbol() {
	nm "$out" | awk -v s="$1" '$3 == s { print $1 }'
}

# The kernel refuses an image that reaches into the guard page and stack (guest.ld's __image_limit): say by how much.
check_fits() {
	end=$((0x$(symbol __image_end)))
	limit=$((0x$(symbol __image_limit)))
	[ "$end" -gt "$limit" ] || return 0
	base=$((0x$(symbol __image_start)))
	printf 'guest-cc: %s: the image is %d bytes (0x%x..0x%x, pages; .text %d, .rodata %d, .data %d, .bss %d),\n' \
		"$out" $((end - base)) "$base" "$end" "$(section_size "$out" .text)" "$(section_size "$out" .rodata)" \
		"$(section_size "$out" .data)" "$(section_size "$out" .bss)" >&2
	printf 'guest-cc: over the limit of %d bytes by %d: it must end at or below 0x%x, under the stack and its\n' \
		$((limit - base)) $((end - limit)) "$limit" >&2
	echo "guest-cc: guard page (the kernel's rule; VM_STACK_KIB in config.mk sets the stack)." >&2
	rm -f "$out"
	exit 1
}

# ld names the function that holds an undefined reference; when that is inside a library (newlib's remove ->
# _unlink_r -> unlink), it names the library's internals. ld_explained CMD...: run the link; if it fails on such references, link again
# for a map (which member pulled in which, for what symbol) to find the call the program made, and once more with
# --wrap on that call so ld names the program's function that makes it. Prints one line per missing call.
ld_explained() {
	diag=$(mktemp -d "${TMPDIR:-/tmp}/guest-cc-diag.XXXXXX")
	trap cleanup EXIT
	"$@" 2>"$diag/err" && { cat "$diag/err" >&2; return 0; }
	cat "$diag/err" >&2
	awk '
		/: in function `/ { f = $0; sub(/.*: in function `/, "", f); sub(/'"'"'.*/, "", f); lib = $0 ~ /\.a\(/; next }
		/undefined reference to `/ && lib { s = $0; sub(/.*undefined reference to `/, "", s); sub(/'"'"'.*/, "", s); print f, s }
	' "$diag/err" | sort -u > "$diag/missing"
	[ -s "$diag/missing" ] || exit 1
	"$@" -Wl,--noinhibit-exec -Wl,-Map,"$diag/map" -o "$diag/out" >/dev/null 2>&1 || true
	# member<TAB>requester<TAB>symbol, from "Archive member included ..." (a long member name puts the rest on the next line)
	awk '/^Archive member included/ { on = 1; next } on && /^(Discarded|Allocating|Memory map)/ { exit }
		on && NF { line = line " " $0; if ($NF ~ /^\(.*\)$/) { n = split(line, w, " "); req = ""; for (i = 2; i < n; i++) req = req (i > 2 ? " " : "") w[i]; sym = w[n]; gsub(/[()]/, "", sym); print w[1] "\t" req "\t" sym; line = "" } }' \
		"$diag/map" > "$diag/members" 2>/dev/null || true
	while read -r fn sym; do
		explain_one "$fn" "$sym" "$@"
	done < "$diag/missing"
	exit 1
}

# explain_one FUNCTION SYMBOL CMD...: newlib's FUNCTION needs the missing SYMBOL; walk the members back to the call
# the program made and say which of its functions make it.
explain_one() {
	fn=$1 sym=$2
	shift 2
	chain=$fn
	member=$(awk -F'\t' -v f="$fn" '$3 == f { print $1; exit }' "$diag/members")
	call=$fn
	from=
	for _ in 1 2 3 4 5 6 7 8; do
		[ -n "$member" ] || break
		line=$(awk -F'\t' -v m="$member" '$1 == m { print $2 "\t" $3; exit }' "$diag/members")
		[ -n "$line" ] || break
		req=${line%%	*}
		call=${line#*	}
		case $chain in "$call"|"$call -> "*) ;; *) chain="$call -> $chain" ;; esac
		case $req in
		*.a\(*) member=$req ;;
		*) from=$req; break ;;
		esac
	done
	callers=
	if [ -n "$from" ]; then
		"$@" -Wl,--wrap="$call" -o "$diag/out" 2>&1 | awk -v w="__wrap_$call" '
			/: in function `/ { f = $0; sub(/.*: in function `/, "", f); sub(/'"'"'.*/, "", f); lib = $0 ~ /\.a\(/; next }
			index($0, "undefined reference to `" w "'"'"'") && !lib { src = $0; sub(/:\(.*/, "", src); print f "() (" src ")" }' |
			sort -u > "$diag/callers"
		callers=$(paste -sd, "$diag/callers" | sed 's/,/, /g')
	fi
	if [ -n "$callers" ]; then
		echo "guest-cc: $call() cannot link: the library's $chain needs $sym(), which guests do not have; called from $callers" >&2
	else
		echo "guest-cc: the library's $chain needs $sym(), which guests do not have (the program's call: $call)" >&2
	fi
}

link() {
	if [ "$script" != "$GL/guest.ld" ]; then
		"$CC" $LDFLAGS ${script:+-T "$script"} "$@"
		return
	fi
	guest_ld '/^ASSERT(__image_end/d'
	ld_explained "$CC" $LDFLAGS -T "$tmp" "$@"
	check_fits
	edits=$(script_edits)
	[ -n "$edits" ] || return 0
	guest_ld "$edits"
	"$CC" $LDFLAGS -T "$tmp" "$@"
}

# files_obj: the --files tree (or --files-archive) as an object defining __guest_fs_archive and its size, in $fsobj.
fsobj=
files_obj() {
	fsdir=$(mktemp -d "${TMPDIR:-/tmp}/guest-files.XXXXXX")
	trap cleanup EXIT
	if [ -n "$files" ]; then
		[ -d "$files" ] || { echo "guest-cc: --files $files: not a directory" >&2; exit 1; }
		"$here/guest-fspack" "$files" "$fsdir/files.arc" || exit 1
	else
		cp "$files_arc" "$fsdir/files.arc" || exit 1
	fi
	printf '\t.section .rodata.guest_fs,"a",@progbits\n\t.balign 16\n\t.globl __guest_fs_archive\n' >"$fsdir/files.S"
	printf '__guest_fs_archive:\n\t.incbin "%s"\n\t.balign 8\n\t.globl __guest_fs_archive_size\n' \
		"$fsdir/files.arc" >>"$fsdir/files.S"
	printf '__guest_fs_archive_size:\n\t.quad %d\n' "$(wc -c <"$fsdir/files.arc")" >>"$fsdir/files.S"
	"$CC" -c -o "$fsdir/files.o" "$fsdir/files.S" || exit 1
	fsobj=$fsdir/files.o
}

out=a.out
prev=
for a in "$@"; do
	case $prev in -o) out=$a ;; esac
	case $a in -o?*) out=${a#-o} ;; esac
	prev=$a
done

if [ "$tiny" = yes ]; then
	set -- $PLATFORM -ffreestanding -nostdinc -isystem "$GCCINC" -I "$GL/include" $CODEGEN "$@"
	[ "$link" = yes ] || exec "$CC" "$@"
	link -Wl,-u,_start ${note:+"$note"} "$@" -L "$GL" -lguesttiny -lguest -lgcc
else
	set -- $PLATFORM -nostdinc -isystem "$GL/libc" -isystem "$NL/include" -isystem "$GCCINC" -I "$GL/include" $CODEGEN "$@"
	[ "$link" = yes ] || exec "$CC" "$@"
	[ -z "$files$files_arc" ] || files_obj
	# mem.o, an object (always linked, unused functions dropped by --gc-sections), takes memcpy & co. from newlib.
	link "$GL/crt0.o" ${note:+"$note"} ${fsobj:+"$fsobj"} "$@" "$GL/mem.o" \
		-L "$GL" -L "$NL/lib" -Wl,--start-group ${netlib:+"$netlib"} -lguest -lc -lm -Wl,--end-group -lgcc
fi
