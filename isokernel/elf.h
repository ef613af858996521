/* elf.h - ELF64 structures and the validation of an untrusted guest image, done before anything is loaded. */
#ifndef ISO_ELF_H
#define ISO_ELF_H

#include <stddef.h>
#include <stdint.h>

struct elf64_ehdr {
	uint8_t  e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

struct elf64_nhdr {
	uint32_t n_namesz, n_descsz, n_type;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr layout");
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr layout");
_Static_assert(sizeof(struct elf64_nhdr) == 12, "Elf64_Nhdr layout");

#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ET_EXEC       2
#define EM_X86_64     62
#define PT_LOAD       1
#define PT_DYNAMIC    2
#define PT_INTERP     3
#define PT_NOTE       4

#define ELF_R 4u                /* segment flags, as in p_flags */
#define ELF_W 2u
#define ELF_X 1u

#define ELF_MAX_SEGS 8

/* A loadable segment: file bytes [offset, offset+filesz) at vaddr, zero-filled up to memsz. */
struct elf_seg {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags;             /* ELF_R | ELF_W | ELF_X */
};

struct elf_info {
	uint64_t entry;
	uint32_t nseg;
	struct elf_seg seg[ELF_MAX_SEGS];   /* sorted by vaddr, no two touching the same page */
	uint32_t abi_version;               /* from the PVISA note */
};

/* Where an image's bytes are: one flat buffer, or (flat NULL) pages of 4096 bytes, the last one partly used (an image
 * sent over the control channel lands in frames that need not be contiguous). */
struct elf_src {
	const uint8_t *flat;
	uint8_t *const *pages;
	uint64_t size;
};

/* Copy [off, off+len) of the image, which the caller has checked lies inside it. */
void elf_read(const struct elf_src *s, uint64_t off, void *dst, uint64_t len);
/* elf_check on an image wherever its bytes are: the same checks, byte for byte. */
int elf_check_src(const struct elf_src *src, uint64_t win_lo, uint64_t win_hi, uint32_t abi_version,
                  struct elf_info *out, char *why, size_t whylen);
/* Validate the ELF64 image [file, file+size): static x86_64 executable, 1..ELF_MAX_SEGS PT_LOAD segments
 * inside [win_lo, win_hi), none W+X, sorted, page-disjoint, entry in an X segment, a PVISA note whose
 * version is abi_version. Never reads outside the file. 0 and *out filled, or -1 with a reason in why. */
int elf_check(const void *file, uint64_t size, uint64_t win_lo, uint64_t win_hi, uint32_t abi_version,
              struct elf_info *out, char *why, size_t whylen);

#endif
