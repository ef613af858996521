/* hello.c - the newlib sample service: printf of a string, an integer and a double, malloc and free, exit 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "guest.h"

int main(int argc, char **argv)
{
	double ratio = 22.0 / 7.0;
	char *greeting = malloc(64);

	if (greeting == NULL) {
		fprintf(stderr, "hello: malloc failed\n");
		return 1;
	}
	strcpy(greeting, "hello from a pvisa guest");
	printf("%s: %s (vm %u, %d args), pi ~ %.5f\n", argv[0], greeting, (unsigned)guest_vm_id(), argc, ratio);
	free(greeting);
	return 0;
}
