/* posix_files.c - POSIX file calls, a conformance subset: prints one line per call and result; built by guest-cc (a VM) and by the host's gcc (Linux), and test_files.sh requires the same lines from both. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

/* errno values differ between newlib and glibc: print their names. */
static const char *ename(int e)
{
	static char other[16];
#define N(x) if (e == x) return #x;
	N(EEXIST) N(ENOENT) N(ENOTDIR) N(EISDIR) N(ENOTEMPTY) N(EINVAL) N(EBADF) N(ESPIPE) N(EACCES) N(EPERM)
	N(EBUSY) N(ENAMETOOLONG) N(EMFILE) N(ENOSPC) N(EFBIG) N(ENOMEM) N(EFAULT) N(EOVERFLOW) N(EMLINK) N(ERANGE)
	N(EXDEV) N(EROFS) N(ELOOP)
#undef N
	snprintf(other, sizeof(other), "errno %d", e);
	return other;
}

/* T(label, call): "label: result" or "label: -1 ENAME"; TFD prints "fd" for any descriptor. */
static long show(const char *label, long r, int e, int fd)
{
	if (r < 0)
		printf("%s: -1 %s\n", label, ename(e));
	else if (fd)
		printf("%s: fd\n", label);
	else
		printf("%s: %ld\n", label, r);
	return r;
}
#define SHOW(label, call, fd) ({ errno = 0; long r_ = (long)(call); int e_ = errno; show(label, r_, e_, fd); })
#define T(label, call) SHOW(label, call, 0)
/* PTR(label, call): "label: ptr" or "label: NULL ENAME". */
#define PTR(label, call) ({ errno = 0; void *p_ = (void *)(call); int e_ = errno; \
	printf("%s: %s%s\n", label, p_ ? "ptr" : "NULL ", p_ ? "" : ename(e_)); p_; })
#define TFD(label, call) ((int)SHOW(label, call, 1))

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) != 0)
		printf("put %s failed: %s\n", path, ename(errno));
}

static void show_file(const char *label, const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (n < 0) {
		printf("%s: cannot read %s: %s\n", label, path, ename(errno));
	} else {
		for (ssize_t i = 0; i < n; i++)
			buf[i] = buf[i] == 0 ? '.' : buf[i] == '\n' ? '|' : buf[i];
		buf[n] = 0;
		printf("%s: \"%s\"\n", label, buf);
	}
	if (fd >= 0)
		close(fd);
}

static void show_stat(const char *label, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		printf("%s: -1 %s\n", label, ename(errno));
	else if (S_ISDIR(st.st_mode))    /* a directory's size and link count differ between file systems */
		printf("%s: dir mode %03o\n", label, (unsigned)(st.st_mode & 0777));
	else
		printf("%s: %s size %ld mode %03o nlink %u\n", label, S_ISREG(st.st_mode) ? "file" : "other",
		       (long)st.st_size, (unsigned)(st.st_mode & 0777), (unsigned)st.st_nlink);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void show_dir(const char *label, const char *path)
{
	DIR *d = opendir(path);
	char *names[64];
	int n = 0, dots = 0;
	struct dirent *e;

	if (!d) {
		printf("%s: -1 %s\n", label, ename(errno));
		return;
	}
	while ((e = readdir(d)) != NULL && n < 64) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			dots++;
		else
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	printf("%s: %d dots,", label, dots);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static void basics(void)
{
	char buf[64];
	struct stat st;
	int fd;

	T("open missing", open("a", O_RDONLY));
	fd = TFD("create a", open("a", O_CREAT | O_EXCL | O_WRONLY, 0644));
	T("write a", write(fd, "hello world\n", 12));
	T("create a again excl", open("a", O_CREAT | O_EXCL | O_WRONLY, 0644));
	T("lseek cur", lseek(fd, 0, SEEK_CUR));
	T("lseek negative", lseek(fd, -1, SEEK_SET));
	T("lseek bad whence", lseek(fd, 0, 99));
	T("read write-only", read(fd, buf, 1));
	T("fstat", fstat(fd, &st));
	printf("fstat: size %ld mode %03o nlink %u reg %d\n", (long)st.st_size, (unsigned)(st.st_mode & 0777),
	       (unsigned)st.st_nlink, S_ISREG(st.st_mode));
	T("close", close(fd));
	T("close again", close(fd));
	fd = TFD("open rdwr", open("a", O_RDWR));
	T("read 5", read(fd, buf, 5));
	printf("read: \"%.5s\"\n", buf);
	T("lseek end", lseek(fd, 0, SEEK_END));
	T("lseek 20", lseek(fd, 20, SEEK_SET));
	T("write past end", write(fd, "X", 1));
	show_file("hole", "a");
	T("pread", pread(fd, buf, 4, 6));
	printf("pread: \"%.4s\"\n", buf);
	T("pwrite", pwrite(fd, "W", 1, 0));
	T("lseek cur after p*", lseek(fd, 0, SEEK_CUR));
	T("close", close(fd));
	fd = TFD("open append", open("a", O_WRONLY | O_APPEND));
	T("lseek 0", lseek(fd, 0, SEEK_SET));
	T("write appends", write(fd, "Z", 1));
	T("close", close(fd));
	show_file("appended", "a");
	fd = TFD("open trunc", open("a", O_RDWR | O_TRUNC));
	show_stat("after trunc", "a");
	T("ftruncate 5000", ftruncate(fd, 5000));
	T("pread 4999", pread(fd, buf, 10, 4999));
	printf("byte 4999: %d\n", buf[0]);
	T("ftruncate 3", ftruncate(fd, 3));
	T("ftruncate -1", ftruncate(fd, -1));
	T("write 3", write(fd, "abc", 3));
	show_stat("ftruncated", "a");
	T("fsync", fsync(fd));
	T("fdatasync", fdatasync(fd));
	T("close", close(fd));
	fd = TFD("open rdonly", open("a", O_RDONLY));
	T("ftruncate rdonly", ftruncate(fd, 0));
	T("write rdonly", write(fd, "x", 1));
	T("close", close(fd));
	T("fsync bad fd", fsync(-1));
	T("ftruncate bad fd", ftruncate(99, 0));
}

static void paths(void)
{
	struct stat st;

	show_stat("stat a", "a");
	T("stat missing", stat("nope", &st));
	T("stat trailing slash", stat("a/", &st));
	T("stat through file", stat("a/b", &st));
	T("stat empty", stat("", &st));
	T("lstat a", lstat("a", &st));
	T("access F_OK", access("a", F_OK));
	T("access R_OK|W_OK", access("a", R_OK | W_OK));
	T("access X_OK", access("a", X_OK));
	T("access missing", access("nope", F_OK));
	T("access bad mode", access("a", 0x100));
	T("mkdir d", mkdir("d", 0755));
	T("mkdir d/e", mkdir("d/e", 0700));
	show_stat("stat d/e", "d/e");
	T("mkdir exists", mkdir("d", 0755));
	T("mkdir no parent", mkdir("x/y", 0755));
	T("mkdir under file", mkdir("a/y", 0755));
	T("rmdir not empty", rmdir("d"));
	T("rmdir file", rmdir("a"));
	T("unlink dir", unlink("d"));
	T("rmdir dot", rmdir("d/."));
	T("rmdir d/e", rmdir("d/e"));
	T("rmdir d", rmdir("d"));
	T("rmdir missing", rmdir("d"));
	T("unlink missing", unlink("d"));
	T("open dir O_DIRECTORY on file", open("a", O_RDONLY | O_DIRECTORY));
	T("mkdir dd", mkdir("dd", 0755));
	T("open dir for writing", open("dd", O_WRONLY));
	T("open file/ ", open("a/", O_RDONLY));
	int fd = TFD("open dir", open("dd", O_RDONLY | O_DIRECTORY));
	char c;
	T("read dir", read(fd, &c, 1));
	T("close", close(fd));
	T("truncate dir", truncate("dd", 0));
	T("truncate missing", truncate("nope", 0));
	T("truncate -1", truncate("a", -1));
	T("truncate 2", truncate("a", 2));
	show_file("truncated", "a");
	T("rmdir dd", rmdir("dd"));
	char name[300];
	memset(name, 'n', 256);
	name[256] = 0;
	T("create 256-byte name", open(name, O_CREAT | O_WRONLY, 0644));
	name[255] = 0;
	fd = TFD("create 255-byte name", open(name, O_CREAT | O_WRONLY, 0644));
	T("close", close(fd));
	T("unlink 255-byte name", unlink(name));
}

static void renames_links(void)
{
	struct stat st;
	int fd;

	put("b", "bee");
	T("rename a c", rename("a", "c"));
	show_stat("a after rename", "a");
	show_file("c", "c");
	T("rename b over c", rename("b", "c"));
	show_file("c replaced", "c");
	show_stat("b after rename", "b");
	T("rename c c", rename("c", "c"));
	T("rename missing", rename("nope", "x"));
	T("mkdir d1", mkdir("d1", 0755));
	T("mkdir d2", mkdir("d2", 0755));
	put("d2/f", "eff");
	T("rename dir over non-empty dir", rename("d1", "d2"));
	T("rename file over dir", rename("c", "d1"));
	T("rename dir over file", rename("d1", "c"));
	T("rename dir into itself", rename("d1", "d1/sub"));
	T("rename d1 d3", rename("d1", "d3"));
	T("rename across dirs", rename("d2/f", "d3/f"));
	show_file("d3/f", "d3/f");
	T("mkdir d4", mkdir("d4", 0755));
	T("rename dir over empty dir", rename("d3", "d4"));
	show_file("d4/f", "d4/f");
	T("rename to missing dir", rename("c", "nodir/c"));
	T("link c c2", link("c", "c2"));
	show_stat("c", "c");
	put("c2", "via c2");
	show_file("c via c2", "c");
	T("unlink c", unlink("c"));
	show_stat("c2", "c2");
	T("link dir", link("d4", "d5"));
	T("link missing", link("nope", "x"));
	T("link exists", link("c2", "d2"));
	fd = TFD("open c2", open("c2", O_RDWR));
	T("unlink open c2", unlink("c2"));
	T("write unlinked", write(fd, "!", 1));
	T("fstat unlinked", fstat(fd, &st));
	printf("unlinked: size %ld nlink %u\n", (long)st.st_size, (unsigned)st.st_nlink);
	T("close", close(fd));
	show_stat("c2 after", "c2");
}

static void dirs(void)
{
	char buf[PATH_MAX], base[PATH_MAX], *p;
	int fd;

	T("mkdir ls", mkdir("ls", 0755));
	put("ls/z", "");
	put("ls/a", "1");
	put("ls/m", "22");
	T("mkdir ls/sub", mkdir("ls/sub", 0755));
	show_dir("ls", "ls");
	DIR *d = opendir("ls");
	int n = 0, m = 0;
	while (readdir(d))
		n++;
	rewinddir(d);
	while (readdir(d))
		m++;
	printf("readdir twice: %d %d\n", n, m);
	T("closedir", closedir(d));
	PTR("opendir file", opendir("ls/a"));
	PTR("opendir missing", opendir("nope"));
	if (!getcwd(base, sizeof(base)))
		printf("getcwd failed: %s\n", ename(errno));
	printf("getcwd ends: %s\n", (p = strrchr(base, '/')) ? p : "?");
	T("chdir ls/sub", chdir("ls/sub"));
	printf("getcwd below: %s\n", getcwd(buf, sizeof(buf)) && !strncmp(buf, base, strlen(base)) ?
	       buf + strlen(base) : "?");
	T("chdir ../..", chdir("../.."));
	printf("getcwd back: %d\n", getcwd(buf, sizeof(buf)) && !strcmp(buf, base));
	PTR("getcwd small", getcwd(buf, 1));
	T("chdir file", chdir("ls/a"));
	T("chdir missing", chdir("nope"));
	printf("realpath: %s\n", realpath("ls/../ls/./sub//", buf) && !strncmp(buf, base, strlen(base)) ?
	       buf + strlen(base) : "?");
	printf("realpath file: %s\n", realpath("./ls/m", buf) && !strncmp(buf, base, strlen(base)) ?
	       buf + strlen(base) : "?");
	PTR("realpath missing", realpath("ls/nope", buf));
	/* The working directory removed under us: nothing can be made in it; fchdir leaves it. */
	fd = TFD("open . for fchdir", open(".", O_RDONLY | O_DIRECTORY));
	T("mkdir gone", mkdir("gone", 0755));
	T("chdir gone", chdir("gone"));
	T("rmdir ../gone", rmdir("../gone"));
	T("create in removed cwd", open("f", O_CREAT | O_WRONLY, 0644));
	PTR("getcwd removed", getcwd(buf, sizeof(buf)));
	T("fchdir back", fchdir(fd));
	T("close", close(fd));
	show_dir("ls before remove", "ls");
	T("remove ls/z", remove("ls/z"));
	T("remove ls/sub", remove("ls/sub"));
	T("remove ls (not empty)", remove("ls"));
	T("remove missing", remove("ls/nope"));
	show_dir("ls after remove", "ls");
}

static void locks(void)
{
	struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	int fd;

	put("lk", "locks");
	fd = TFD("open lk rdonly", open("lk", O_RDONLY));
	T("F_SETLK write lock on rdonly", fcntl(fd, F_SETLK, &l));
	l.l_type = F_RDLCK;
	T("F_SETLK read lock", fcntl(fd, F_SETLK, &l));
	T("F_SETLKW read lock", fcntl(fd, F_SETLKW, &l));
	l.l_type = F_WRLCK;
	T("F_GETLK", fcntl(fd, F_GETLK, &l));
	printf("F_GETLK type unlocked: %d\n", l.l_type == F_UNLCK);
	l.l_type = 99;
	T("F_SETLK bad type", fcntl(fd, F_SETLK, &l));
	l.l_type = F_RDLCK;
	l.l_whence = 99;
	T("F_SETLK bad whence", fcntl(fd, F_SETLK, &l));
	l.l_whence = SEEK_SET;
	l.l_start = -1;
	T("F_SETLK negative start", fcntl(fd, F_SETLK, &l));
	l.l_start = 0;
	l.l_type = F_UNLCK;
	T("F_SETLK unlock", fcntl(fd, F_SETLK, &l));
	T("close", close(fd));
}

static void stdio_temp(void)
{
	char buf[64], name[32] = "tmpXXXXXX";
	FILE *f;
	int fd;

	f = tmpfile();
	printf("tmpfile: %s\n", f ? "FILE" : "NULL");
	if (f) {
		fputs("temporary\n", f);
		rewind(f);
		printf("tmpfile reads: %s", fgets(buf, sizeof(buf), f) ? buf : "(nothing)\n");
		fclose(f);
	}
	fd = TFD("mkstemp", mkstemp(name));
	printf("mkstemp name changed: %d\n", strcmp(name, "tmpXXXXXX") != 0 && !strncmp(name, "tmp", 3));
	show_stat("mkstemp file", name);
	T("close", close(fd));
	T("unlink mkstemp file", unlink(name));
	f = fopen("s.txt", "w");
	printf("fopen w: %s\n", f ? "FILE" : "NULL");
	for (int i = 0; i < 100; i++)
		fprintf(f, "line %d\n", i);
	fclose(f);
	show_stat("s.txt", "s.txt");
	f = fopen("s.txt", "a");
	fputs("last\n", f);
	fclose(f);
	f = fopen("s.txt", "r");
	fseek(f, -5, SEEK_END);
	printf("ftell: %ld\n", ftell(f));
	printf("fgets tail: %s", fgets(buf, sizeof(buf), f) ? buf : "(nothing)\n");
	fseek(f, 7, SEEK_SET);
	printf("fgets at 7: %s", fgets(buf, sizeof(buf), f) ? buf : "(nothing)\n");
	fclose(f);
	PTR("fopen missing dir", fopen("nodir/x", "w"));
	PTR("fopen r missing", fopen("nope", "r"));
	T("remove s.txt", remove("s.txt"));
}

static void misc(void)
{
	struct timeval tv[2] = { { 1000000000, 0 }, { 1234567890, 500000 } };
	struct stat st;
	char buf[16];
	int fd;

	fd = TFD("creat", creat("cr", 0600));
	T("write creat", write(fd, "abc", 3));
	T("close", close(fd));
	fd = TFD("creat existing truncates", creat("cr", 0600));
	T("close", close(fd));
	show_stat("creat file", "cr");
	fd = TFD("open O_CLOEXEC", open("cr", O_RDONLY | O_CLOEXEC));
	T("F_GETFD cloexec", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	T("F_GETFL access mode", fcntl(fd, F_GETFL) & O_ACCMODE);
	T("close", close(fd));
	T("utimes", utimes("cr", tv));
	T("stat after utimes", stat("cr", &st));
	printf("mtime %ld atime %ld\n", (long)st.st_mtime, (long)st.st_atime);
	T("utimes missing", utimes("nope", tv));
	T("readlink file", readlink("cr", buf, sizeof(buf)));
	T("readlink missing", readlink("nope", buf, sizeof(buf)));
	T("unlink cr", unlink("cr"));
}

static void at_calls(void)
{
	struct stat st;
	int d1, d2, fd;

	T("mkdir at1", mkdir("at1", 0755));
	T("mkdir at2", mkdir("at2", 0755));
	d1 = TFD("open at1", open("at1", O_RDONLY | O_DIRECTORY));
	d2 = TFD("open at2", open("at2", O_RDONLY | O_DIRECTORY));
	fd = TFD("openat create", openat(d1, "f", O_CREAT | O_WRONLY, 0644));
	T("write", write(fd, "at", 2));
	T("close", close(fd));
	show_stat("at1/f", "at1/f");
	T("fstatat", fstatat(d1, "f", &st, 0));
	printf("fstatat size %ld\n", (long)st.st_size);
	T("fstatat AT_FDCWD", fstatat(AT_FDCWD, "at1/f", &st, 0));
	T("fstatat bad flag", fstatat(d1, "f", &st, 0x40000));
	T("mkdirat", mkdirat(d1, "sub", 0700));
	show_stat("at1/sub", "at1/sub");
	T("faccessat", faccessat(d1, "f", R_OK, 0));
	T("fchmodat", fchmodat(d1, "f", 0600, 0));
	show_stat("at1/f after fchmodat", "at1/f");
	T("renameat across dirfds", renameat(d1, "f", d2, "g"));
	show_stat("at2/g", "at2/g");
	T("unlinkat file", unlinkat(d2, "g", 0));
	T("unlinkat dir without AT_REMOVEDIR", unlinkat(d1, "sub", 0));
	T("unlinkat AT_REMOVEDIR", unlinkat(d1, "sub", AT_REMOVEDIR));
	T("openat bad dirfd", openat(99, "f", O_RDONLY));
	T("openat absolute ignores dirfd", openat(99, "/", O_RDONLY | O_DIRECTORY) >= 0);
	fd = TFD("open file for dirfd", open("lk", O_RDONLY));
	T("openat file dirfd", openat(fd, "x", O_RDONLY));
	T("close", close(fd));
	T("close", close(d1));
	T("close", close(d2));
	T("rmdir at1", rmdir("at1"));
	T("rmdir at2", rmdir("at2"));
}

int main(void)
{
	umask(022);
	T("mkdir pf", mkdir("pf", 0755));
	T("mkdir pf again", mkdir("pf", 0755));
	T("chdir pf", chdir("pf"));
	basics();
	paths();
	renames_links();
	dirs();
	locks();
	stdio_temp();
	misc();
	at_calls();
	show_dir("pf at the end", ".");
	printf("done: posix_files\n");
	return 0;
}
