/* argenv.c - prints what the host gave: argv (each word bracketed), the environment, getenv(argv[1]) and stdin (tests/system/test_env.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv)
{
	char buf[512];
	size_t n, total = 0;
	unsigned long sum = 0;

	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("arg%d=[%s]\n", i, argv[i]);
	for (char **e = environ; e && *e; e++)
		printf("env=[%s]\n", *e);
	if (argc > 1 && getenv(argv[1]))
		printf("getenv(%s)=[%s]\n", argv[1], getenv(argv[1]));
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
		if (total == 0)
			printf("stdin-head=[%.*s]\n", (int)(n < 40 ? n : 40), buf);
		for (size_t i = 0; i < n; i++)
			sum = sum * 31 + (unsigned char)buf[i];
		total += n;
	}
	printf("stdin-bytes=%zu sum=%lu eof=%d\n", total, sum, feof(stdin) != 0);
	return 0;
}
