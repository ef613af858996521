#!/bin/bash
# test_posixmisc.sh - sysconf, getrusage, getrlimit, uname, gethostname, ids, ioctl, one-thread pthreads, and the calls a VM cannot have (ENOSYS, one console line each, once) in 2 VMs (tests/guest/posixmisc.c).
# timeout: 120
. "$(dirname "$0")/lib.sh"
GCC=$B/bin/guest-cc
[ -x "$GCC" ] || fail "no guest-cc (make guestlib)"

# A link error for a call missing inside a library names the program's call and its caller, not the library's
# internals: libchain.a's outer() -> middle() -> missing_call(); the program calls outer() from caller_fn().
printf 'void missing_call(void);\nvoid middle(void) { missing_call(); }\n' > "$WORK/middle.c"
printf 'void middle(void);\nvoid outer(void) { middle(); }\n' > "$WORK/outer.c"
printf 'void outer(void);\nvoid caller_fn(void) { outer(); }\nint main(void) { caller_fn(); return 0; }\n' > "$WORK/prog.c"
"$GCC" -c -o "$WORK/middle.o" "$WORK/middle.c" && "$GCC" -c -o "$WORK/outer.o" "$WORK/outer.c" &&
	ar rcs "$WORK/libchain.a" "$WORK/middle.o" "$WORK/outer.o" || fail "could not build libchain.a"
"$GCC" -o "$WORK/prog.elf" "$WORK/prog.c" -L "$WORK" -lchain 2>"$WORK/link.err" && fail "a program calling a missing function linked"
grep -qF "guest-cc: outer() cannot link: the library's outer -> middle needs missing_call(), which guests do not have; called from caller_fn() (prog.c)" \
	"$WORK/link.err" || fail "the link error does not name the call and its caller: $(cat "$WORK/link.err")"
# What Lua's os and io libraries reach links: system() without fork, execve or wait (nosys.c replaces newlib's),
# remove, rename and tmpfile (the file calls).
printf '#include <stdio.h>\n#include <stdlib.h>\nint main(void) { FILE *f = tmpfile(); return (system("true") == -1) + remove("/x") + rename("/a", "/b") + !f; }\n' > "$WORK/sys.c"
"$GCC" -o "$WORK/sys.elf" "$WORK/sys.c" 2>"$WORK/sys.err" ||
	fail "a program calling system, remove, rename and tmpfile did not link: $(cat "$WORK/sys.err")"
# -lpthread and -ldl, as build systems pass them, link (empty archives: the calls are guestlib's).
printf '#include <pthread.h>\n#include <dlfcn.h>\nint main(void) { pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER; return pthread_mutex_lock(&m) + (dlopen("x", RTLD_NOW) != 0); }\n' > "$WORK/pt.c"
"$GCC" -o "$WORK/pt.elf" "$WORK/pt.c" -lpthread -ldl 2>"$WORK/pt.err" || fail "-lpthread -ldl: $(cat "$WORK/pt.err")"

need_runner
need_kernel
PM=$B/tests/guest/posixmisc.elf
[ -f "$PM" ] || skip "no $PM (make guest-tests)"
run_isorun pm --timeout 60 "$PM:2" --stdin-text hello
expect_rc pm 0
all_exited_ok pm posixmisc.elf 2
for id in $(vm_ids pm posixmisc.elf); do
	out=$(vm_output pm "$id")
	echo "$out" | grep -qx 'ok: posixmisc' || fail "vm $id: $(echo "$out" | grep FAIL | head -n 5)"
	for call in execve system popen pipe dlopen pthread_create; do
		n=$(echo "$out" | grep -c "^guestlib: $call() is not available in a VM (ENOSYS: ")
		[ "$n" = 1 ] || fail "vm $id: $n console lines for $call() (want exactly one, however often it fails)"
	done
done
pass "guest-cc named outer() and caller_fn() for a call missing inside a library; system, remove, rename, tmpfile link; every check passed in 2 VMs; execve, system, popen, pipe, dlopen, pthread_create each said ENOSYS once"
