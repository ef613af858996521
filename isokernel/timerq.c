/* timerq.c - the timer heap: heap[0] is the earliest deadline; each node knows its slot so removal is O(log n). */
#include "timerq.h"

static void place(struct timerq *q, uint32_t i, struct tq_node *node)
{
	q->heap[i] = node;
	node->idx = i + 1;
}

static void sift_up(struct timerq *q, uint32_t i)
{
	struct tq_node *node = q->heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (q->heap[parent]->deadline <= node->deadline)
			break;
		place(q, i, q->heap[parent]);
		i = parent;
	}
	place(q, i, node);
}

static void sift_down(struct timerq *q, uint32_t i)
{
	struct tq_node *node = q->heap[i];

	for (;;) {
		uint64_t l = 2ull * i + 1, r = l + 1, min = l;
		if (l >= q->n)
			break;
		if (r < q->n && q->heap[r]->deadline < q->heap[l]->deadline)
			min = r;
		if (node->deadline <= q->heap[min]->deadline)
			break;
		place(q, i, q->heap[min]);
		i = (uint32_t)min;
	}
	place(q, i, node);
}

void tq_init(struct timerq *q, struct tq_node **storage, uint32_t cap)
{
	q->heap = storage;
	q->n = 0;
	q->cap = cap;
}

int tq_insert(struct timerq *q, struct tq_node *node, uint64_t deadline)
{
	if (q->n == q->cap || node->idx != 0)
		return -1;
	node->deadline = deadline;
	place(q, q->n, node);
	q->n++;
	sift_up(q, q->n - 1);
	return 0;
}

void tq_remove(struct timerq *q, struct tq_node *node)
{
	if (node->idx == 0)
		return;
	uint32_t i = node->idx - 1;
	struct tq_node *last = q->heap[--q->n];
	node->idx = 0;
	if (i == q->n)
		return;
	place(q, i, last);
	if (i > 0 && q->heap[(i - 1) / 2]->deadline > last->deadline)
		sift_up(q, i);
	else
		sift_down(q, i);
}

struct tq_node *tq_peek(const struct timerq *q)
{
	return q->n ? q->heap[0] : NULL;
}

struct tq_node *tq_pop_expired(struct timerq *q, uint64_t now)
{
	struct tq_node *node = tq_peek(q);

	if (!node || node->deadline > now)
		return NULL;
	tq_remove(q, node);
	return node;
}
