/* gdbtarget.c - a guest for tests/system/test_gdb.sh: gdb stops in its main and reads secret (built there with -g -O0). */
#include <stdio.h>

volatile int secret = 0x5eed;

int main(int argc, char **argv)
{
	int local = argc * 1000 + secret % 7;

	printf("gdbtarget: %s local=%d\n", argv[0], local);
	return 0;
}
