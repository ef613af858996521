/* cmds.h - isoctl's commands (cmd_tenant.c: keys and tenants; cmd_svc.c: services): each returns an exit status (opts.h). */
#ifndef ISOCTL_CMDS_H
#define ISOCTL_CMDS_H

#include "opts.h"

int cmd_keygen(const struct opts *o);
int cmd_tenant_add(const struct opts *o);
int cmd_tenant_set(const struct opts *o);
int cmd_tenant_rm(const struct opts *o);
int cmd_tenant_ls(const struct opts *o);
int cmd_push(const struct opts *o);
int cmd_ps(const struct opts *o);
int cmd_logs(const struct opts *o);
int cmd_stats(const struct opts *o);
int cmd_scale(const struct opts *o);
int cmd_stop(const struct opts *o);
int cmd_rm(const struct opts *o);

#endif
