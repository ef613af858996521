/* test_isoctl_opts.c - isoctl's command line: commands, options anywhere, numbers, required options, usage errors. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "opts.h"

static struct opts o;
static char err[512];

/* Parse a NULL-terminated list of words after "isoctl". */
static int parse(const char *first, ...)
{
	char *argv[32] = { "isoctl" };
	int argc = 1;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return opts_parse(argc, argv, &o, err, sizeof(err));
}

static void clean_env(void)
{
	unsetenv("ISOD_SOCKET");
	unsetenv("ISOCTL_KEYS");
	unsetenv("ISOCTL_TENANT");
	setenv("HOME", "/home/u", 1);
}

static void test_tenant_add(void)
{
	clean_env();
	CU_ASSERT_EQUAL(parse("--socket", "/s", "--json", "tenant", "add", "alice", "--pubkey", "a.pub", "--max-vms",
			      "20000", "--max-mem", "512MiB", "--cpu-share", "3", NULL), 0);
	CU_ASSERT_STRING_EQUAL(o.cmd->name, "tenant");
	CU_ASSERT_STRING_EQUAL(o.cmd->sub, "add");
	CU_ASSERT_STRING_EQUAL(o.pos[0], "alice");
	CU_ASSERT_STRING_EQUAL(o.pubkey, "a.pub");
	CU_ASSERT_EQUAL(o.max_vms, 20000);
	CU_ASSERT_EQUAL(o.max_mem_kib, 512 * 1024);
	CU_ASSERT_EQUAL(o.cpu_share, 3);
	CU_ASSERT_STRING_EQUAL(o.socket, "/s");
	CU_ASSERT_STRING_EQUAL(o.socket_origin, "--socket");
	CU_ASSERT_EQUAL(o.json, 1);
	CU_ASSERT_FALSE(o.given & O_ID);
	CU_ASSERT_STRING_EQUAL(o.keys, "/home/u/.config/isoctl");
}

static void test_required(void)
{
	clean_env();
	CU_ASSERT_EQUAL(parse("tenant", "add", "alice", "--pubkey", "a.pub", "--max-vms", "1", "--cpu-share", "1",
			      NULL), ISOCTL_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--max-mem"));
	CU_ASSERT_EQUAL(parse("tenant", "add", "--pubkey", "a.pub", NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse("tenant", NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse("tenant", "frob", "x", NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse(NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse("frob", NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse("scale", "web", NULL), ISOCTL_USAGE);
}

static void test_tenant_commands(void)
{
	clean_env();
	CU_ASSERT_EQUAL(parse("push", "web.elf", "--count", "5", NULL), ISOCTL_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--tenant"));
	CU_ASSERT_EQUAL(parse("--tenant", "alice", "push", "web.elf", "--name", "web", "--count", "500", "--args",
			      "80", "--quota", "256", NULL), 0);
	CU_ASSERT_STRING_EQUAL(o.tenant, "alice");
	CU_ASSERT_STRING_EQUAL(o.name, "web");
	CU_ASSERT_EQUAL(o.count, 500);
	CU_ASSERT_STRING_EQUAL(o.args, "80");
	CU_ASSERT_EQUAL(o.quota_kib, 256);
	CU_ASSERT_EQUAL(parse("--tenant", "alice", "push", "web.elf", NULL), 0);
	CU_ASSERT_EQUAL(o.count, 1);
	setenv("ISOCTL_TENANT", "bob", 1);
	CU_ASSERT_EQUAL(parse("logs", "web", "-f", "--tail", "20", NULL), 0);
	CU_ASSERT_STRING_EQUAL(o.tenant, "bob");
	CU_ASSERT_EQUAL(o.follow, 1);
	CU_ASSERT_EQUAL(o.tail, 20);
	CU_ASSERT_EQUAL(parse("scale", "web", "2000", "--json", NULL), 0);
	CU_ASSERT_STRING_EQUAL(o.pos[1], "2000");
	CU_ASSERT_EQUAL(o.json, 1);
	CU_ASSERT_EQUAL(parse("--tenant", "Bad!", "ps", NULL), ISOCTL_USAGE);
	clean_env();
}

static void test_bad_options(void)
{
	clean_env();
	/* An option the command does not take, a value out of range, a missing value, an extra argument. */
	CU_ASSERT_EQUAL(parse("--tenant", "a", "ps", "--count", "3", NULL), ISOCTL_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "does not take --count"));
	CU_ASSERT_EQUAL(parse("--tenant", "a", "push", "w.elf", "--quota", "4", NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse("--tenant", "a", "push", "w.elf", "--quota", "4096", NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse("--tenant", "a", "push", "w.elf", "--count", "-1", NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse("--tenant", "a", "push", "w.elf", "--count", "4294967296", NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse("--tenant", "a", "push", "w.elf", "--count", NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse("tenant", "set", "a", "--cpu-share", "0", NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse("tenant", "set", "a", "--cpu-share", "1001", NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse("tenant", "add", "a", "--pubkey", "p", "--max-vms", "1", "--max-mem", "1MiB",
			      "--cpu-share", "1", "--id", "255", NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse("--tenant", "a", "stop", "web", "extra", NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse("--socket", NULL), ISOCTL_USAGE);
	CU_ASSERT_EQUAL(parse("--bogus", "tenant", "ls", NULL), ISOCTL_USAGE);
}

static void test_help_and_env(void)
{
	clean_env();
	CU_ASSERT_EQUAL(parse("--help", NULL), 0);
	CU_ASSERT_TRUE(o.help);
	CU_ASSERT_PTR_NULL(o.cmd);
	CU_ASSERT_EQUAL(parse("push", "--help", NULL), 0);
	CU_ASSERT_TRUE(o.help);
	CU_ASSERT_STRING_EQUAL(o.cmd->name, "push");
	CU_ASSERT_EQUAL(parse("tenant", "set", "--help", NULL), 0);
	CU_ASSERT_STRING_EQUAL(o.cmd->sub, "set");
	setenv("ISOD_SOCKET", "/run/isod.sock", 1);
	setenv("ISOCTL_KEYS", "/k", 1);
	CU_ASSERT_EQUAL(parse("tenant", "ls", NULL), 0);
	CU_ASSERT_STRING_EQUAL(o.socket, "/run/isod.sock");
	CU_ASSERT_STRING_EQUAL(o.socket_origin, "$ISOD_SOCKET");
	CU_ASSERT_STRING_EQUAL(o.keys, "/k");
	clean_env();
	CU_ASSERT_EQUAL(parse("tenant", "ls", NULL), 0);
	CU_ASSERT_STRING_EQUAL(o.socket, "./state/isod.sock");
	CU_ASSERT_EQUAL(parse("keygen", "--keys", "/tmp/k", "alice", NULL), 0);
	CU_ASSERT_STRING_EQUAL(o.keys, "/tmp/k");
	CU_ASSERT_STRING_EQUAL(o.pos[0], "alice");
}

int unit_suite_isoctl_opts(void)
{
	CU_pSuite s = CU_add_suite("isoctl_opts", NULL, NULL);

	if (!s)
		return -1;
	CU_add_test(s, "tenant add: every option, globals first", test_tenant_add);
	CU_add_test(s, "missing arguments and required options", test_required);
	CU_add_test(s, "tenant commands need --tenant", test_tenant_commands);
	CU_add_test(s, "bad options and values are usage errors", test_bad_options);
	CU_add_test(s, "--help and the environment's defaults", test_help_and_env);
	return 0;
}
