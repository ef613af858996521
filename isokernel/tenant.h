/* tenant.h - the tenant table (pvisa/ctl.h "Tenants"): each tenant's key, quotas, charged use and request counters. */
#ifndef ISO_TENANT_H
#define ISO_TENANT_H

#include <stdint.h>
#include <stdbool.h>
#include "ctl.h"

/*
 * Slot 0 is the operator (its key from opkey= at boot; no quotas, no VMs), slots 1..CTL_TENANT_MAX the tenants the
 * operator admits. The table is static: TENANT_BYTES per slot (tenant_bytes()), about 37 KiB for all 255. A slot's
 * last accepted counter outlives T_DEL: a tenant re-admitted under the same id (and key) cannot have its old
 * requests replayed. Use is charged by the layer that makes VMs and images (service.c) and checked here.
 */
#define TENANT_OPERATOR 0u
enum { TENANT_REF_AUTH, TENANT_REF_REPLAY, TENANT_REF_QUOTA, TENANT_NREF };

struct tenant {
	uint8_t pubkey[32];
	char name[CTL_NAME_MAX];
	uint64_t max_mem_kib;
	uint64_t vm_kib;                /* sum of its live VMs' memory quotas */
	uint64_t image_bytes;           /* bytes of frames its images hold */
	uint64_t cpu_ns;                /* CPU of its VMs that ended */
	uint64_t last_counter;          /* last accepted counter (kept across T_DEL) */
	uint64_t refused[TENANT_NREF];
	uint32_t max_vms, cpu_share;
	uint32_t live_vms, services, images;
	bool used;
};

/* Forget every tenant and the operator key (tenant mode off). */
void tenant_reset(void);
/* opkey=: the operator's public key as 64 hex digits: 0 (tenant mode on), or -1 (not 64 hex digits). */
int tenant_set_operator_hex(const char *hex);
void tenant_set_operator(const uint8_t pk[32]);
/* Is the kernel in tenant mode (an operator key given)? */
bool tenant_mode(void);
/* Slot id if in use (0: the operator, in tenant mode), else NULL. */
struct tenant *tenant_get(uint32_t id);
/* Slot id whatever its state (id <= CTL_TENANT_MAX), else NULL: counters of a removed tenant. */
struct tenant *tenant_slot(uint32_t id);
/* Admit tenant id (1..CTL_TENANT_MAX, free; name unique): 0, or -1 (taken: id or name). */
int tenant_add(uint32_t id, const char *name, const uint8_t pk[32], uint32_t max_vms, uint64_t max_mem_kib,
	       uint32_t cpu_share);
/* New quotas for a tenant in use. */
void tenant_set(uint32_t id, uint32_t max_vms, uint64_t max_mem_kib, uint32_t cpu_share);
/* Free slot id (its VMs, services and images gone already); its counter stays. */
void tenant_del(uint32_t id);
/* Memory charged now, KiB: VM quotas plus image bytes rounded up to KiB. */
uint64_t tenant_mem_kib(const struct tenant *t);
/* Would vms more VMs and kib more KiB stay within t's quotas? */
bool tenant_fits(const struct tenant *t, uint64_t vms, uint64_t kib);
/* Charge (+1) or refund (-1) a VM of kib KiB / an image of bytes to tenant id (no-op for 0 or a free slot). */
void tenant_charge_vm(uint32_t id, uint64_t kib, int sign);
void tenant_charge_image(uint32_t id, uint64_t bytes, int sign);
/* Count a refused request against tenant id (TENANT_REF_*). */
void tenant_refused(uint32_t id, unsigned why);
/* The next tenant in use at or after *cursor (1.. ; start 1), *cursor moved past it; NULL at the end. */
struct tenant *tenant_next(uint32_t *cursor);
/* Its TENANTS entry; live_cpu_ns: CPU of its live VMs (the caller sums them). */
void tenant_info(uint32_t id, uint64_t live_cpu_ns, struct ctl_tenant_info *e);
/* Kernel bytes one tenant slot takes. */
uint64_t tenant_bytes(void);
/* Is name 1..31 bytes of [a-z0-9_-], NUL-terminated within CTL_NAME_MAX? */
bool tenant_name_ok(const char *name);

#endif
