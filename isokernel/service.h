/* service.h - what the signed tenant ops do (ctl_tenant.c checks every field and the signature first): tenants' images, services, VMs. */
#ifndef ISO_SERVICE_H
#define ISO_SERVICE_H

#include <stdint.h>
#include "ctl.h"
#include "ctl_ops.h"

/*
 * The caller has checked: the signature, the signer may do the op (the operator: T_ADD, T_SET, T_DEL; a tenant: the
 * rest, on its own objects only); reserved fields 0; T_ADD: tenant 1..CTL_TENANT_MAX, name 1..31 bytes of
 * [a-z0-9_-], max_vms <= MAX_VMS, cpu_share 1..1000; T_SET the same with pubkey and name zero; names of images and
 * services 1..31 bytes of [A-Za-z0-9._-]; args NUL-terminated printable; count <= MAX_VMS; quota 0 or 8..2048 KiB,
 * guarantee 0 or 4..quota. Each returns a status (CTL_AGAIN: call again with the same request, o->first false).
 */
#define SVC_MAX          1024u      /* services in the kernel */
#define SVC_PER_TENANT   254u       /* a tenant's services (T_LIST numbers them in a byte) */
#define IMG_PER_TENANT   32u        /* a tenant's images: no tenant takes the kernel's IMAGE_MAX (256) alone */
#define SVC_CREATE_STEP  128u       /* VMs SVC_SET makes per main-loop pass (as CREATE) */
#define SVC_END_STEP     128u       /* VMs T_DEL, SVC_DEL and scaling down end per main-loop pass */
#define SVC_SUMMON_MAX   65533u     /* a summoned service's instances: a tenant's block (NETPLAN_TENANT_SLOTS) */

/* Register the VM observer (charges tenants) and the @vm record's owner fields. After ctl_init. */
void svc_init(void);
uint16_t svc_t_add(const struct ctl_tenant_req *q, struct ctl_out *o);
uint16_t svc_t_set(const struct ctl_tenant_req *q, struct ctl_out *o);
uint16_t svc_t_del(uint32_t tenant, struct ctl_out *o);
uint16_t svc_t_load(uint32_t signer, const struct ctl_tload_req *q, struct ctl_out *o);
uint16_t svc_set(uint32_t signer, const struct ctl_svc_req *q, struct ctl_out *o);
uint16_t svc_del(uint32_t signer, const char *name, struct ctl_out *o);
uint16_t svc_list(uint32_t signer, const struct ctl_page_req *q, struct ctl_out *o);
uint16_t svc_vms(uint32_t signer, const struct ctl_page_req *q, struct ctl_out *o);
uint16_t svc_vm_destroy(uint32_t signer, uint32_t id, struct ctl_out *o);
uint16_t svc_vm_save(uint32_t signer, uint32_t id, uint32_t flags, struct ctl_out *o);
uint16_t svc_tenants(const struct ctl_page_req *q, struct ctl_out *o);
/* A fork's child (fork.c) joins its parent's service, if it has one: counted live, the newest of its VMs (the first
 * to go when the service scales down), its @tvm record written. The tenant was charged by the VM observer. */
struct vm;
void svc_vm_forked(const struct vm *parent, struct vm *child);
/* For summon.c: does service slot's tenant have room (VMs, memory quota) for one more of its VMs? A VM of service
 * slot made now (room, the VM table and memory permitting; NULL if not), as SVC_SET makes one; a VM restored for
 * service vm->svc counted as its own. */
bool svc_room(uint32_t slot);
struct vm *svc_spawn(uint32_t slot);
void svc_adopt(struct vm *vm);

#endif
