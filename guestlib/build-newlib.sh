#!/bin/sh
# build-newlib.sh - build Debian's newlib-source for x86_64-elf guests, once per checkout, into build/newlib/.
#   usage: sh guestlib/build-newlib.sh [BUILD_DIR]   (default: build; run from the repository root)
#   result: BUILD_DIR/newlib/install/x86_64-elf/{include,lib/libc.a,lib/libm.a}; log: BUILD_DIR/newlib/build.log
#   The stamp holds this script's checksum: the library is rebuilt only when the script changes.
set -e

B=${1:-build}
TOP=$(pwd)
OUT="$TOP/$B/newlib"
TARBALL=/usr/src/newlib/newlib-3.3.0.tar.xz
LOG="$OUT/build.log"
STAMP="$OUT/.stamp"
SUM=$(cksum < "$0")

# Size matters more than speed for a guest: every private page a VM touches counts.
#   reent-small + nano-malloc keep .data/.bss and the heap small; the full printf (C99 formats, long long,
#   doubles) costs no more private pages than nano's and its text is shared by all instances;
#   HAVE_BLKSIZE lets fstat's st_blksize pick the stdio buffer size (see guestlib/syscalls.c).
#   global-stdio-streams: stdin, stdout and stderr are static FILEs (528 bytes of bss), not malloc'ed at the first
#   stdio call, where reent-small alone wrote through NULL when the heap was already exhausted (or empty); a
#   stream whose buffer cannot be allocated then runs unbuffered.
CONFIG_OPTS="--target=x86_64-elf --disable-multilib --disable-newlib-supplied-syscalls --disable-libgloss
 --disable-nls --enable-newlib-nano-malloc --enable-newlib-io-long-long --enable-newlib-io-c99-formats
 --enable-newlib-reent-small --enable-newlib-global-stdio-streams
 --disable-newlib-fvwrite-in-streamio --disable-newlib-fseek-optimization --disable-newlib-wide-orient
 --disable-newlib-unbuf-stream-opt --enable-lite-exit --enable-newlib-global-atexit
 --disable-newlib-atexit-dynamic-alloc --disable-newlib-multithread --disable-newlib-io-pos-args"
TARGET_CFLAGS="-O2 -DHAVE_BLKSIZE -fno-pic -fno-pie -mcmodel=small -fno-stack-protector \
-fno-asynchronous-unwind-tables -fno-unwind-tables -ffunction-sections -fdata-sections"

say() { printf '  %-8s %s\n' "$1" "$2"; }

fail() {
	echo "build-newlib: $1 failed; last lines of $LOG:" >&2
	tail -n 30 "$LOG" >&2
	exit 1
}

up_to_date() {
	[ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$SUM" ] && [ -f "$OUT/install/x86_64-elf/lib/libc.a" ]
}

unpack() {
	[ -f "$TARBALL" ] || { echo "build-newlib: $TARBALL missing (sh scripts/deps.sh installs newlib-source)" >&2; exit 1; }
	rm -rf "$OUT"
	mkdir -p "$OUT/obj"
	say NEWLIB "unpacking $TARBALL"
	tar -xJf "$TARBALL" -C "$OUT" > "$LOG" 2>&1 || fail "unpack"
}

configure_newlib() {
	gccinc=$(gcc -print-file-name=include)
	say NEWLIB "configuring for x86_64-elf"
	(cd "$OUT/obj" && "$OUT/newlib-salsa/configure" --prefix="$OUT/install" $CONFIG_OPTS \
		CC_FOR_TARGET="gcc -nostdinc -isystem $gccinc" CFLAGS_FOR_TARGET="$TARGET_CFLAGS" \
		AR_FOR_TARGET=ar AS_FOR_TARGET=as LD_FOR_TARGET=ld NM_FOR_TARGET=nm RANLIB_FOR_TARGET=ranlib \
		OBJDUMP_FOR_TARGET=objdump READELF_FOR_TARGET=readelf STRIP_FOR_TARGET=strip) >> "$LOG" 2>&1 \
		|| fail "configure"
}

compile_newlib() {
	jobs=$(nproc 2>/dev/null || echo 2)
	say NEWLIB "compiling (about a minute per core; log in $B/newlib/build.log)"
	(cd "$OUT/obj" && make -j"$jobs" all-target-newlib) >> "$LOG" 2>&1 || fail "make"
	say NEWLIB "installing into $B/newlib/install"
	(cd "$OUT/obj" && make install-target-newlib) >> "$LOG" 2>&1 || fail "install"
}

up_to_date && exit 0
unpack
configure_newlib
compile_newlib
rm -rf "$OUT/obj" "$OUT/newlib-salsa"
echo "$SUM" > "$STAMP"
say NEWLIB "done: $B/newlib/install/x86_64-elf/lib/libc.a"
