/* ctl_tenant.h - the control decoder's tenant ops (pvisa/ctl.h T_ADD..TENANTS) and the v1 ops tenant mode refuses. */
#ifndef ISO_CTL_TENANT_H
#define ISO_CTL_TENANT_H

#include <stdint.h>
#include "ctl_ops.h"

/* Op T_ADD..TENANTS with payload p (len bytes): exact length, the signature (ctl_auth.c) on the request's first call,
 * every field, then the act (service.h). The signer's counter moves when the act's last reply is CTL_OK. */
uint16_t ctlt_dispatch(uint16_t op, const uint8_t *p, uint32_t len, struct ctl_out *o);
/* In tenant mode, is v1 op refused (E_AUTH: LOAD, CREATE, DESTROY, LIST, SAVE, RESTORE, STOP)? */
bool ctlt_refuses(uint16_t op);

#endif
