/* multiboot.h - multiboot1 boot information as QEMU -kernel and GRUB hand it over (all addresses physical). */
#ifndef ISO_MULTIBOOT_H
#define ISO_MULTIBOOT_H

#include <stdint.h>

#define MB_BOOT_MAGIC     0x2badb002u   /* eax at entry */

/* multiboot_info.flags: which fields are valid. */
#define MB_INFO_MEMORY    (1u << 0)     /* mem_lower, mem_upper */
#define MB_INFO_CMDLINE   (1u << 2)     /* cmdline */
#define MB_INFO_MODS      (1u << 3)     /* mods_count, mods_addr */
#define MB_INFO_MMAP      (1u << 6)     /* mmap_length, mmap_addr */

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower;       /* KiB below 1 MiB */
	uint32_t mem_upper;       /* KiB above 1 MiB (up to the first hole) */
	uint32_t boot_device;
	uint32_t cmdline;         /* phys of a NUL-terminated string */
	uint32_t mods_count;
	uint32_t mods_addr;       /* phys of mods_count struct mb_module */
	uint32_t syms[4];
	uint32_t mmap_length;     /* bytes */
	uint32_t mmap_addr;       /* phys of the first struct mb_mmap_entry */
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info, vbe_mode_info;
	uint16_t vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
} __attribute__((packed));

/* One module (a guest image): [mod_start, mod_end) and its command line. */
struct mb_module {
	uint32_t mod_start;
	uint32_t mod_end;
	uint32_t cmdline;         /* phys of a NUL-terminated string */
	uint32_t reserved;
} __attribute__((packed));

/* Memory map entry. `size` does not count itself: the next entry is at (char *)e + e->size + 4. */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type;            /* MB_MMAP_AVAILABLE or another (reserved, ACPI, ...) */
} __attribute__((packed));

#define MB_MMAP_AVAILABLE 1u

_Static_assert(sizeof(struct mb_mmap_entry) == 24, "multiboot mmap entry");
_Static_assert(sizeof(struct mb_module) == 16, "multiboot module");

#endif
