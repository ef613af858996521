/* pcap.c - isorun --pcap FILE: QEMU's filter-dump on the NIC's netdev writes every frame that crosses the NIC, both ways, as a pcap file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isorun.h"

static void add_qemu_arg(struct opts *o, const char *arg)
{
	o->qemu_args = xrealloc(o->qemu_args, (o->nqemu_args + 1) * sizeof *o->qemu_args);
	o->qemu_args[o->nqemu_args++] = xstrdup(arg);
}

/* -object filter-dump,id=isopcap,netdev=n0,file=FILE (n0: qemu.c's NIC netdev). Needs a NIC; FILE without ','. */
void pcap_qemu_args(struct opts *o)
{
	char *obj;

	if (!o->pcap)
		return;
	if (!o->net_socket && !o->tap)
		input_error("--pcap needs a NIC (--net-socket or --tap): it records what crosses the NIC");
	if (!*o->pcap || strchr(o->pcap, ',') || strlen(o->pcap) > 1024)
		input_error("--pcap: the path must be 1..1024 bytes without ','");
	obj = xmalloc(strlen(o->pcap) + 64);
	sprintf(obj, "filter-dump,id=isopcap,netdev=n0,file=%s", o->pcap);
	add_qemu_arg(o, "-object");
	add_qemu_arg(o, obj);
	free(obj);
}
