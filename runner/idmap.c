/* idmap.c - a uint32 -> pointer hash map with open addressing and backward-shift deletion (no tombstones). */
#include <stdlib.h>

#include "isorun.h"

static size_t slot_of(const struct idmap *m, uint32_t key)
{
	uint32_t h = key * 2654435761u;

	return (size_t)h & (m->cap - 1);
}

static size_t find(const struct idmap *m, uint32_t key)
{
	size_t i = slot_of(m, key);

	while (m->vals[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

void *idmap_get(const struct idmap *m, uint32_t key)
{
	if (!m->cap)
		return NULL;
	return m->vals[find(m, key)];
}

static void grow(struct idmap *m)
{
	struct idmap old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->keys = xmalloc(m->cap * sizeof *m->keys);
	m->vals = calloc(m->cap, sizeof *m->vals);
	if (!m->vals)
		die("out of memory");
	m->n = 0;
	for (i = 0; i < old.cap; i++)
		if (old.vals[i])
			idmap_put(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

/* val must not be NULL (NULL marks an empty slot). */
void idmap_put(struct idmap *m, uint32_t key, void *val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	i = find(m, key);
	if (!m->vals[i])
		m->n++;
	m->keys[i] = key;
	m->vals[i] = val;
}

/* Is slot j's home outside the cyclic range (hole, j]? Then it may move into the hole. */
static int may_move(const struct idmap *m, size_t hole, size_t j)
{
	size_t home = slot_of(m, m->keys[j]);

	if (hole <= j)
		return home <= hole || home > j;
	return home <= hole && home > j;
}

void *idmap_del(struct idmap *m, uint32_t key)
{
	size_t hole, j;
	void *val;

	if (!m->cap || !(val = m->vals[hole = find(m, key)]))
		return NULL;
	m->vals[hole] = NULL;
	m->n--;
	for (j = (hole + 1) & (m->cap - 1); m->vals[j]; j = (j + 1) & (m->cap - 1)) {
		if (!may_move(m, hole, j))
			continue;
		m->keys[hole] = m->keys[j];
		m->vals[hole] = m->vals[j];
		m->vals[j] = NULL;
		hole = j;
	}
	return val;
}

void idmap_each(const struct idmap *m, void (*fn)(uint32_t key, void *val, void *ctx), void *ctx)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		if (m->vals[i])
			fn(m->keys[i], m->vals[i], ctx);
}

void idmap_free(struct idmap *m, void (*free_val)(void *))
{
	size_t i;

	for (i = 0; i < m->cap && free_val; i++)
		if (m->vals[i])
			free_val(m->vals[i]);
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->n = 0;
}
