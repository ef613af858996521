/* lg.h - the load generator's shared state: options, the stream-socket wire, the request table and the statistics. */
#ifndef LG_H
#define LG_H

#include <stddef.h>
#include <stdint.h>

#define LG_FRAME_MAX 1514
#define LG_OUT_MAX   (4u << 20)     /* bytes queued towards QEMU before sends count as drops */

enum lg_mode { LG_UDP, LG_HTTP };
enum lg_slot_state { SL_FREE, SL_PENDING, SL_DONE };

/* One request in flight (ring indexed by seq & mask). */
struct lg_slot {
	uint64_t seq, sent_ns;
	uint32_t vm;
	uint8_t state, warm;        /* warm: a readiness probe, not part of the measurement */
	void *conn;                 /* HTTP: the connection carrying it */
};

struct lg {
	/* options */
	enum lg_mode mode;
	uint32_t nvms, net_ip, net_bits, gw;
	double zipf, rate, duration_s;
	uint32_t conc, size, timeout_ms, wait_s;
	uint16_t port;                      /* the VMs' service port: 7 (UDP echo), 80 (HTTP) */
	uint64_t max_requests;
	int bounce, quiet;
	const char *sock_path, *json, *run_cmd, *http_path;
	/* wire */
	int fd;
	uint8_t mac[6];
	uint8_t *in, *out;
	size_t inlen, outlen;
	int eof;
	/* requests */
	struct lg_slot *ring;
	uint64_t mask, next_seq, tail, outstanding, inflight;   /* inflight: measured ones only */
	/* statistics (main phase unless named otherwise) */
	uint64_t requests, responses, errors, timeouts, drops, late, wrong_payload;
	uint64_t rx_frames, tx_frames, rx_ignored, arp_replies;
	uint32_t *vm_resp, *vm_ready;       /* per VM: main-phase responses; answered at all (0/1) */
	uint32_t *lat_us;
	size_t nlat, caplat;
	uint32_t nready, nready_warm;
	uint64_t t_start, t_main, t_stop, t_last;   /* start, measurement start, end of sending, last answer */
	int warm;                           /* in the readiness phase */
};

extern struct lg G;

/* lg_wire.c */
uint64_t lg_now(void);
void lg_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
int lg_connect(const char *path, double wait_s, int (*alive)(void));
int lg_send_frame(const void *frame, size_t len);    /* 0, or -1 if the output is backed up (a drop) */
void lg_flush(void);
void lg_read(void (*fn)(const uint8_t *frame, size_t len));
uint16_t lg_csum(const void *p, size_t n, uint32_t sum);
void lg_vm_mac(uint32_t vm, uint8_t mac[6]);
uint32_t lg_vm_ip(uint32_t vm);
int lg_ip_vm(uint32_t ip, uint32_t *vm);             /* 1 if ip is a VM's address */
void lg_arp_reply(const uint8_t *req);
void lg_put_ipv4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, size_t payload_len);

/* loadgen.c: the request table */
enum { LG_FAIL = -1, LG_WRONG = 0, LG_OK = 1 };
void lg_complete(struct lg_slot *sl, int res);

/* lg_http.c */
void http_init(void);
int http_issue(struct lg_slot *sl);
void http_frame(uint32_t vm, const uint8_t *frame, size_t len);
int http_has_stack(uint32_t vm);
void http_timeout(struct lg_slot *sl);
void http_timers(uint64_t now);

#endif
