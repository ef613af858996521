/* pvnote.c - the PVISA ABI note every guest image carries: name "PVISA", type PV_NOTE_ABI, desc = uint32 ABI version. */
#include "pvisa.h"

#ifndef PV_NOTE_VERSION
#define PV_NOTE_VERSION PV_ABI_VERSION   /* the hostile tests rebuild this file with another value */
#endif

/* An ELF note: three 4-byte words, then the name and the descriptor, each padded to 4 bytes. */
struct pv_note {
	uint32_t namesz, descsz, type;
	char name[8];
	uint32_t desc;
};
_Static_assert(sizeof(struct pv_note) == 24, "note layout");

__attribute__((section(".note.pvisa"), aligned(4), used))
static const struct pv_note pv_abi_note = {
	sizeof(PV_NOTE_NAME), sizeof(uint32_t), PV_NOTE_ABI, PV_NOTE_NAME, PV_NOTE_VERSION
};
