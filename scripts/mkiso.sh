#!/bin/sh
# mkiso.sh - builds a GRUB (BIOS) ISO that boots the kernel with guest images as multiboot modules (for Bochs).
# usage: mkiso.sh OUT.iso KERNEL "KERNEL CMDLINE" IMAGE[:COUNT[:ARGS]]...
# Each module's command line is "/boot/imgN.elf <name> <count> [args...]", the same as isorun gives under QEMU
# (GRUB's `module FILE ARGS...` passes only ARGS, so the path is repeated as the first argument).
set -eu

die() { echo "mkiso: $*" >&2; exit 2; }

[ $# -ge 3 ] || die "usage: mkiso.sh OUT.iso KERNEL \"KERNEL CMDLINE\" IMAGE[:COUNT[:ARGS]]..."
out=$1 kernel=$2 kcmd=$3
shift 3
[ -f "$kernel" ] || die "kernel $kernel not found"
command -v grub-mkrescue >/dev/null || die "grub-mkrescue not found (apt-get install grub-pc-bin grub-common xorriso mtools)"

stage=$(mktemp -d "${TMPDIR:-/tmp}/mkiso.XXXXXX")
trap 'rm -rf "$stage"' EXIT INT TERM
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/isokernel.bin"

# quote WORDS: each word in single quotes for grub.cfg (GRUB's script syntax is sh-like).
quote() {
	for w in $1; do
		case $w in *"'"*) die "a single quote in ARGS is not supported: $w" ;; esac
		printf " '%s'" "$w"
	done
}

cfg=$stage/boot/grub/grub.cfg
{
	echo "set timeout=0"
	echo "set default=0"
	echo "menuentry isokernel {"
	echo "  multiboot /boot/isokernel.bin$(quote "$kcmd")"
} > "$cfg"

i=0
for spec in "$@"; do
	path=${spec%%:*}
	rest=${spec#"$path"}
	rest=${rest#:}
	count=${rest%%:*}
	args=${rest#"$count"}
	args=${args#:}
	[ -n "$count" ] || count=1
	[ -f "$path" ] || die "image $path not found"
	case $count in *[!0-9]*|0) die "$spec: COUNT must be a positive integer" ;; esac
	name=$(basename "$path" | tr -c 'A-Za-z0-9._\n-' '_')
	cp "$path" "$stage/boot/img$i.elf"
	echo "  module /boot/img$i.elf /boot/img$i.elf $name $count$(quote "$args")" >> "$cfg"
	i=$((i + 1))
done
{
	echo "  boot"
	echo "}"
} >> "$cfg"

grub-mkrescue -o "$out" "$stage" >"$stage.log" 2>&1 || { cat "$stage.log" >&2; rm -f "$stage.log"; die "grub-mkrescue failed"; }
rm -f "$stage.log"
