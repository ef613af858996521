/* pcapfuzz.c - isorun's capture-stream reader (runner/pcap.c) against arbitrary bytes: no crash, and the pcap file it writes reads back with exactly the frames it says it wrote. */
/*
 * An input: byte 0 picks the chunk sizes (the stream arrives from a socket in pieces of any size), byte 1 bit 0 a
 * --pcap-vm filter of VM 1; the rest is the stream (pvisa/runlog.h "Packet capture"), half the time given a valid
 * record header at the start so the fuzzer gets past the magic. Checked after each: libpcap reads the file back
 * with as many packets as frames_written, each as long as a frame. Built with libFuzzer when clang is there
 * (PCAPFUZZ_LIBFUZZER), else main() below feeds PCAPFUZZ_RUNS random inputs.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "isorun.h"
#include "runlog.h"

#define CHECK(c, ...) do { if (!(c)) { fprintf(stderr, "pcapfuzz: FAIL: " __VA_ARGS__); fputc('\n', stderr); abort(); } } while (0)

static char path[512];

/* Frames in the pcap file at path, each 14..65535 bytes with caplen == len. */
static unsigned long long read_back(void)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned long long n = 0;
	pcap_t *p = pcap_open_offline(path, err);

	CHECK(p, "the file does not read back: %s", err);
	while (pcap_next_ex(p, &h, &d) == 1) {
		CHECK(h->caplen == h->len && h->len >= 14, "packet %llu: caplen %u len %u", n, h->caplen, h->len);
		n++;
	}
	pcap_close(p);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run run;
	struct rl_cap_hdr h = { .magic = RL_CAP_MAGIC, .kind = RL_CAP_FRAME, .len = 60, .src = 1, .dst = 2 };
	unsigned long long written;
	size_t chunk, off = 2;

	if (!path[0])
		snprintf(path, sizeof path, "%s/pcapfuzz.%d.pcap", getenv("PCAPFUZZ_DIR") ? getenv("PCAPFUZZ_DIR") : "/tmp",
			 (int)getpid());
	if (size < 2)
		return 0;
	memset(&run, 0, sizeof run);
	run.o.pcap = path;
	if (data[1] & 1)
		pcapw_add_vm(&run.o, "1");
	pcapw_open(&run);
	chunk = 1 + data[0] % 97;
	if (data[1] & 2)
		pcapw_feed(&run, (const unsigned char *)&h, sizeof h);   /* a valid header; the input is its body on */
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		pcapw_feed(&run, data + off, n);
		off += n;
		chunk = 1 + (chunk * 31 + 7) % 4096;
	}
	pcapw_close(&run);
	CHECK(run.pcap == NULL, "the writer was not released");
	const char *fw = kv_get(&run.r.pcap, "frames_written");
	CHECK(fw, "no frames_written in the result");
	written = strtoull(fw, NULL, 10);
	CHECK(read_back() == written, "the file holds other than the %llu frames written", written);
	kv_free(&run.r.pcap);
	unlink(path);
	return 0;
}

#ifndef PCAPFUZZ_LIBFUZZER
/* Without libFuzzer: PCAPFUZZ_RUNS random inputs (default 5000) from PCAPFUZZ_SEED, with valid headers spliced in. */
int main(void)
{
	static uint8_t in[1 << 14];
	const char *r = getenv("PCAPFUZZ_RUNS"), *s = getenv("PCAPFUZZ_SEED");
	unsigned long runs = r ? strtoul(r, NULL, 0) : 5000, seed = s ? strtoul(s, NULL, 0) : 1;

	printf("pcapfuzz: %lu runs, seed %#lx\n", runs, seed);
	srand((unsigned)seed);
	for (unsigned long k = 0; k < runs; k++) {
		size_t n = (size_t)rand() % sizeof(in);
		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)rand();
		for (size_t i = 2; i + sizeof(struct rl_cap_hdr) < n && rand() % 2; i += (size_t)rand() % 2000) {
			struct rl_cap_hdr h = { .magic = RL_CAP_MAGIC, .kind = (uint16_t)(1 + rand() % 2),
						.len = (uint16_t)(rand() % 1600), .src = (uint32_t)(rand() % 4),
						.dst = (uint32_t)(rand() % 4) };
			memcpy(in + i, &h, sizeof h);
		}
		LLVMFuzzerTestOneInput(in, n);
	}
	printf("pcapfuzz: ok\n");
	return 0;
}
#endif
