# config.mk - every tunable of the build and of a run, in one place.

# Scheduler quantum (microseconds) and the default per-VM private memory quota (KiB).
QUANTUM_US      ?= 10000
VM_QUOTA_KIB    ?= 1024
# Largest stack a VM may grow (KiB); a guard gap of one page lies below it.
VM_STACK_KIB    ?= 64
# Most VMs one kernel can hold (sizes the kernel's VM table and timer heap).
MAX_VMS         ?= 131072

# QEMU: guest RAM = base + per-VM estimate x VM count, unless isorun --mem is given.
QEMU            ?= qemu-system-x86_64
QEMU_BASE_MIB   ?= 64
QEMU_PER_VM_KIB ?= 64
QEMU_FLAGS      ?= -nodefaults -nographic -no-reboot -bios /usr/share/qemu/qboot.rom \
                   -device isa-debug-exit,iobase=0xf4,iosize=0x04
# CPU model under KVM (FACTS.md: -cpu host aborts on this nested KVM without -arch-capabilities).
QEMU_KVM_CPU    ?= host,-arch-capabilities
QEMU_TCG_CPU    ?= qemu64

# Toolchain.
CC              ?= gcc
HOSTCC          ?= gcc
LD              ?= ld
OBJCOPY         ?= objcopy
WARN            := -Wall -Wextra -Werror
