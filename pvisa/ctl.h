/* ctl.h - the control protocol between the host and a running kernel (the virtio console's control port), defined once. */
#ifndef PVISA_CTL_H
#define PVISA_CTL_H

/*
 * A byte stream in each direction carries messages: a fixed 24-byte little-endian header, then `len`
 * payload bytes laid out as the op's struct below (pvisa/CTL.md is the prose specification).
 *
 *   request  (host -> kernel): magic, version, op,             id != 0, status 0, flags 0, len, reserved 0
 *   reply    (kernel -> host): magic, version, op | CTL_REPLY, the request's id, status, flags, len, 0
 *
 * The kernel handles one request at a time, in order, and answers each with one reply, or with several
 * (flags CTL_F_MORE on every one but the last: SAVE streams a VM's state that way). A reply with a nonzero
 * status carries a reason (text, no NUL, at most CTL_WHY_MAX bytes) as its payload, except CREATE's, which
 * carry struct ctl_create_rep first and the reason after it. A header the kernel cannot frame (bad magic,
 * length over CTL_MSG_MAX) is answered with id 0 and the kernel skips bytes until the next magic.
 */

#include <stdint.h>
#include <stddef.h>

#define CTL_MAGIC       0x4c54434bu     /* the bytes 'K' 'C' 'T' 'L' */
#define CTL_VERSION     1
#define CTL_MSG_MAX     65536u          /* header + payload, either direction */
#define CTL_REPLY       0x8000u         /* op bit of a reply */
#define CTL_F_MORE      0x0001u         /* reply flag: more replies to this request follow */
#define CTL_WHY_MAX     200u            /* bytes of reason text in an error reply */
#define CTL_NAME_MAX    32u             /* image names: NUL-terminated, [A-Za-z0-9._-], 1..31 bytes */
#define CTL_ARGS_MAX    256u            /* guest arguments: NUL-terminated, printable ASCII, < 256 bytes */
#define CTL_BLOB_MAX    (4u << 20)      /* largest upload (an image file, a VM's saved state) */
#define CTL_LIST_END    0xffffffffu     /* LIST/IMAGES next: nothing follows */

struct ctl_hdr {
	uint32_t magic;                 /* CTL_MAGIC */
	uint16_t version;               /* CTL_VERSION */
	uint16_t op;                    /* CTL_OP_*, | CTL_REPLY in replies */
	uint32_t id;                    /* request id, chosen by the host, never 0; replies echo it */
	uint16_t status;                /* CTL_OK or CTL_E_* (0 in requests) */
	uint16_t flags;                 /* CTL_F_* (0 in requests) */
	uint32_t len;                   /* payload bytes after the header: <= CTL_MSG_MAX - 24 */
	uint32_t reserved;              /* 0 */
};
_Static_assert(sizeof(struct ctl_hdr) == 24, "ctl_hdr layout");
_Static_assert(offsetof(struct ctl_hdr, op) == 6 && offsetof(struct ctl_hdr, id) == 8, "ctl_hdr layout");
_Static_assert(offsetof(struct ctl_hdr, status) == 12 && offsetof(struct ctl_hdr, len) == 16, "ctl_hdr layout");
#define CTL_PAYLOAD_MAX (CTL_MSG_MAX - (uint32_t)sizeof(struct ctl_hdr))

/* Statuses. Every one but CTL_OK comes with a counter in the kernel (STATS: ctl_errors). */
#define CTL_STATUSES(X) \
	X(OK,          0,  "ok") \
	X(E_MAGIC,     1,  "bad magic (the kernel skipped to the next magic)") \
	X(E_VERSION,   2,  "unsupported protocol version") \
	X(E_TOOBIG,    3,  "message longer than CTL_MSG_MAX") \
	X(E_HDR,       4,  "bad header field (status, flags, reserved or the reply bit set in a request)") \
	X(E_OP,        5,  "unknown op") \
	X(E_ID,        6,  "bad request id (0)") \
	X(E_LEN,       7,  "payload length wrong for the op") \
	X(E_ARG,       8,  "a payload field out of range") \
	X(E_STATE,     9,  "not now: no upload of that kind complete, or a chunk out of order") \
	X(E_NOENT,     10, "no such VM or image") \
	X(E_NOMEM,     11, "kernel memory short") \
	X(E_LIMIT,     12, "a table is full (MAX_VMS, images)") \
	X(E_IMAGE,     13, "image refused (the reason says why, as at boot)") \
	X(E_UNSUPP,    14, "this kernel cannot do that (SAVE/RESTORE without VM state support)") \
	X(E_BUSY,      15, "an upload is already in progress") \
	X(E_VMSTATE,   16, "saved VM state refused (the reason says why)") \
	X(E_AUTH,      17, "not signed, unknown tenant, bad signature, or the signer may not do that") \
	X(E_REPLAY,    18, "counter not above the signer's last accepted one (a replayed or reordered request)") \
	X(E_QUOTA,     19, "over the tenant's quota (VMs, memory or image size): nothing was done") \
	X(E_EXIST,     20, "already exists (a tenant id or name, a service with another image or arguments)")
#define CTL_S_ENUM(name, num, text) CTL_##name = num,
enum { CTL_STATUSES(CTL_S_ENUM) CTL_NSTATUS };

/* Ops: name, number, request payload (struct or "none"), reply payload. */
#define CTL_OPS(X) \
	X(HELLO,    1,  "none",                       "ctl_hello_rep") \
	X(UPLOAD,   2,  "ctl_upload_req",             "ctl_upload_rep") \
	X(CHUNK,    3,  "ctl_chunk_req + bytes",      "ctl_upload_rep") \
	X(ABORT,    4,  "none",                       "none") \
	X(LOAD,     5,  "none",                       "ctl_image") \
	X(IMAGES,   6,  "ctl_page_req",               "ctl_page_rep + ctl_image[count]") \
	X(CREATE,   7,  "ctl_create_req",             "ctl_create_rep") \
	X(DESTROY,  8,  "ctl_vm_req",                 "none") \
	X(LIST,     9,  "ctl_page_req",               "ctl_page_rep + ctl_vm[count]") \
	X(STATS,    10, "none",                       "ctl_stats") \
	X(SAVE,     11, "ctl_vm_req",                 "ctl_chunk_req + bytes (CTL_F_MORE), then ctl_upload_rep") \
	X(RESTORE,  12, "none",                       "ctl_vm_req") \
	X(STOP,     13, "none",                       "none") \
	X(T_ADD,    14, "ctl_tenant_req + ctl_auth",  "none") \
	X(T_SET,    15, "ctl_tenant_req + ctl_auth",  "none") \
	X(T_DEL,    16, "ctl_tenant_ref + ctl_auth",  "ctl_svc_rep (VMs ended)") \
	X(T_LOAD,   17, "ctl_tload_req + ctl_auth",   "ctl_image") \
	X(SVC_SET,  18, "ctl_svc_req + ctl_auth",     "ctl_svc_rep") \
	X(SVC_DEL,  19, "ctl_svc_ref + ctl_auth",     "ctl_svc_rep") \
	X(SVCS,     20, "ctl_page_req + ctl_auth",    "ctl_page_rep + ctl_svc[count]") \
	X(T_LIST,   21, "ctl_page_req + ctl_auth",    "ctl_page_rep + ctl_vm[count]") \
	X(T_DESTROY,22, "ctl_vm_req + ctl_auth",      "none") \
	X(T_SAVE,   23, "ctl_vm_req + ctl_auth",      "as SAVE") \
	X(TENANTS,  24, "ctl_page_req",               "ctl_page_rep + ctl_tenant_info[count]") \
	X(FORK,     25, "ctl_fork_req",               "ctl_fork_rep") \
	X(T_FORK,   26, "ctl_fork_req + ctl_auth",    "ctl_fork_rep")
#define CTL_O_ENUM(name, num, req, rep) CTL_OP_##name = num,
enum { CTL_OPS(CTL_O_ENUM) CTL_NOPS };

/* HELLO reply: what this kernel speaks. */
struct ctl_hello_rep {
	uint32_t version;               /* CTL_VERSION */
	uint32_t abi;                   /* PV_ABI_VERSION: images must carry it */
	uint32_t msg_max;               /* CTL_MSG_MAX */
	uint32_t blob_max;              /* CTL_BLOB_MAX */
	uint32_t max_vms;               /* the kernel's MAX_VMS */
	uint32_t features;              /* CTL_FEAT_* */
};
#define CTL_FEAT_SERVE   1u             /* started with serve=1: the run outlives its last VM */
#define CTL_FEAT_VMSTATE 2u             /* SAVE and RESTORE work */
#define CTL_FEAT_TENANTS 4u             /* started with an operator key (opkey=): tenant mode, signed ops only */
_Static_assert(sizeof(struct ctl_hello_rep) == 24, "ctl_hello_rep layout");

/* UPLOAD: start sending size bytes of kind, in CHUNKs, then LOAD (an image) or RESTORE (a VM state). One
 * upload at a time (CTL_E_BUSY); ABORT drops it. */
struct ctl_upload_req {
	uint64_t size;                  /* 1..CTL_BLOB_MAX */
	uint32_t kind;                  /* CTL_BLOB_IMAGE or CTL_BLOB_VMSTATE */
	uint32_t reserved;              /* 0 */
	char name[CTL_NAME_MAX];        /* the image's name (an image); all zero (a VM state) */
};
#define CTL_BLOB_IMAGE   1u
#define CTL_BLOB_VMSTATE 2u
_Static_assert(sizeof(struct ctl_upload_req) == 48 && offsetof(struct ctl_upload_req, name) == 16, "upload layout");

/* CHUNK: the next bytes of the upload, in order (offset = bytes sent so far), 1..CTL_PAYLOAD_MAX - 8 of them. */
struct ctl_chunk_req {
	uint64_t offset;
	/* uint8_t data[] follows */
};
_Static_assert(sizeof(struct ctl_chunk_req) == 8, "chunk layout");
#define CTL_CHUNK_MAX (CTL_PAYLOAD_MAX - (uint32_t)sizeof(struct ctl_chunk_req))

/* UPLOAD, CHUNK reply: bytes received so far; SAVE's last reply: the state's total size. */
struct ctl_upload_rep {
	uint64_t size;
};
_Static_assert(sizeof(struct ctl_upload_rep) == 8, "upload reply layout");

/* An image (LOAD reply, IMAGES entries). */
struct ctl_image {
	uint32_t id;                    /* CREATE names the image by it */
	uint32_t instances;             /* VMs created from it so far */
	uint32_t text_pages, data_pages, bss_pages;
	uint32_t reserved;
	uint64_t shared_bytes;          /* frames the image holds, shared by its instances */
	char name[CTL_NAME_MAX];
};
_Static_assert(sizeof(struct ctl_image) == 64 && offsetof(struct ctl_image, name) == 32, "ctl_image layout");

/* IMAGES, LIST: a page of entries from start on, at most max of them (0: as many as fit in one reply). start is 0
 * for the first page, then the previous reply's next: an image id (IMAGES), an opaque cursor into the VM table (LIST:
 * VMs come in table order, not id order; one created or ended meanwhile is listed once or not at all). */
struct ctl_page_req {
	uint32_t start, max;
};
struct ctl_page_rep {
	uint32_t count;                 /* entries that follow */
	uint32_t next;                  /* start of the next page, or CTL_LIST_END */
};
_Static_assert(sizeof(struct ctl_page_req) == 8 && sizeof(struct ctl_page_rep) == 8, "page layout");

/* CREATE count VMs of image, each with args as argv[1..]. quota_kib/guar_kib 0: the kernel's defaults. */
struct ctl_create_req {
	uint32_t image;
	uint32_t count;                 /* 1..MAX_VMS */
	uint32_t quota_kib;             /* 0, or 8..2048 */
	uint32_t guar_kib;              /* 0, or 4..quota */
	char args[CTL_ARGS_MAX];
};
_Static_assert(sizeof(struct ctl_create_req) == 272 && offsetof(struct ctl_create_req, args) == 16, "create layout");
/* CREATE reply (also ahead of the reason of an error reply): VMs made, and the lowest and highest id given. */
struct ctl_create_rep {
	uint32_t created, first_id, last_id, reserved;
};
_Static_assert(sizeof(struct ctl_create_rep) == 16, "create reply layout");

/* DESTROY, SAVE request and RESTORE reply: one VM. */
struct ctl_vm_req {
	uint32_t id;
	uint32_t flags;                 /* SAVE: CTL_SAVE_END or 0; DESTROY, RESTORE: 0 */
};
/* SAVE then end the VM without a report of its own (a move or a suspend: the VM restored from the state reports
 * its end, and counts as the same VM). A restored VM keeps its saved address, so the state of a VM still live cannot
 * be restored beside it; a state restored after a DESTROY makes a VM the run's counters did not start. */
#define CTL_SAVE_END 1u
_Static_assert(sizeof(struct ctl_vm_req) == 8, "vm request layout");

/* One VM in a LIST reply. */
struct ctl_vm {
	uint32_t id;
	uint32_t image;                 /* image id */
	uint8_t state;                  /* CTL_VM_* */
	uint8_t reserved[3];
	uint32_t hypercalls;
	uint64_t cpu_ns;
	uint32_t priv_kib;              /* private memory now */
	uint32_t rx_frames, tx_frames, rx_drops;
};
enum { CTL_VM_RUNNABLE = 1, CTL_VM_RUNNING, CTL_VM_BLOCKED };
_Static_assert(sizeof(struct ctl_vm) == 40 && offsetof(struct ctl_vm, cpu_ns) == 16, "ctl_vm layout");

/* STATS reply: the kernel's counters. */
struct ctl_stats {
	uint64_t started, exited_ok, failed, faulted, ended_by_host, reclaimed;
	uint64_t live, peak_live;
	uint64_t switches, hypercalls;
	uint64_t free_frames, total_frames, reserved_frames;
	uint64_t images, image_frames;  /* images loaded (boot + run time), frames holding their bytes */
	uint64_t upload_frames;         /* frames holding an upload or a SAVE in progress */
	uint64_t ctl_requests, ctl_errors, ctl_bytes_in, ctl_bytes_out;
	uint64_t run_ns;
	/* summoned services (issue 13): VMs made by a first frame, frames held for them / dropped (bound or deadline),
	 * first frames refused by the rate limit, VMs ended for never becoming ready, idle VMs ended / saved and
	 * released, saved ones restored by a frame */
	uint64_t summons, held_frames, held_drops, summon_limited, ready_timeouts, reclaim_ended, reclaim_saved, woken;
	uint64_t forks, fork_refused;   /* children made by pv_fork / FORK, forks refused (quota, memory, table) */
	uint64_t pool_grown, pool_shrunk;
};
_Static_assert(sizeof(struct ctl_stats) == 33 * 8, "ctl_stats layout");

/*
 * Tenants (pvisa/CTL.md, "Tenants"). A kernel started with opkey=<64 hex digits> (the operator's Ed25519 public
 * key) is in tenant mode: the ops that act on VMs, images or tenants must be the T_/SVC_ ops, signed; the v1 ops
 * LOAD, CREATE, DESTROY, LIST, SAVE, RESTORE and STOP are refused (E_AUTH). HELLO, UPLOAD, CHUNK, ABORT, IMAGES,
 * STATS and TENANTS need no signature: bytes uploaded do nothing until a signed T_LOAD names their SHA-512, and the
 * rest only read counters. Tenant 0 is the operator: its key may T_ADD, T_SET and T_DEL and nothing else; tenants
 * 1..CTL_TENANT_MAX act only on their own images, services and VMs (another tenant's are E_NOENT to them).
 *
 * A signed op's payload ends with struct ctl_auth. The signature is Ed25519 (RFC 8032, pure) by the key of tenant
 * `tenant` over the message
 *     "KCTLSIG1" (8 bytes) || op (le16) || 0 (le16) || n (le32) || the payload's first n bytes
 * where n = payload length - 64 (everything but the signature: the op's struct, tenant, reserved and counter).
 * The header's id is not signed (a relay renumbers requests). counter must be above the last counter the kernel
 * accepted from that signer since it booted (E_REPLAY otherwise); a refused request does not move it. Clients use
 * the time in microseconds (or the last + 1, if larger), so requests stored and replayed in order after a reboot
 * are accepted again.
 */
#define CTL_TENANT_MAX  254u            /* tenant ids 1..254; 0 is the operator */
#define CTL_SIG_DOMAIN  "KCTLSIG1"
#define CTL_SIG_PREFIX  16u             /* domain, op, 0, n */
#define CTL_IMAGE_MAX_TENANT (2u << 20) /* a tenant's image: at most 2 MiB */

struct ctl_auth {
	uint32_t tenant;                /* the signer: 0 the operator, 1..CTL_TENANT_MAX a tenant */
	uint32_t reserved;              /* 0 */
	uint64_t counter;               /* above the signer's last accepted */
	uint8_t sig[64];                /* Ed25519 over CTL_SIG_DOMAIN .. (see above) */
};
_Static_assert(sizeof(struct ctl_auth) == 80 && offsetof(struct ctl_auth, sig) == 16, "ctl_auth layout");

/* T_ADD (admit a tenant: all fields), T_SET (new quotas for tenant: pubkey and name all zero). Lowering a quota
 * below what the tenant uses ends nothing; it only refuses what would go over it. */
struct ctl_tenant_req {
	uint32_t tenant;                /* 1..CTL_TENANT_MAX, chosen by the operator */
	uint32_t max_vms;               /* 0..MAX_VMS live VMs */
	uint64_t max_mem_kib;           /* sum of its VMs' memory quotas plus its images' bytes */
	uint32_t cpu_share;             /* 1..1000: its weight when tenants compete for the CPU */
	uint32_t reserved;              /* 0 */
	uint8_t pubkey[32];             /* T_ADD: the tenant's Ed25519 public key; T_SET: zero */
	char name[CTL_NAME_MAX];        /* T_ADD: 1..31 bytes of [a-z0-9_-], unique; T_SET: zero */
};
_Static_assert(sizeof(struct ctl_tenant_req) == 88 && offsetof(struct ctl_tenant_req, pubkey) == 24, "tenant layout");

/* T_DEL: remove a tenant; its VMs end ("tenant removed"), its services and images go. */
struct ctl_tenant_ref {
	uint32_t tenant, reserved;
};
_Static_assert(sizeof(struct ctl_tenant_ref) == 8, "tenant ref layout");

/* T_LOAD: the complete image upload becomes the signer's image if its SHA-512 is sha512 (E_ARG otherwise).
 * Content-addressed per tenant: the same tenant loading the same bytes again gets the image it has (reply as
 * LOAD's); two tenants never share an image's frames. At most CTL_IMAGE_MAX_TENANT bytes (E_QUOTA). */
struct ctl_tload_req {
	uint8_t sha512[64];
	char name[CTL_NAME_MAX];        /* as UPLOAD's (a label; the hash is the identity) */
};
_Static_assert(sizeof(struct ctl_tload_req) == 96, "tload layout");

/* SVC_SET: the signer's service `name` runs `count` VMs of its image with this hash, arguments and memory. A new
 * name makes the service; an existing one must have the same image, args, quota and guarantee (E_EXIST) and is
 * scaled to count (0..): up, all or nothing (E_QUOTA and nothing made if the tenant's VM or memory quota cannot
 * take all of them; E_NOMEM/E_LIMIT likewise, with none made), or down (its newest VMs end, "scaled down"). VMs
 * that end on their own are not restarted: desired and live are both reported. */
struct ctl_svc_req {
	char name[CTL_NAME_MAX];        /* 1..31 bytes of [A-Za-z0-9._-] */
	uint8_t image_sha512[64];
	uint32_t count;                 /* 0..MAX_VMS */
	uint32_t quota_kib;             /* as CREATE's */
	uint32_t guar_kib;
	uint32_t flags;                 /* CTL_SVC_* (0: count live VMs, as before) */
	uint32_t reclaim_s;             /* SUMMON: end (or KEEP_STATE: save) an instance idle this long; 0 never */
	uint32_t pool_min, pool_max;    /* POOL: members behind one address, 1 <= min <= max <= CTL_POOL_MAX */
	uint32_t reserved;              /* 0 */
	char args[CTL_ARGS_MAX];        /* as CREATE's */
};
#define CTL_SVC_SUMMON     1u       /* count dormant instances, each its own address; a VM made on its first frame */
#define CTL_SVC_KEEP_STATE 2u       /* (with SUMMON) reclaim saves and releases; the next frame restores */
#define CTL_SVC_POOL       4u       /* one address, pool_min..pool_max forked members; count must be 1 */
#define CTL_POOL_MAX       64u
_Static_assert(sizeof(struct ctl_svc_req) == 384 && offsetof(struct ctl_svc_req, args) == 128, "svc layout");

/* SVC_DEL: end the signer's service's VMs and forget it. */
struct ctl_svc_ref {
	char name[CTL_NAME_MAX];
};
_Static_assert(sizeof(struct ctl_svc_ref) == 32, "svc ref layout");

/* SVC_SET, SVC_DEL, T_DEL reply: VMs made and ended by this request, the service's VMs live now and its desired
 * count (T_DEL: ended only), and the lowest and highest id made. */
struct ctl_svc_rep {
	uint32_t created, ended, live, desired, first_id, last_id;
};
_Static_assert(sizeof(struct ctl_svc_rep) == 24, "svc reply layout");

/* One of the signer's services (SVCS). */
struct ctl_svc {
	char name[CTL_NAME_MAX];
	uint8_t image_sha512[64];
	uint32_t image;                 /* image id */
	uint32_t desired, live;
	uint32_t quota_kib, guar_kib;
	uint32_t flags, reclaim_s, pool_min, pool_max;   /* as SVC_SET gave them */
	uint32_t dormant, starting, saved;               /* SUMMON: instances per state (live is above) */
	uint32_t reserved;
	char args[CTL_ARGS_MAX];
};
_Static_assert(sizeof(struct ctl_svc) == 404, "ctl_svc layout");

/* FORK (tenant mode: T_FORK, on the signer's own VM only): count copy-on-write children of a live VM, each with
 * its own id, address and entropy, counted against the owner's quota (pvisa/PVISA.md "fork"). */
struct ctl_fork_req {
	uint32_t vm;
	uint32_t count;                 /* 1..CTL_FORK_MAX */
};
#define CTL_FORK_MAX 1024u
_Static_assert(sizeof(struct ctl_fork_req) == 8, "fork layout");
struct ctl_fork_rep {
	uint32_t created, first_id, last_id, reserved;   /* fewer than count: the quota or the kernel stopped it */
	uint16_t stopped_by;                             /* 0, or the status that stopped it (CTL_E_QUOTA, ...) */
	uint16_t reserved2[3];
};
_Static_assert(sizeof(struct ctl_fork_rep) == 24, "fork reply layout");

/* One tenant (TENANTS, unsigned: what an operator's metrics need, no keys). */
struct ctl_tenant_info {
	uint32_t tenant;
	uint32_t max_vms;
	uint64_t max_mem_kib;
	uint32_t cpu_share;
	uint32_t live_vms;
	uint64_t mem_kib;               /* charged now: its VMs' quotas plus its images */
	uint64_t cpu_ns;                /* CPU its VMs used, ended ones included */
	uint32_t services, images;
	uint64_t image_bytes;
	uint64_t refused_auth, refused_replay, refused_quota;   /* its requests refused, by reason */
	char name[CTL_NAME_MAX];
};
_Static_assert(sizeof(struct ctl_tenant_info) == 112, "tenant info layout");

/* In a T_LIST reply, ctl_vm.reserved[0] is the VM's service index in SVCS order + 1 (0: none). */

/* Host side: the name of a status (ctl_status_name(CTL_E_OP) = "E_OP") and its description. */
static inline const char *ctl_status_name(unsigned s)
{
#define CTL_S_NAME(name, num, text) case num: return #name;
	switch (s) { CTL_STATUSES(CTL_S_NAME) default: return "?"; }
#undef CTL_S_NAME
}

static inline const char *ctl_status_text(unsigned s)
{
#define CTL_S_TEXT(name, num, text) case num: return text;
	switch (s) { CTL_STATUSES(CTL_S_TEXT) default: return "unknown status"; }
#undef CTL_S_TEXT
}

static inline void ctl_hdr_fill(struct ctl_hdr *h, uint16_t op, uint32_t id, uint16_t status, uint16_t flags,
				uint32_t len)
{
	h->magic = CTL_MAGIC;
	h->version = CTL_VERSION;
	h->op = op;
	h->id = id;
	h->status = status;
	h->flags = flags;
	h->len = len;
	h->reserved = 0;
}

#endif
