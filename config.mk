# config.mk - every tunable of the build and of a run, in one place.

# Scheduler quantum (microseconds), the default per-VM private memory quota (KiB) and the part of it each VM is
# guaranteed: reserved when it is created (pvisa/PVISA.md, "Memory"); the rest is overcommitted. isorun gives a
# smaller default guarantee to a run too large for VM_GUAR_KIB within QEMU_MAX_MIB (below; isorun --help, "memory").
QUANTUM_US      ?= 10000
VM_QUOTA_KIB    ?= 1024
VM_GUAR_KIB     ?= 32
# Largest stack a VM may grow (KiB); a guard gap of one page lies below it.
VM_STACK_KIB    ?= 64
# Most VMs one kernel can hold. The kernel sizes its VM table and timer heap at boot for the fewest of MAX_VMS, what
# its guest RAM can hold at two pages a VM (page table and start page) and what the subnet can address.
MAX_VMS         ?= 1048576

# QEMU: guest RAM = QEMU_BASE_MIB + per VM (QEMU_VM_KERNEL_KIB + 2 x its guarantee), unless isorun --mem is given:
# a VM's kernel share (measured: 4,931 B of page-table page, VM structure and table slots, plus frame descriptors;
# make bench-million reports it), its guarantee, and as much again unreserved for VMs that grow beyond theirs.
# QEMU_MAX_MIB bounds that default (QEMU backs only the pages the kernel touches, but the guarantee is reserved):
# past it isorun lowers the default guarantee (at least 4 KiB, the start page). The kernel maps at most 32 GiB of
# physical memory (DMAP_SIZE, arch/x86_64/memlayout.h; QEMU puts RAM past 3 GiB above a 1 GiB hole at 4 GiB).
QEMU            ?= qemu-system-x86_64
QEMU_BASE_MIB   ?= 64
QEMU_VM_KERNEL_KIB ?= 6
QEMU_MAX_MIB    ?= 16384
QEMU_FLAGS      ?= -nodefaults -nographic -no-reboot -bios /usr/share/qemu/qboot.rom \
                   -device isa-debug-exit,iobase=0xf4,iosize=0x04
# CPU model under KVM (FACTS.md: -cpu host aborts on this nested KVM without -arch-capabilities).
QEMU_KVM_CPU    ?= host,-arch-capabilities
# Under TCG, qemu64 with UMIP: sgdt/sidt/sldt/str/smsw in ring 3 raise #GP instead of showing kernel addresses.
QEMU_TCG_CPU    ?= qemu64,+umip

# Toolchain.
CC              ?= gcc
HOSTCC          ?= gcc
LD              ?= ld
OBJCOPY         ?= objcopy
WARN            := -Wall -Wextra -Werror
