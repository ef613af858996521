# config.mk - every tunable of the build and of a run, in one place.

# Scheduler quantum (microseconds), the default per-VM private memory quota (KiB) and the part of it each VM is
# guaranteed: reserved when it is created (pvisa/PVISA.md, "Memory"); the rest is overcommitted.
QUANTUM_US      ?= 10000
VM_QUOTA_KIB    ?= 1024
VM_GUAR_KIB     ?= 32
# Largest stack a VM may grow (KiB); a guard gap of one page lies below it.
VM_STACK_KIB    ?= 64
# Most VMs one kernel can hold (sizes the kernel's VM table and timer heap).
MAX_VMS         ?= 131072

# QEMU: guest RAM = base + per-VM estimate x VM count, unless isorun --mem is given. The estimate covers a VM's
# guarantee and its kernel share (page table, structure, table slots: about 5 KiB).
QEMU            ?= qemu-system-x86_64
QEMU_BASE_MIB   ?= 64
QEMU_PER_VM_KIB ?= 64
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
