/* elf.c - validates an untrusted ELF64 guest image before loading: bounds- and overflow-checked throughout. */
/* A refusal says what is wrong in words a service author can act on. */
#include <stdarg.h>
#include <stdbool.h>
#include "elf.h"
#include "pvisa.h"
#include "lib.h"
#include "kprintf.h"

#define ELF_PAGE 4096ull

struct chk {
	const struct elf_src *src;
	uint64_t size;
	char *why;
	size_t whylen;
	bool noted;         /* a PVISA ABI note was seen */
	uint32_t abi;       /* its version */
};

static int refuse(struct chk *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(struct chk *k, const char *fmt, ...)
{
	va_list ap;

	if (k->why && k->whylen) {
		va_start(ap, fmt);
		kvsnprintf(k->why, k->whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Does [off, off+len) lie inside the file? */
static bool in_file(const struct chk *k, uint64_t off, uint64_t len)
{
	uint64_t end;

	return !__builtin_add_overflow(off, len, &end) && end <= k->size;
}

void elf_read(const struct elf_src *s, uint64_t off, void *dst, uint64_t len)
{
	uint8_t *d = dst;

	if (s->flat) {
		memcpy(d, s->flat + off, len);
		return;
	}
	while (len) {
		uint64_t in = off % ELF_PAGE, n = ELF_PAGE - in < len ? ELF_PAGE - in : len;
		memcpy(d, s->pages[off / ELF_PAGE] + in, n);
		d += n;
		off += n;
		len -= n;
	}
}

static int check_ident(struct chk *k, const struct elf64_ehdr *eh)
{
	const uint8_t *id = eh->e_ident;

	if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
		return refuse(k, "not an ELF file (bad magic)");
	if (id[EI_CLASS] != ELFCLASS64)
		return refuse(k, "not a 64-bit ELF file (class %u)", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return refuse(k, "not little-endian (data encoding %u)", id[EI_DATA]);
	if (id[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return refuse(k, "unsupported ELF version %u", eh->e_version);
	return 0;
}

static int check_ehdr(struct chk *k, const struct elf64_ehdr *eh)
{
	uint64_t end;

	if (check_ident(k, eh))
		return -1;
	if (eh->e_type != ET_EXEC)
		return refuse(k, "not an executable (e_type %u, need ET_EXEC: link static and non-PIE)", eh->e_type);
	if (eh->e_machine != EM_X86_64)
		return refuse(k, "built for machine %u, not x86_64 (%u)", eh->e_machine, EM_X86_64);
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return refuse(k, "program header entries are %u bytes, expected %zu", eh->e_phentsize,
		              sizeof(struct elf64_phdr));
	if (eh->e_phnum == 0)
		return refuse(k, "no program headers");
	if (__builtin_add_overflow(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr), &end))
		return refuse(k, "program header table at offset 0x%lx overflows", eh->e_phoff);
	if (end > k->size)
		return refuse(k, "truncated: program headers end at byte %lu of %lu", end, k->size);
	return 0;
}

/* File placement of PT_LOAD number i: sizes consistent, bytes inside the file, page offsets agree. */
static int check_load_file(struct chk *k, const struct elf64_phdr *ph, uint32_t i)
{
	uint64_t end;

	if (ph->p_memsz == 0)
		return refuse(k, "segment %u is empty (memsz 0)", i);
	if (ph->p_filesz > ph->p_memsz)
		return refuse(k, "segment %u: filesz 0x%lx exceeds memsz 0x%lx", i, ph->p_filesz, ph->p_memsz);
	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &end))
		return refuse(k, "segment %u: offset 0x%lx + filesz 0x%lx overflows", i, ph->p_offset, ph->p_filesz);
	if (end > k->size)
		return refuse(k, "truncated: segment %u ends at byte %lu of %lu", i, end, k->size);
	if (ph->p_vaddr % ELF_PAGE != ph->p_offset % ELF_PAGE)
		return refuse(k, "segment %u: vaddr 0x%lx and offset 0x%lx differ in their page offset", i,
		              ph->p_vaddr, ph->p_offset);
	return 0;
}

/* Memory placement of PT_LOAD number i: inside the window, not W+X. Fills *s. */
static int check_load(struct chk *k, const struct elf64_phdr *ph, uint32_t i, uint64_t lo, uint64_t hi,
                      struct elf_seg *s)
{
	uint64_t end;

	if (check_load_file(k, ph, i))
		return -1;
	if (__builtin_add_overflow(ph->p_vaddr, ph->p_memsz, &end))
		return refuse(k, "segment %u at 0x%lx with memsz 0x%lx wraps around the address space", i,
		              ph->p_vaddr, ph->p_memsz);
	if (ph->p_vaddr < lo || end > hi)
		return refuse(k, "segment %u [0x%lx,0x%lx) lies outside the guest window [0x%lx,0x%lx)", i,
		              ph->p_vaddr, end, lo, hi);
	if ((ph->p_flags & ELF_W) && (ph->p_flags & ELF_X))
		return refuse(k, "segment %u is both writable and executable", i);
	s->vaddr = ph->p_vaddr;
	s->memsz = ph->p_memsz;
	s->offset = ph->p_offset;
	s->filesz = ph->p_filesz;
	s->flags = ph->p_flags & (ELF_R | ELF_W | ELF_X);
	return 0;
}

/* Ascending addresses, and no page holding bytes of two segments. */
static int check_order(struct chk *k, const struct elf_info *info)
{
	for (uint32_t i = 1; i < info->nseg; i++) {
		const struct elf_seg *a = &info->seg[i - 1], *b = &info->seg[i];
		if (b->vaddr < a->vaddr)
			return refuse(k, "segments %u and %u are not sorted by address (0x%lx after 0x%lx)", i - 1, i,
			              b->vaddr, a->vaddr);
		if (b->vaddr / ELF_PAGE <= (a->vaddr + a->memsz - 1) / ELF_PAGE)
			return refuse(k, "segments %u and %u share a page", i - 1, i);
	}
	return 0;
}

static int check_entry(struct chk *k, const struct elf_info *info)
{
	for (uint32_t i = 0; i < info->nseg; i++) {
		const struct elf_seg *s = &info->seg[i];
		if ((s->flags & ELF_X) && info->entry >= s->vaddr && info->entry - s->vaddr < s->memsz)
			return 0;
	}
	return refuse(k, "entry 0x%lx is outside every executable segment", info->entry);
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);   /* v < 2^33 here: no overflow */
}

static bool is_pvisa_name(const struct chk *k, uint64_t name, uint32_t namesz)
{
	char got[sizeof(PV_NOTE_NAME)];

	if (namesz != sizeof(PV_NOTE_NAME))
		return false;
	elf_read(k->src, name, got, sizeof(got));
	return memcmp(got, PV_NOTE_NAME, sizeof(PV_NOTE_NAME)) == 0;
}

/* Take the ABI version from the note at name/desc if it is the first PVISA ABI note. */
static int take_note(struct chk *k, const struct elf64_nhdr *nh, uint64_t name, uint64_t desc)
{
	if (k->noted || nh->n_type != PV_NOTE_ABI || !is_pvisa_name(k, name, nh->n_namesz))
		return 0;
	if (nh->n_descsz != sizeof(k->abi))
		return refuse(k, "PVISA ABI note has a %u-byte descriptor, expected 4", nh->n_descsz);
	elf_read(k->src, desc, &k->abi, sizeof(k->abi));
	k->noted = true;
	return 0;
}

/* Walk the notes of PT_NOTE program header i (already inside the file), looking for the PVISA ABI note. */
static int scan_notes(struct chk *k, const struct elf64_phdr *ph, uint32_t i)
{
	uint64_t align = ph->p_align == 8 ? 8 : 4;
	uint64_t pos = ph->p_offset, end = ph->p_offset + ph->p_filesz;

	while (pos < end) {
		struct elf64_nhdr nh;
		uint64_t name = pos + sizeof(nh), desc, next;
		if (end - pos < sizeof(nh))
			return refuse(k, "truncated note at byte %lu (program header %u)", pos, i);
		elf_read(k->src, pos, &nh, sizeof(nh));
		desc = name + round_up(nh.n_namesz, align);
		if (desc > end || end - desc < nh.n_descsz)
			return refuse(k, "truncated note at byte %lu (program header %u)", pos, i);
		if (take_note(k, &nh, name, desc))
			return -1;
		if (__builtin_add_overflow(desc, round_up(nh.n_descsz, align), &next))
			break;
		pos = next;
	}
	return 0;
}

/* One program header: PT_LOAD goes into info, PT_NOTE is scanned, dynamic linking is refused. */
static int check_phdr(struct chk *k, const struct elf64_phdr *ph, uint32_t i, uint64_t lo, uint64_t hi,
                      struct elf_info *info)
{
	uint32_t n = info->nseg;

	switch (ph->p_type) {
	case PT_LOAD:
		if (n == ELF_MAX_SEGS)
			return refuse(k, "more than %d loadable segments", ELF_MAX_SEGS);
		info->nseg = n + 1;
		return check_load(k, ph, n, lo, hi, &info->seg[n]);
	case PT_NOTE:
		if (!in_file(k, ph->p_offset, ph->p_filesz))
			return refuse(k, "PT_NOTE (program header %u) lies outside the file", i);
		return scan_notes(k, ph, i);
	case PT_INTERP:
		return refuse(k, "program header %u is PT_INTERP: dynamically linked images are refused", i);
	case PT_DYNAMIC:
		return refuse(k, "program header %u is PT_DYNAMIC: dynamically linked images are refused", i);
	default:
		return 0;
	}
}

static int check_all(struct chk *k, uint64_t lo, uint64_t hi, uint32_t abi, struct elf_info *info)
{
	struct elf64_ehdr eh;

	if (k->size < sizeof(eh))
		return refuse(k, "truncated: ELF header needs %zu bytes, file has %lu", sizeof(eh), k->size);
	elf_read(k->src, 0, &eh, sizeof(eh));
	if (check_ehdr(k, &eh))
		return -1;
	info->entry = eh.e_entry;
	for (uint32_t i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		elf_read(k->src, eh.e_phoff + (uint64_t)i * sizeof(ph), &ph, sizeof(ph));
		if (check_phdr(k, &ph, i, lo, hi, info))
			return -1;
	}
	if (info->nseg == 0)
		return refuse(k, "no loadable segment");
	if (check_order(k, info) || check_entry(k, info))
		return -1;
	if (!k->noted)
		return refuse(k, "no PVISA ABI note");
	if (k->abi != abi)
		return refuse(k, "image built for pvisa ABI v%u, this kernel speaks v%u", k->abi, abi);
	info->abi_version = k->abi;
	return 0;
}

int elf_check_src(const struct elf_src *src, uint64_t win_lo, uint64_t win_hi, uint32_t abi_version,
                  struct elf_info *out, char *why, size_t whylen)
{
	struct chk k = { src, src->size, why, whylen, false, 0 };
	struct elf_info info;

	memset(&info, 0, sizeof(info));
	if (why && whylen)
		why[0] = 0;
	if (check_all(&k, win_lo, win_hi, abi_version, &info))
		return -1;
	*out = info;
	return 0;
}

int elf_check(const void *file, uint64_t size, uint64_t win_lo, uint64_t win_hi, uint32_t abi_version,
              struct elf_info *out, char *why, size_t whylen)
{
	struct elf_src src = { file, NULL, size };

	return elf_check_src(&src, win_lo, win_hi, abi_version, out, why, whylen);
}
