/* heap_wall.c - hostile: touching every heap page works; the page at heap_end (the guard gap) must end the VM. */
#include "hostile.h"

int main(int argc, char **argv)
{
	const struct pv_start_info *si = pv_start_info();
	uint64_t va;

	(void)argc, (void)argv;
	for (va = si->heap_start; va < si->heap_end; va += PV_PAGE_SIZE)
		*(volatile uint8_t *)va = 1;
	h_say("heap_wall: whole heap touched; now past heap_end\n");
	for (; va < si->stack_limit; va += PV_PAGE_SIZE)
		*(volatile uint8_t *)va = 1;
	h_survived("heap_wall");
}
