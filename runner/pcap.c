/* pcap.c - isorun --pcap: reads the kernel's capture port (pvisa/runlog.h "Packet capture") and writes its frames to a pcap file with libpcap. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "isorun.h"
#include "runlog.h"

#define REC_MAX (sizeof(struct rl_cap_hdr) + 65535)

struct pcapw {
	pcap_t *dead;
	pcap_dumper_t *out;
	unsigned char *buf;            /* a record being assembled */
	size_t have;
	unsigned long long frames, filtered, kernel_frames, kernel_drops;
	int ended, broken;
};

/* --pcap-vm ID (repeatable): a VM id below 2^32 - 1, at most RL_CAP_MAX_IDS of them. */
void pcapw_add_vm(struct opts *o, const char *arg)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (!*arg || *end || errno || arg[0] == '-' || v >= RL_CAP_OUTSIDE)
		input_error("--pcap-vm: expected a VM id (0..%u), got '%s'", RL_CAP_OUTSIDE - 1, arg);
	if (o->npcap_vms == RL_CAP_MAX_IDS)
		input_error("--pcap-vm: at most %d ids", RL_CAP_MAX_IDS);
	o->pcap_vms[o->npcap_vms++] = (uint32_t)v;
}

void pcapw_check_opts(const struct opts *o)
{
	if (o->npcap_vms && !o->pcap)
		input_error("--pcap-vm needs --pcap FILE");
	if (o->pcap && o->no_console)
		input_error("--pcap needs the console (the capture comes through its port): not with --no-console");
	if (o->pcap && o->replay)
		input_error("--pcap and --replay are exclusive (a replay has no frames)");
}

size_t pcapw_kernel_words(const struct opts *o, char *buf, size_t n)
{
	size_t len = 0;

	if (!o->pcap)
		return 0;
	if (!o->npcap_vms)
		return (size_t)snprintf(buf, n, " capture=all");
	for (size_t i = 0; i < o->npcap_vms && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, " capture=%u", (unsigned)o->pcap_vms[i]);
	return len;
}

void pcapw_open(struct run *run)
{
	struct pcapw *w;

	if (!run->o.pcap)
		return;
	w = xmalloc(sizeof *w);
	memset(w, 0, sizeof *w);
	w->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	if (!w->dead)
		die("--pcap: libpcap: cannot make a handle");
	w->out = pcap_dump_open(w->dead, run->o.pcap);
	if (!w->out)
		input_error("--pcap %s: %s", run->o.pcap, pcap_geterr(w->dead));
	w->buf = xmalloc(REC_MAX);
	run->pcap = w;
}

/* Is a frame between src and dst one --pcap-vm asked for (the kernel filters too: this is the host's own check)? */
static int wanted(const struct opts *o, uint32_t src, uint32_t dst)
{
	if (!o->npcap_vms)
		return 1;
	for (size_t i = 0; i < o->npcap_vms; i++)
		if (o->pcap_vms[i] == src || o->pcap_vms[i] == dst)
			return 1;
	return 0;
}

static void write_frame(struct run *run, const struct rl_cap_hdr *h, const unsigned char *f)
{
	struct pcapw *w = run->pcap;
	struct pcap_pkthdr ph;

	if (h->len < 14 || !wanted(&run->o, h->src, h->dst)) {
		w->filtered++;
		return;
	}
	ph.ts.tv_sec = (time_t)(h->wall_ns / 1000000000u);
	ph.ts.tv_usec = (suseconds_t)(h->wall_ns % 1000000000u);   /* nanoseconds: the file says so in its magic */
	ph.caplen = ph.len = h->len;
	pcap_dump((unsigned char *)w->out, &ph, f);
	w->frames++;
}

/* One whole record. */
static void record(struct run *run, const struct rl_cap_hdr *h, const unsigned char *body)
{
	struct pcapw *w = run->pcap;
	struct rl_cap_end e;

	if (h->kind == RL_CAP_FRAME) {
		write_frame(run, h, body);
	} else if (h->kind == RL_CAP_END && h->len == sizeof e) {
		memcpy(&e, body, sizeof e);
		w->kernel_frames = e.frames;
		w->kernel_drops = e.drops;
		w->ended = 1;
	} else {
		w->broken = 1;
	}
}

/* Bytes of the capture stream: records assembled and written; a bad header ends the capture (said at the end). */
void pcapw_feed(struct run *run, const unsigned char *p, size_t n)
{
	struct pcapw *w = run->pcap;
	const size_t hs = sizeof(struct rl_cap_hdr);
	struct rl_cap_hdr h;

	while (w && n && !w->broken) {
		size_t need = hs;
		if (w->have >= hs) {
			memcpy(&h, w->buf, hs);
			need = hs + h.len;
		}
		size_t take = need - w->have < n ? need - w->have : n;
		memcpy(w->buf + w->have, p, take);
		w->have += take;
		p += take;
		n -= take;
		if (w->have == hs) {
			memcpy(&h, w->buf, hs);
			if (h.magic != RL_CAP_MAGIC || (h.kind != RL_CAP_FRAME && h.kind != RL_CAP_END))
				w->broken = 1;
		}
		if (w->have >= hs && !w->broken) {
			memcpy(&h, w->buf, hs);
			if (w->have == hs + h.len) {
				record(run, &h, w->buf + hs);
				w->have = 0;
			}
		}
	}
}

void pcapw_relaunch(struct run *run)
{
	if (!run->pcap)
		return;
	run->pcap->have = 0;
	run->pcap->broken = run->pcap->ended = 0;
}

void pcapw_close(struct run *run)
{
	struct pcapw *w = run->pcap;

	if (!w)
		return;
	if (pcap_dump_flush(w->out) != 0)
		warnx("--pcap %s: write failed", run->o.pcap);
	pcap_dump_close(w->out);
	pcap_close(w->dead);
	if (w->broken)
		warnx("--pcap %s: the capture stream was malformed; frames after that point are missing", run->o.pcap);
	if (w->ended)
		fprintf(stderr, "isorun: pcap %s: %llu frames written; the kernel sent %llu and lost %llu (capture port full)\n",
			run->o.pcap, w->frames, w->kernel_frames, w->kernel_drops);
	else
		fprintf(stderr, "isorun: pcap %s: %llu frames written; the kernel sent no end record (frames lost: unknown)\n",
			run->o.pcap, w->frames);
	char kv[160];
	snprintf(kv, sizeof kv, " frames_written=%llu kernel_frames=%llu kernel_lost=%llu ended=%d malformed=%d", w->frames,
		 w->kernel_frames, w->kernel_drops, w->ended, w->broken);
	kv_free(&run->r.pcap);
	kv_parse(kv, &run->r.pcap);
	free(w->buf);
	free(w);
	run->pcap = NULL;
}
