#!/bin/bash
# test_files.sh - guest files: the POSIX subset in a VM against Linux, a --files tree read and changed, a full heap, what guest-cc --files refuses, corrupt archives.
# timeout: 300
. "$(dirname "$0")/lib.sh"
GT=$B/tests/guest
GCC=$B/bin/guest-cc
PACK=$B/bin/guest-fspack
[ -x "$GCC" ] && [ -x "$PACK" ] || fail "$GCC or $PACK is missing (make guestlib)"
need_runner
need_kernel
[ -f "$GT/posix_files.elf" ] || skip "no guest tests in $GT (make guest-tests)"

# guest_lines NAME ID: what VM ID of run NAME printed.
guest_lines() {
	vm_output "$1" "$2" >"$WORK/$1.guest"
}

# same_lines NAME: the host's $WORK/NAME.host and the guest's $WORK/NAME.guest agree line for line.
same_lines() {
	[ -s "$WORK/$1.host" ] || fail "$1: the host run printed nothing"
	diff -u "$WORK/$1.host" "$WORK/$1.guest" >"$WORK/$1.diff" ||
		fail "$1: the VM and Linux differ (- Linux, + VM)${seed:+ (FSRANDOM_SEED=$seed)}: $(head -n 20 "$WORK/$1.diff")"
}

# 1. The conformance subset: the same lines from Linux (host gcc, in an empty directory) and from a VM.
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$WORK/posix_files.host" "$ROOT/tests/guest/posix_files.c" ||
	fail "posix_files.c does not build for the host"
mkdir -p "$WORK/hostroot"
(cd "$WORK/hostroot" && "$WORK/posix_files.host") >"$WORK/posix.host" || fail "posix_files failed on the host"
run_isorun posix --timeout 60 "$GT/posix_files.elf"
expect_rc posix 0
guest_lines posix "$(vm_ids posix posix_files.elf)"
same_lines posix
posix_n=$(wc -l <"$WORK/posix.host")

# 2. A tree shipped with --files: read and changed (copy-up, rename, unlink, link) in 3 VMs, each seeing the
#    image's tree on its own; the same lines as the program run on a copy on the host.
T_=$WORK/tree
mkdir -p "$T_/data/sub/deeper" "$T_/data/emptydir"
echo "hello, world" >"$T_/data/hello.txt"
: >"$T_/data/empty"
head -c 10000 /dev/urandom >"$T_/data/bin"
seq 1 2000 >"$T_/data/sub/deeper/x.txt"
echo spaces >"$T_/data/a name with spaces"
printf 'n%.0s' $(seq 255) >"$T_/data/longname" && mv "$T_/data/longname" "$T_/data/$(cat "$T_/data/longname")"
chmod 600 "$T_/data/hello.txt"
chmod 700 "$T_/data/sub"
"$GCC" -O2 -o "$WORK/fstree.elf" --files "$T_" "$ROOT/tests/guest/fstree.c" 2>"$WORK/fstree.err" ||
	fail "guest-cc --files failed: $(cat "$WORK/fstree.err")"
gcc -std=gnu11 -O2 -o "$WORK/fstree.host" "$ROOT/tests/guest/fstree.c" || fail "fstree.c does not build for the host"
cp -a "$T_" "$WORK/treecopy"
(cd "$WORK/treecopy" && "$WORK/fstree.host" data mutate) >"$WORK/tree.host" || fail "fstree failed on the host"
cp -a "$T_" "$WORK/treecopy2"
(cd "$WORK/treecopy2" && "$WORK/fstree.host" data fresh) >"$WORK/fresh.host" || fail "fstree fresh failed on the host"
run_isorun tree --timeout 60 "$WORK/fstree.elf:3:data mutate" "$WORK/fstree.elf:1:data fresh"
expect_rc tree 0
nt=0 nf=0
for id in $(vm_ids tree fstree.elf); do           # the fresh VM starts with its changes, the others with a listing
	vm_output tree "$id" >"$WORK/one.guest"
	if head -n 1 "$WORK/one.guest" | grep -q '^d data '; then
		mv "$WORK/one.guest" "$WORK/tree.guest"
		same_lines tree
		nt=$((nt + 1))
	else
		mv "$WORK/one.guest" "$WORK/fresh.guest"
		same_lines fresh
		nf=$((nf + 1))
	fi
done
[ "$nt" = 3 ] && [ "$nf" = 1 ] || fail "tree: $nt listing-first and $nf fresh VMs, expected 3 and 1"
grep -q "^f data/nnnnn" "$WORK/tree.guest" || fail "tree: the 255-byte name is missing"
tree_n=$(wc -l <"$WORK/tree.host")

# 2b. Random writes, truncations and reads (fsrandom, a new seed each run: it is in the failure message) on
#     shipped files (copy-up block by block) and a new one: the same hashes in a VM as on Linux.
seed=${FSRANDOM_SEED:-$(date +%s)}
"$GCC" -O2 -o "$WORK/fsrandom.elf" --files "$T_" "$ROOT/tests/guest/fsrandom.c" || fail "fsrandom.c: guest-cc failed"
gcc -std=gnu11 -O2 -o "$WORK/fsrandom.host" "$ROOT/tests/guest/fsrandom.c" || fail "fsrandom.c does not build for the host"
cp -a "$T_" "$WORK/randcopy"
mkdir -p "$WORK/randcopy/tmp"
rargs="$seed 400 data/bin data/sub/deeper/x.txt data/empty tmp/new"
(cd "$WORK/randcopy" && "$WORK/fsrandom.host" $rargs) >"$WORK/random.host" || fail "fsrandom failed on the host"
run_isorun random --timeout 120 "$WORK/fsrandom.elf:1:$rargs"
expect_rc random 0
guest_lines random "$(vm_ids random fsrandom.elf)"
same_lines random || fail "fsrandom differs with FSRANDOM_SEED=$seed"
random_n=$(wc -l <"$WORK/random.host")

# 3. A full heap: writes end with ENOSPC, stdio works, unlinking gives the memory back (the guest checks).
#    Once more with the shipped tree: lookups, copy-up and readdir at a full heap.
"$GCC" -O2 -Wall -Wextra -Werror -I"$ROOT/tests/guest" -o "$WORK/fsfullship.elf" --files "$T_" \
	"$ROOT/tests/guest/fsfull.c" || fail "fsfull.c with --files: guest-cc failed"
run_isorun fsfull --timeout 60 "$GT/fsfull.elf" "$WORK/fsfullship.elf"
expect_rc fsfull 0
full_id=$(vm_ids fsfull fsfull.elf)
vm_output fsfull "$full_id" | grep -q '^ok: fsfull$' || fail "fsfull: no ok line (see $WORK/fsfull.out)"
ship_id=$(vm_ids fsfull fsfullship.elf)
vm_output fsfull "$ship_id" | grep -q '^ok: fsfull$' || fail "fsfull with a tree: no ok line (see $WORK/fsfull.out)"
[ "$(vm_output fsfull "$ship_id" | grep -c '^shipped tree with the heap')" = 2 ] ||
	fail "fsfull with a tree: the shipped checks did not run"
full_bytes=$(vm_output fsfull "$full_id" | sed -n 's/^heap full after \([0-9]*\) bytes.*/\1/p')

# 4. What --files refuses, with a message naming the path; a tree too big for the image limit.
mkdir -p "$WORK/bad1" "$WORK/bad2"
ln -s /etc/passwd "$WORK/bad1/link"
mkfifo "$WORK/bad2/fifo"
"$GCC" -o "$WORK/bad.elf" --files "$WORK/bad1" "$ROOT/tests/guest/fstree.c" 2>"$WORK/bad1.err" &&
	fail "--files packed a symbolic link"
grep -q "bad1/link: a symbolic link" "$WORK/bad1.err" || fail "--files symlink message: $(cat "$WORK/bad1.err")"
"$GCC" -o "$WORK/bad.elf" --files "$WORK/bad2" "$ROOT/tests/guest/fstree.c" 2>"$WORK/bad2.err" &&
	fail "--files packed a fifo"
grep -q "bad2/fifo: a device, fifo or socket" "$WORK/bad2.err" || fail "--files fifo message: $(cat "$WORK/bad2.err")"
"$GCC" -o "$WORK/bad.elf" --files "$WORK/nodir" "$ROOT/tests/guest/fstree.c" 2>"$WORK/bad3.err" &&
	fail "--files took a missing directory"
grep -q "not a directory" "$WORK/bad3.err" || fail "--files missing dir message: $(cat "$WORK/bad3.err")"
#    The tree is one file a page larger than the whole image may be (guest.ld's __image_limit, as linked).
limit=$((0x$(nm "$WORK/fstree.elf" | awk '$3 == "__image_limit" { print $1 }')))
hugesize=$((limit - 0x400000 + 4096))
[ "$hugesize" -le $((256 << 20)) ] || fail "the image limit $limit is too large for this test's file"
mkdir -p "$WORK/huge"
head -c "$hugesize" /dev/zero >"$WORK/huge/big"
"$GCC" -o "$WORK/huge.elf" --files "$WORK/huge" "$ROOT/tests/guest/fstree.c" 2>"$WORK/huge.err" &&
	fail "--files linked a $hugesize-byte tree, over the image limit"
grep -q "over the limit of" "$WORK/huge.err" || fail "--files too big: no size message: $(cat "$WORK/huge.err")"

# 5. Corrupt archives (guest-cc --files-archive): each VM ends with one line saying what is wrong, never a fault.
#    The archive of tree/ (root: a, b; b: c): entries at 40 + 40 i, names "abc" at 200 (fsarc.h).
mkdir -p "$WORK/small/b"
echo hello >"$WORK/small/a"
echo see >"$WORK/small/b/c"
"$PACK" "$WORK/small" "$WORK/good.arc" || fail "guest-fspack failed"
# corrupt NAME OFFSET BYTES (hex pairs, written at OFFSET) [TRUNCATE]
corrupt() {
	cp "$WORK/good.arc" "$WORK/$1.arc"
	printf "$(echo "$3" | sed 's/\(..\)/\\x\1/g')" | dd of="$WORK/$1.arc" bs=1 seek="$2" conv=notrunc status=none
	[ -z "$4" ] || truncate -s "$4" "$WORK/$1.arc"
	"$GCC" -O2 -o "$WORK/$1.elf" --files-archive="$WORK/$1.arc" "$ROOT/tests/guest/fstree.c" ||
		fail "linking the corrupt archive $1 failed"
	images="$images $WORK/$1.elf:1:/"
}
images=
corrupt magic 0 58
corrupt version 8 02
corrupt size 23 7f
corrupt count 12 ffffff7f
corrupt rootkids 64 09
corrupt nameoff 88 ffff
corrupt parent 84 03
corrupt dataoff 103 7f
corrupt kidsbefore 136 01
corrupt slash 200 2f
corrupt unsorted 201 30
corrupt symlink 160 a4a10000
corrupt orphan 144 00
corrupt short 0 47 100
cp "$WORK/good.arc" "$WORK/control.arc"
"$GCC" -O2 -o "$WORK/control.elf" --files-archive="$WORK/control.arc" "$ROOT/tests/guest/fstree.c" ||
	fail "linking the good archive failed"
run_isorun corrupt --timeout 60 $images "$WORK/control.elf:1:/"
expect_rc corrupt 1
vm_output corrupt "$(vm_ids corrupt control.elf)" | grep -q "^f //a size 6" || fail "corrupt: the control VM did not read /a"
all_exited_ok corrupt control.elf 1
grep -a '^@vm ' "$WORK/corrupt.serial" | grep -q 'state=faulted' &&
	fail "corrupt: a VM faulted: $(grep -a '^@vm .*state=faulted' "$WORK/corrupt.serial" | head -n 2)"
check_corrupt() {
	rec=$(vm_records corrupt "$1.elf")
	case $rec in
	*"state=failed"*"corrupt: $2"*) ;;
	*) fail "corrupt archive $1: expected a failure saying \"$2\", got: $rec" ;;
	esac
}
check_corrupt magic "bad magic"
check_corrupt version "unknown version"
check_corrupt size "size field outside the archive"
check_corrupt count "entry count outside the archive"
check_corrupt rootkids "directory's children outside the entries"
check_corrupt nameoff "name outside the name table"
check_corrupt parent "parent is not an earlier directory"
check_corrupt dataoff "file's bytes outside the archive"
check_corrupt kidsbefore "directory's children outside the entries"
check_corrupt slash "name with '/' or NUL"
check_corrupt unsorted "directory's names not sorted or repeated"
check_corrupt symlink "entry neither a directory nor a regular file"
check_corrupt orphan "entry not in its parent's children"
check_corrupt short "size field outside the archive"

pass "posix subset: $posix_n lines as on Linux; --files tree: $tree_n lines as on Linux in 3 VMs, changed before listing in a 4th; fsrandom seed $seed: $random_n lines as on Linux; heap full after $full_bytes bytes of file (ENOSPC); symlink, fifo, too-big tree refused; 14 corrupt archives refused by name"
