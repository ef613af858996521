/* kctl.h - what kctl's files share: the connection to isorun --serve, requests and replies, argument helpers. */
#ifndef KCTL_H
#define KCTL_H

#include <stdint.h>
#include "ctl.h"

#define K_OK     0   /* exit statuses (--help) */
#define K_KERNEL 1
#define K_USAGE  2
#define K_CONN   3

/* A reply: header and payload (len bytes, NUL after them). */
struct reply {
	struct ctl_hdr h;
	uint8_t p[CTL_MSG_MAX + 1];
};
typedef int kctl_cmd_fn(int argc, char **argv, struct reply *r);

void die_with(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* Send a request of op with payload a then b; its id. */
uint32_t send_req(uint16_t op, const void *a, uint32_t an, const void *b, uint32_t bn);
/* Read the next reply to request id of op; exits on a malformed one. */
void recv_reply(uint32_t id, uint16_t op, struct reply *r);
/* Exit 1 with the kernel's reason if the reply is an error (skip bytes of struct before the reason). */
void check(const struct reply *r, const char *what, uint32_t skip);
/* Request and reply; exit on an error or a reply shorter than want. */
void call(uint16_t op, const void *a, uint32_t an, struct reply *r, const char *what, uint32_t want);
/* A decimal number 0..max, or exit 2 naming what. */
unsigned long num(const char *s, const char *what, unsigned long max);
/* The whole file (at most CTL_BLOB_MAX bytes). */
uint8_t *read_file(const char *path, uint64_t *size);
/* UPLOAD then CHUNKs; on a refusal, ABORT (the kernel keeps one upload at a time) and exit 1. */
void upload(uint32_t kind, const char *name, const uint8_t *b, uint64_t size, struct reply *r);
/* Send the request that takes a complete upload (LOAD, T_LOAD); refused: ABORT the upload, then exit 1. */
void load_or_abort(uint16_t op, const void *p, uint32_t len, struct reply *r, const char *what);
/* An image name made from a file's basename. */
char *image_name(const char *path);

/* Every image, in id order; *n of them (malloc'd). */
void vm_opts(int argc, char **argv, int from, const char *cmd, char args[CTL_ARGS_MAX], uint32_t *quota,
	     uint32_t *guar);
void *all_pages(uint16_t op, const char *what, size_t esize, uint32_t *n, struct reply *r);
struct ctl_image *all_images(uint32_t *n, struct reply *r);
/* One VM as `list` prints it (json: as an object; first: no comma before). */
void print_vm(const struct ctl_vm *v, const struct ctl_image *im, uint32_t nim, int json, int first);
/* Send a SAVE-like request (op, payload) and write the state it streams to path. */
void save_stream(uint16_t op, const void *payload, uint32_t len, uint32_t vm, uint32_t flags, const char *path,
		 struct reply *r);

/* fork and tfork: VM [-n N] into q (exit 2 on bad usage); the reply printed, K_OK when all count were made. */
void fork_args(int argc, char **argv, const char *usage, struct ctl_fork_req *q);
int fork_result(const struct reply *r, uint32_t vm, uint32_t count);

/* The tenant commands (kctl_tenant.c): the function of command name, or NULL. */
kctl_cmd_fn *kctl_tenant_cmd(const char *name);
#define KCTL_TENANT_USAGE \
"tenant mode (a kernel started with opkey=, isorun --operator-key FILE.pub): requests are signed; --key FILE is the\n" \
"signer's secret key file (or $KCTL_KEY), --tenant ID|NAME the signer's tenant (or $KCTL_TENANT; 0 the operator);\n" \
"--save-req FILE writes the signed request (op and payload) to FILE as well, `send FILE` sends one again as it is:\n" \
"  keygen NAME                  make NAME.key (secret, 0600) and NAME.pub\n" \
"  tenant-add ID NAME --pubkey FILE.pub [--max-vms N] [--max-mem KiB] [--cpu-share N]   (operator's key)\n" \
"  tenant-set ID [--max-vms N] [--max-mem KiB] [--cpu-share N]   new quotas; the rest kept  (operator's key)\n" \
"  tenant-del ID                remove a tenant: its VMs end, its services and images go  (operator's key)\n" \
"  tload IMG [--name NAME]      upload IMG and make it the signer's image (named by its SHA-512)\n" \
"  svc-set NAME IMG|SHA512 N [--args ARGS] [--quota KiB] [--guarantee KiB]\n" \
"                               run N VMs of service NAME (made, or scaled up or down): all or nothing\n" \
"      [--summon [--reclaim-after SECONDS] [--keep-state]]   N dormant instances, each its own address: a VM\n" \
"                               made by the first frame for one, ended (or saved: --keep-state) after SECONDS idle\n" \
"  svc-del NAME                 end a service's VMs and forget it\n" \
"  svcs [--json]                the signer's services\n" \
"  tlist [--json]               the signer's VMs\n" \
"  tdestroy ID...               end the signer's VMs\n" \
"  tsave ID FILE [--end]        as save, for the signer's own VM\n" \
"  tfork ID [-n N]              as fork, for the signer's own VM (counted against its quota: E_QUOTA)\n" \
"  tenants [--json]             every tenant's quotas and use (no signature)\n" \
"  send FILE                    send a request --save-req wrote, unchanged (a replay)\n"

#endif
