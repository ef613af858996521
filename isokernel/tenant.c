/* tenant.c - the tenant table: slots 0 (the operator) .. CTL_TENANT_MAX, quotas checked against charged use. */
#include "tenant.h"
#include "lib.h"

static struct tenant tab[CTL_TENANT_MAX + 1];
static bool mode;

void tenant_reset(void)
{
	memset(tab, 0, sizeof(tab));
	mode = false;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int tenant_set_operator_hex(const char *hex)
{
	uint8_t pk[32];

	for (int i = 0; i < 64; i++)
		if (hexval(hex[i]) < 0)
			return -1;
	if (hex[64])
		return -1;
	for (int i = 0; i < 32; i++)
		pk[i] = (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
	tenant_set_operator(pk);
	return 0;
}

void tenant_set_operator(const uint8_t pk[32])
{
	memcpy(tab[0].pubkey, pk, 32);
	strlcpy(tab[0].name, "operator", sizeof(tab[0].name));
	tab[0].used = true;
	mode = true;
}

bool tenant_mode(void)
{
	return mode;
}

struct tenant *tenant_slot(uint32_t id)
{
	return id <= CTL_TENANT_MAX ? &tab[id] : NULL;
}

struct tenant *tenant_get(uint32_t id)
{
	return id <= CTL_TENANT_MAX && tab[id].used ? &tab[id] : NULL;
}

bool tenant_name_ok(const char *name)
{
	uint32_t i;

	for (i = 0; i < CTL_NAME_MAX && name[i]; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return i > 0 && i < CTL_NAME_MAX;
}

int tenant_add(uint32_t id, const char *name, const uint8_t pk[32], uint32_t max_vms, uint64_t max_mem_kib,
	       uint32_t cpu_share)
{
	struct tenant *t = tenant_slot(id);
	uint64_t last;

	if (!t || id == TENANT_OPERATOR || t->used)
		return -1;
	for (uint32_t i = 1; i <= CTL_TENANT_MAX; i++)
		if (tab[i].used && strcmp(tab[i].name, name) == 0)
			return -1;
	last = t->last_counter;
	memset(t, 0, sizeof(*t));
	t->last_counter = last;
	memcpy(t->pubkey, pk, 32);
	strlcpy(t->name, name, sizeof(t->name));
	t->used = true;
	tenant_set(id, max_vms, max_mem_kib, cpu_share);
	return 0;
}

void tenant_set(uint32_t id, uint32_t max_vms, uint64_t max_mem_kib, uint32_t cpu_share)
{
	struct tenant *t = tenant_get(id);

	if (!t)
		return;
	t->max_vms = max_vms;
	t->max_mem_kib = max_mem_kib;
	t->cpu_share = cpu_share;
}

void tenant_del(uint32_t id)
{
	struct tenant *t = tenant_get(id);

	if (!t || id == TENANT_OPERATOR)
		return;
	t->used = false;
	t->live_vms = t->services = t->images = 0;
	t->vm_kib = t->image_bytes = 0;
}

uint64_t tenant_mem_kib(const struct tenant *t)
{
	return t->vm_kib + (t->image_bytes + 1023) / 1024;
}

bool tenant_fits(const struct tenant *t, uint64_t vms, uint64_t kib)
{
	return (uint64_t)t->live_vms + vms <= t->max_vms && tenant_mem_kib(t) + kib <= t->max_mem_kib;
}

void tenant_charge_vm(uint32_t id, uint64_t kib, int sign)
{
	struct tenant *t = id ? tenant_get(id) : NULL;

	if (!t)
		return;
	if (sign > 0) {
		t->live_vms++;
		t->vm_kib += kib;
	} else {
		t->live_vms -= t->live_vms ? 1 : 0;
		t->vm_kib -= t->vm_kib >= kib ? kib : t->vm_kib;
	}
}

void tenant_charge_image(uint32_t id, uint64_t bytes, int sign)
{
	struct tenant *t = id ? tenant_get(id) : NULL;

	if (!t)
		return;
	if (sign > 0) {
		t->images++;
		t->image_bytes += bytes;
	} else {
		t->images -= t->images ? 1 : 0;
		t->image_bytes -= t->image_bytes >= bytes ? bytes : t->image_bytes;
	}
}

void tenant_refused(uint32_t id, unsigned why)
{
	struct tenant *t = tenant_get(id);

	if (t && why < TENANT_NREF)
		t->refused[why]++;
}

struct tenant *tenant_next(uint32_t *cursor)
{
	for (uint32_t i = *cursor ? *cursor : 1; i <= CTL_TENANT_MAX; i++)
		if (tab[i].used) {
			*cursor = i + 1;
			return &tab[i];
		}
	*cursor = CTL_TENANT_MAX + 1;
	return NULL;
}

void tenant_info(uint32_t id, uint64_t live_cpu_ns, struct ctl_tenant_info *e)
{
	const struct tenant *t = &tab[id];

	memset(e, 0, sizeof(*e));
	e->tenant = id;
	e->max_vms = t->max_vms;
	e->max_mem_kib = t->max_mem_kib;
	e->cpu_share = t->cpu_share;
	e->live_vms = t->live_vms;
	e->mem_kib = tenant_mem_kib(t);
	e->cpu_ns = t->cpu_ns + live_cpu_ns;
	e->services = t->services;
	e->images = t->images;
	e->image_bytes = t->image_bytes;
	e->refused_auth = t->refused[TENANT_REF_AUTH];
	e->refused_replay = t->refused[TENANT_REF_REPLAY];
	e->refused_quota = t->refused[TENANT_REF_QUOTA];
	strlcpy(e->name, t->name, sizeof(e->name));
}

uint64_t tenant_bytes(void)
{
	return sizeof(struct tenant);
}
