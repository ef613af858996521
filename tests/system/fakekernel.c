/* fakekernel.c - a 32-bit multiboot kernel that only speaks runlog.h, to test isorun and QEMU's module command lines. */
/*
 * For each module it starts one pretend VM: the module command line must be "<path> <name> <count> [args...]";
 * the VM "prints" its args and exits 0 (its state is "failed" if the command line is malformed).
 * A module whose args are "hang" makes the kernel spin forever (to test isorun's deadline).
 * Build: gcc -m32 -ffreestanding, linked by fakekernel.ld at 1 MiB; QEMU loads it with -kernel as ELF32.
 */
#define MB_MAGIC 0x1BADB002u
#define MB_FLAGS 0x00000003u

struct mb_info {
	unsigned flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
};
struct mb_mod {
	unsigned start, end, string, reserved;
};

__attribute__((section(".multiboot"), used, aligned(4)))
static const unsigned mb_header[3] = { MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS) };

__asm__(".globl _start\n"
	"_start:\n"
	"  mov $fk_stack + 8192, %esp\n"
	"  push %ebx\n"
	"  push %eax\n"
	"  call fk_main\n"
	"1: hlt\n"
	"  jmp 1b\n");

unsigned char fk_stack[8192] __attribute__((aligned(16)));
void fk_main(unsigned magic, const struct mb_info *mbi);

static void outb(unsigned short port, unsigned char v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static unsigned char inb(unsigned short port)
{
	unsigned char v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* 115200 8N1: Bochs honours the word length (its reset default is 5 bits), QEMU does not. */
static void uart_init(void)
{
	outb(0x3f9, 0x00);
	outb(0x3fb, 0x80);
	outb(0x3f8, 1);
	outb(0x3f9, 0);
	outb(0x3fb, 0x03);
	outb(0x3fa, 0xc7);
	outb(0x3fc, 0x03);
}

static void putc_(char c)
{
	while (!(inb(0x3fd) & 0x20))
		;
	outb(0x3f8, (unsigned char)c);
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void putn(const char *s, unsigned n)
{
	while (n--)
		putc_(*s++);
}

static void putu(unsigned v)
{
	char b[12];
	int i = 0;

	do
		b[i++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (i)
		putc_(b[--i]);
}

static unsigned len(const char *s)
{
	unsigned n = 0;

	while (s[n])
		n++;
	return n;
}

static int has_word(const char *s, const char *w)
{
	unsigned n = len(w), i;

	for (; *s; s++) {
		for (i = 0; i < n && s[i] == w[i]; i++)
			;
		if (i == n && (s[n] == ' ' || !s[n]))
			return 1;
	}
	return 0;
}

/* Advances past one word and the spaces after it; returns the word's length. */
static unsigned word(const char **p)
{
	const char *s = *p;
	unsigned n = 0;

	while (s[n] && s[n] != ' ')
		n++;
	*p = s + n;
	while (**p == ' ')
		(*p)++;
	return n;
}

/* One pretend VM per module: check "<path> <name> <count> [args]", print args, report @vm. */
static void fake_vm(unsigned id, const char *cmd, int quiet)
{
	const char *p = cmd, *name;
	unsigned nlen, clen;

	puts_("fakekernel: module=");
	puts_(cmd);
	puts_("\n");
	word(&p);
	name = p;
	nlen = word(&p);
	clen = word(&p);
	if (!quiet) {
		putc_(1);
		putu(id);
		putc_(' ');
		putu(len(p) + 6);
		puts_("\nargs=");
		puts_(p);
		putc_('\n');
	}
	if (has_word(p, "hang"))
		for (;;)
			__asm__ volatile("hlt");
	puts_("@vm id=");
	putu(id);
	puts_(" image=\"");
	putn(name, nlen);
	puts_(clen && nlen ? "\" state=exited status=0\n" : "\" state=failed status=0 reason=\"bad module cmdline\"\n");
}

void fk_main(unsigned magic, const struct mb_info *mbi)
{
	const struct mb_mod *mods = (const struct mb_mod *)mbi->mods_addr;
	const char *cmd = (mbi->flags & 4) ? (const char *)mbi->cmdline : "";
	unsigned i, n = (mbi->flags & 8) ? mbi->mods_count : 0;

	uart_init();
	puts_("fakekernel: cmdline=");
	puts_(cmd);
	puts_(magic == 0x2BADB002u ? "\n@boot abi=1 accel=unknown tsc_hz=0 mem_bytes=" : "\nbad magic\n");
	putu(mbi->mem_upper * 1024u);
	puts_("\n");
	for (i = 0; i < n; i++)
		fake_vm(i, (const char *)mods[i].string, has_word(cmd, "quiet=1"));
	puts_("@summary vms_started=");
	putu(n);
	puts_(" peak_live_vms=");
	putu(n);
	puts_(" run_ns=1000\n@done code=0\n");
	outb(0xf4, 0);
}
