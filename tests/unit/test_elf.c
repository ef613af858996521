/* test_elf.c - CUnit suite for guest image validation (elf.c): built images, every refusal, a fuzz loop. */
/* img_valid() builds a valid image field by field; each test breaks one thing and expects the exact message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include "elf.h"
#include "pvisa.h"

#define IMG_MAX   0x4000
#define MAX_PH    12
#define WIN_LO    PV_WIN_BASE
#define WIN_HI    PV_WIN_END
#define PT_NULL   0
#define PT_STACK  0x6474e551u   /* PT_GNU_STACK */
#define NOTE_OFF  0x300   /* past the largest phdr table the tests build */

/* An image under construction: headers are edited field by field, then emitted into a byte buffer. */
struct img {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[MAX_PH];
	uint8_t note[256];
	uint32_t notelen;
	uint64_t size;
};

static uint8_t buf[IMG_MAX];
static char why[256];

/* Append a note (name of namesz bytes, desc of descsz bytes), fields padded to align. */
static void note_add(struct img *im, const char *name, uint32_t namesz, uint32_t type, const void *desc,
                     uint32_t descsz, uint32_t align)
{
	struct elf64_nhdr nh = { namesz, descsz, type };
	uint32_t at = im->notelen;

	memcpy(im->note + at, &nh, sizeof(nh));
	memcpy(im->note + at + 12, name, namesz);
	at += 12 + ((namesz + align - 1) & ~(align - 1));
	memcpy(im->note + at, desc, descsz);
	im->notelen = at + ((descsz + align - 1) & ~(align - 1));
}

static void note_pvisa(struct img *im, uint32_t version)
{
	note_add(im, PV_NOTE_NAME, sizeof(PV_NOTE_NAME), PV_NOTE_ABI, &version, 4, 4);
}

static struct elf64_phdr phdr(uint32_t type, uint32_t flags, uint64_t off, uint64_t va, uint64_t filesz,
                              uint64_t memsz, uint64_t align)
{
	struct elf64_phdr p = { type, flags, off, va, va, filesz, memsz, align };
	return p;
}

/* A valid image: text RX [0x400000,0x401800) from offset 0, data RW [0x402000,0x405000) with 0x100 file
 * bytes at 0x2000, the PVISA note at 0x300 (inside text, as ld puts it), a PT_GNU_STACK; 0x2100 bytes. */
static void img_valid(struct img *im)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, "\x7f" "ELF", 4);
	im->eh.e_ident[EI_CLASS] = ELFCLASS64;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_ident[EI_VERSION] = EV_CURRENT;
	im->eh.e_type = ET_EXEC;
	im->eh.e_machine = EM_X86_64;
	im->eh.e_version = EV_CURRENT;
	im->eh.e_entry = 0x401000;
	im->eh.e_phoff = 64;
	im->eh.e_ehsize = 64;
	im->eh.e_phentsize = sizeof(struct elf64_phdr);
	im->eh.e_phnum = 4;
	note_pvisa(im, PV_ABI_VERSION);
	im->ph[0] = phdr(PT_LOAD, ELF_R | ELF_X, 0, 0x400000, 0x1800, 0x1800, 0x1000);
	im->ph[1] = phdr(PT_LOAD, ELF_R | ELF_W, 0x2000, 0x402000, 0x100, 0x3000, 0x1000);
	im->ph[2] = phdr(PT_NOTE, ELF_R, NOTE_OFF, 0x400000 + NOTE_OFF, im->notelen, im->notelen, 4);
	im->ph[3] = phdr(PT_STACK, ELF_R | ELF_W, 0, 0, 0, 0, 16);
	im->size = 0x2100;
}

/* Lay the image out in buf: filler bytes, then whatever parts of the headers and note fit. */
static void img_emit(const struct img *im)
{
	uint64_t phbytes = (uint64_t)im->eh.e_phnum * sizeof(struct elf64_phdr);

	for (size_t i = 0; i < IMG_MAX; i++)
		buf[i] = (uint8_t)(0xc3 ^ i);
	memcpy(buf, &im->eh, sizeof(im->eh));
	if (im->eh.e_phoff < IMG_MAX && phbytes <= sizeof(im->ph))
		memcpy(buf + im->eh.e_phoff, im->ph,
		       IMG_MAX - im->eh.e_phoff < phbytes ? IMG_MAX - im->eh.e_phoff : phbytes);
	memcpy(buf + NOTE_OFF, im->note, im->notelen);
}

static int check(const struct img *im, struct elf_info *info)
{
	img_emit(im);
	memset(why, 0x55, sizeof(why));
	return elf_check(buf, im->size, WIN_LO, WIN_HI, PV_ABI_VERSION, info, why, sizeof(why));
}

/* The image is refused with exactly this message. */
static void refused(const struct img *im, const char *msg)
{
	struct elf_info info;

	CU_ASSERT_EQUAL(check(im, &info), -1);
	CU_ASSERT_STRING_EQUAL(why, msg);
	if (strcmp(why, msg))
		printf("\n    got \"%s\"\n    want \"%s\"\n", why, msg);
}

static void test_valid(void)
{
	struct img im;
	struct elf_info info;

	img_valid(&im);
	CU_ASSERT_EQUAL_FATAL(check(&im, &info), 0);
	CU_ASSERT_EQUAL(why[0], 0);
	CU_ASSERT_EQUAL(info.entry, 0x401000);
	CU_ASSERT_EQUAL(info.abi_version, PV_ABI_VERSION);
	CU_ASSERT_EQUAL_FATAL(info.nseg, 2);
	CU_ASSERT_EQUAL(info.seg[0].vaddr, 0x400000);
	CU_ASSERT_EQUAL(info.seg[0].memsz, 0x1800);
	CU_ASSERT_EQUAL(info.seg[0].offset, 0);
	CU_ASSERT_EQUAL(info.seg[0].filesz, 0x1800);
	CU_ASSERT_EQUAL(info.seg[0].flags, ELF_R | ELF_X);
	CU_ASSERT_EQUAL(info.seg[1].vaddr, 0x402000);
	CU_ASSERT_EQUAL(info.seg[1].memsz, 0x3000);
	CU_ASSERT_EQUAL(info.seg[1].offset, 0x2000);
	CU_ASSERT_EQUAL(info.seg[1].filesz, 0x100);
	CU_ASSERT_EQUAL(info.seg[1].flags, ELF_R | ELF_W);
}

static void test_valid_variants(void)
{
	struct img im;
	struct elf_info info;
	static const uint8_t gnu_desc[20] = { 1, 2, 3 };
	uint32_t v = PV_ABI_VERSION;

	img_valid(&im);                            /* segments in adjacent pages, entry on the last text byte */
	im.ph[0].p_memsz = 0x2000;
	im.eh.e_entry = 0x401fff;
	CU_ASSERT_EQUAL(check(&im, &info), 0);

	img_valid(&im);                            /* another note first, then ours */
	im.notelen = 0;
	note_add(&im, "GNU", 4, 3, gnu_desc, sizeof(gnu_desc), 4);
	note_pvisa(&im, PV_ABI_VERSION);
	im.ph[2].p_filesz = im.ph[2].p_memsz = im.notelen;
	CU_ASSERT_EQUAL(check(&im, &info), 0);

	img_valid(&im);                            /* 8-byte aligned notes (p_align 8) */
	im.notelen = 0;
	note_add(&im, "GNU", 4, 5, gnu_desc, 12, 8);
	note_add(&im, PV_NOTE_NAME, sizeof(PV_NOTE_NAME), PV_NOTE_ABI, &v, 4, 8);
	im.ph[2].p_filesz = im.ph[2].p_memsz = im.notelen;
	im.ph[2].p_align = 8;
	CU_ASSERT_EQUAL(check(&im, &info), 0);

	img_valid(&im);                            /* the same notes read with 4-byte alignment are garbled */
	im.notelen = 0;
	note_add(&im, "GNU", 4, 5, gnu_desc, 12, 8);
	note_add(&im, PV_NOTE_NAME, sizeof(PV_NOTE_NAME), PV_NOTE_ABI, &v, 4, 8);
	im.ph[2].p_filesz = im.ph[2].p_memsz = im.notelen;
	CU_ASSERT_EQUAL(check(&im, &info), -1);
}

static void test_header_refusals(void)
{
	struct img im;

	img_valid(&im); im.eh.e_ident[1] = 'X';
	refused(&im, "not an ELF file (bad magic)");
	img_valid(&im); im.eh.e_ident[EI_CLASS] = 1;
	refused(&im, "not a 64-bit ELF file (class 1)");
	img_valid(&im); im.eh.e_ident[EI_DATA] = 2;
	refused(&im, "not little-endian (data encoding 2)");
	img_valid(&im); im.eh.e_version = 0;
	refused(&im, "unsupported ELF version 0");
	img_valid(&im); im.eh.e_type = 3;
	refused(&im, "not an executable (e_type 3, need ET_EXEC: link static and non-PIE)");
	img_valid(&im); im.eh.e_machine = 3;
	refused(&im, "built for machine 3, not x86_64 (62)");
	img_valid(&im); im.eh.e_phentsize = 32;
	refused(&im, "program header entries are 32 bytes, expected 56");
	img_valid(&im); im.eh.e_phnum = 0;
	refused(&im, "no program headers");
}

static void test_truncation(void)
{
	struct img im;

	img_valid(&im); im.size = 40;
	refused(&im, "truncated: ELF header needs 64 bytes, file has 40");
	img_valid(&im); im.size = 0;
	refused(&im, "truncated: ELF header needs 64 bytes, file has 0");
	img_valid(&im); im.size = 100;
	refused(&im, "truncated: program headers end at byte 288 of 100");
	img_valid(&im); im.eh.e_phoff = 0x20f0;
	refused(&im, "truncated: program headers end at byte 8656 of 8448");
	img_valid(&im); im.eh.e_phoff = UINT64_MAX - 10;
	refused(&im, "program header table at offset 0xfffffffffffffff5 overflows");
	img_valid(&im); im.size = 0x2080;
	refused(&im, "truncated: segment 1 ends at byte 8448 of 8320");
	img_valid(&im); im.ph[1].p_filesz = 0x200;
	refused(&im, "truncated: segment 1 ends at byte 8704 of 8448");
	img_valid(&im); im.ph[1].p_offset = 0xffffffffffffff00ull;
	refused(&im, "segment 1: offset 0xffffffffffffff00 + filesz 0x100 overflows");
}

static void test_segment_refusals(void)
{
	struct img im;

	img_valid(&im); im.ph[0].p_memsz = 0x1000;
	refused(&im, "segment 0: filesz 0x1800 exceeds memsz 0x1000");
	img_valid(&im); im.ph[1].p_memsz = im.ph[1].p_filesz = 0;
	refused(&im, "segment 1 is empty (memsz 0)");
	img_valid(&im); im.ph[1].p_vaddr = 0x402010;
	refused(&im, "segment 1: vaddr 0x402010 and offset 0x2000 differ in their page offset");
	img_valid(&im); im.ph[1].p_flags = ELF_R | ELF_W | ELF_X;
	refused(&im, "segment 1 is both writable and executable");
	img_valid(&im); im.ph[0].p_flags = ELF_W | ELF_X;
	refused(&im, "segment 0 is both writable and executable");
}

static void test_window_refusals(void)
{
	struct img im;

	img_valid(&im); im.ph[0].p_vaddr = 0x3ff000;
	refused(&im, "segment 0 [0x3ff000,0x400800) lies outside the guest window [0x400000,0x600000)");
	img_valid(&im); im.ph[1].p_memsz = 0x1fe001;
	refused(&im, "segment 1 [0x402000,0x600001) lies outside the guest window [0x400000,0x600000)");
	img_valid(&im); im.ph[1].p_vaddr = 0x7ffffffff000ull;
	refused(&im, "segment 1 [0x7ffffffff000,0x800000002000) lies outside the guest window [0x400000,0x600000)");
	img_valid(&im); im.ph[1].p_vaddr = 0xfffffffffffff000ull;
	refused(&im, "segment 1 at 0xfffffffffffff000 with memsz 0x3000 wraps around the address space");

	struct elf_info info;                      /* exactly filling the window's end is fine */
	img_valid(&im); im.ph[1].p_memsz = 0x1fe000;
	CU_ASSERT_EQUAL(check(&im, &info), 0);
}

static void test_order_refusals(void)
{
	struct img im;
	struct elf64_phdr t;

	img_valid(&im); im.ph[1].p_vaddr = 0x401000;
	refused(&im, "segments 0 and 1 share a page");
	img_valid(&im); im.ph[1].p_vaddr = 0x400000;
	refused(&im, "segments 0 and 1 share a page");
	img_valid(&im); im.ph[0].p_memsz = 0x2001;
	refused(&im, "segments 0 and 1 share a page");
	img_valid(&im); t = im.ph[0]; im.ph[0] = im.ph[1]; im.ph[1] = t;
	refused(&im, "segments 0 and 1 are not sorted by address (0x400000 after 0x402000)");
}

static void test_entry_refusals(void)
{
	struct img im;

	img_valid(&im); im.eh.e_entry = 0x402010;
	refused(&im, "entry 0x402010 is outside every executable segment");
	img_valid(&im); im.eh.e_entry = 0x401800;
	refused(&im, "entry 0x401800 is outside every executable segment");
	img_valid(&im); im.eh.e_entry = 0;
	refused(&im, "entry 0x0 is outside every executable segment");
}

static void test_note_refusals(void)
{
	struct img im;
	uint64_t eight = 1;

	img_valid(&im); im.ph[2].p_type = PT_NULL;
	refused(&im, "no PVISA ABI note");
	img_valid(&im); im.note[12 + 4] = 'B';                    /* "PVISB" */
	refused(&im, "no PVISA ABI note");
	img_valid(&im); im.note[8] = 2;                           /* n_type */
	refused(&im, "no PVISA ABI note");
	img_valid(&im); im.notelen = 0; note_pvisa(&im, 7);
	refused(&im, "image built for pvisa ABI v7, this kernel speaks v1");
	img_valid(&im); im.ph[2].p_filesz = 22;
	refused(&im, "truncated note at byte 768 (program header 2)");
	img_valid(&im); im.ph[2].p_filesz = 8;
	refused(&im, "truncated note at byte 768 (program header 2)");
	img_valid(&im); im.note[0] = 0xff; im.note[1] = 0xff; im.note[2] = 0xff; im.note[3] = 0xff;
	refused(&im, "truncated note at byte 768 (program header 2)");
	img_valid(&im); im.ph[2].p_offset = 0x20f8;
	refused(&im, "PT_NOTE (program header 2) lies outside the file");
	img_valid(&im); im.ph[2].p_offset = UINT64_MAX - 4;
	refused(&im, "PT_NOTE (program header 2) lies outside the file");
	img_valid(&im); im.notelen = 0;
	note_add(&im, PV_NOTE_NAME, sizeof(PV_NOTE_NAME), PV_NOTE_ABI, &eight, 8, 4);
	im.ph[2].p_filesz = im.notelen;
	refused(&im, "PVISA ABI note has a 8-byte descriptor, expected 4");
}

/* n one-page PT_LOADs (text first) plus the note: n = 8 is accepted, 9 refused. */
static void img_many(struct img *im, uint32_t n)
{
	img_valid(im);
	for (uint32_t i = 0; i < n; i++)
		im->ph[i] = phdr(PT_LOAD, i ? ELF_R : ELF_R | ELF_X, 0x1000, 0x400000 + i * 0x1000ull, 0x10, 0x10,
		                 0x1000);
	im->ph[n] = phdr(PT_NOTE, ELF_R, NOTE_OFF, 0, im->notelen, 0, 4);
	im->eh.e_phnum = (uint16_t)(n + 1);
	im->eh.e_entry = 0x400000;
}

static void test_dynamic_and_counts(void)
{
	struct img im;
	struct elf_info info;

	img_valid(&im); im.ph[3].p_type = PT_INTERP;
	refused(&im, "program header 3 is PT_INTERP: dynamically linked images are refused");
	img_valid(&im); im.ph[3].p_type = PT_DYNAMIC;
	refused(&im, "program header 3 is PT_DYNAMIC: dynamically linked images are refused");
	img_valid(&im); im.ph[0].p_type = im.ph[1].p_type = PT_NULL;
	refused(&im, "no loadable segment");
	img_many(&im, ELF_MAX_SEGS);
	CU_ASSERT_EQUAL(check(&im, &info), 0);
	CU_ASSERT_EQUAL(info.nseg, ELF_MAX_SEGS);
	CU_ASSERT_EQUAL(info.seg[7].vaddr, 0x407000);
	img_many(&im, ELF_MAX_SEGS + 1);
	refused(&im, "more than 8 loadable segments");
}

static void test_why_buffer(void)
{
	struct img im;
	struct elf_info info;
	char small[10];

	img_valid(&im); im.eh.e_ident[1] = 'X';
	img_emit(&im);
	memset(small, 0x55, sizeof(small));
	CU_ASSERT_EQUAL(elf_check(buf, im.size, WIN_LO, WIN_HI, 1, &info, small, sizeof(small)), -1);
	CU_ASSERT_STRING_EQUAL(small, "not an EL");
	CU_ASSERT_EQUAL(elf_check(buf, im.size, WIN_LO, WIN_HI, 1, &info, NULL, 0), -1);
	img_valid(&im);
	img_emit(&im);
	CU_ASSERT_EQUAL(elf_check(buf, im.size, WIN_LO, WIN_HI, 2, &info, small, sizeof(small)), -1);
	CU_ASSERT_EQUAL(elf_check(buf, im.size, WIN_LO, WIN_HI, 1, &info, NULL, 0), 0);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One random change: mostly inside the headers and the note, often a boundary value. */
static void mutate(uint8_t *b, uint64_t size)
{
	static const uint64_t vals[] = { 0, 1, 4, 8, 56, 0x1000, 0x2100, 0x400000, 0x600000, 0x7fffffff,
	                                 0xffffffff, 0x8000000000000000ull, UINT64_MAX, UINT64_MAX - 0xfff };
	uint64_t at = rnd() % 4 ? rnd() % 0x320 : rnd() % size;
	uint64_t v = rnd() % 3 ? vals[rnd() % (sizeof(vals) / sizeof(vals[0]))] : rnd();
	unsigned width = 1u << (rnd() % 4);

	if (at + width > size)
		return;
	if (width == 1 && rnd() % 2)
		v = b[at] ^ (1u << (rnd() % 8));
	memcpy(b + at, &v, width);
}

/* What an accepted image must satisfy whatever the mutations did. */
static int accepted_ok(const struct elf_info *in, uint64_t size)
{
	int x = 0;

	if (in->nseg < 1 || in->nseg > ELF_MAX_SEGS || in->abi_version != PV_ABI_VERSION)
		return 0;
	for (uint32_t i = 0; i < in->nseg; i++) {
		const struct elf_seg *s = &in->seg[i];
		if (s->vaddr < WIN_LO || s->memsz > WIN_HI - s->vaddr || s->filesz > s->memsz ||
		    s->offset > size || s->filesz > size - s->offset || (s->flags & ELF_W && s->flags & ELF_X))
			return 0;
		if (i && s->vaddr / 4096 <= (in->seg[i - 1].vaddr + in->seg[i - 1].memsz - 1) / 4096)
			return 0;
		x |= (s->flags & ELF_X) && in->entry >= s->vaddr && in->entry < s->vaddr + s->memsz;
	}
	return x;
}

/* The same checks on the bytes cut into separately allocated 4 KiB pages (an image sent over the control channel):
 * the same verdict, the same info, the same reason. ASan sees a read past any page. */
static int check_paged(const uint8_t *b, uint64_t size, const struct elf_info *flat_info, int flat_rc)
{
	uint8_t *pages[64];
	uint64_t np = (size + 4095) / 4096;
	struct elf_src src = { NULL, pages, size };
	struct elf_info info;
	char why2[sizeof(why)];
	int rc, bad;

	if (np > 64)
		return 1;
	for (uint64_t i = 0; i < np; i++) {
		uint64_t n = size - i * 4096 < 4096 ? size - i * 4096 : 4096;
		pages[i] = malloc(n);
		memcpy(pages[i], b + i * 4096, n);
	}
	memset(&info, 0, sizeof(info));
	rc = elf_check_src(&src, WIN_LO, WIN_HI, PV_ABI_VERSION, &info, why2, sizeof(why2));
	bad = rc != flat_rc || strcmp(why2, why) != 0 || (rc == 0 && memcmp(&info, flat_info, sizeof(info)) != 0);
	for (uint64_t i = 0; i < np; i++)
		free(pages[i]);
	return bad;
}

static void test_fuzz(void)
{
	struct img im;
	struct elf_info info;
	uint64_t accepted = 0, refused_n = 0, bad = 0, paged_bad = 0;

	img_valid(&im);
	img_emit(&im);
	for (int iter = 0; iter < 20000; iter++) {
		uint64_t size = rnd() % 10 ? im.size : rnd() % (im.size + 1);
		uint8_t *b = malloc(size ? size : 1);      /* exact size: ASan sees any read past the end */
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		memcpy(b, buf, size);
		for (uint64_t m = 1 + rnd() % 6; m > 0 && size; m--)
			mutate(b, size);
		memset(why, 0x55, sizeof(why));
		memset(&info, 0, sizeof(info));
		int rc = elf_check(b, size, WIN_LO, WIN_HI, PV_ABI_VERSION, &info, why, sizeof(why));
		if (rc == 0) {
			accepted++;
			bad += !accepted_ok(&info, size) || why[0] != 0;
		} else {
			refused_n++;
			bad += why[0] == 0 || memchr(why, 0, sizeof(why)) == NULL;
		}
		paged_bad += check_paged(b, size, &info, rc);
		free(b);
	}
	printf("(%lu accepted, %lu refused) ", (unsigned long)accepted, (unsigned long)refused_n);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(paged_bad, 0);
	CU_ASSERT(accepted > 100);
	CU_ASSERT(refused_n > 1000);
}

int unit_suite_elf(void)
{
	CU_pSuite s = CU_add_suite("elf", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "valid image and its info", test_valid);
	CU_add_test(s, "valid variants (boundaries, notes)", test_valid_variants);
	CU_add_test(s, "bad ELF header", test_header_refusals);
	CU_add_test(s, "truncation and offset overflow", test_truncation);
	CU_add_test(s, "bad segments", test_segment_refusals);
	CU_add_test(s, "segments outside the window", test_window_refusals);
	CU_add_test(s, "unsorted and same-page segments", test_order_refusals);
	CU_add_test(s, "entry outside X", test_entry_refusals);
	CU_add_test(s, "ABI note", test_note_refusals);
	CU_add_test(s, "PT_INTERP, PT_DYNAMIC, segment counts", test_dynamic_and_counts);
	CU_add_test(s, "why buffer", test_why_buffer);
	CU_add_test(s, "fuzz: 20000 mutated images", test_fuzz);
	return CU_get_error() == CUE_SUCCESS ? 0 : -1;
}
