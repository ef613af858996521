/* timerq.h - idle-with-timeout queue: an intrusive binary min-heap on deadlines, storage given by the caller. */
#ifndef ISO_TIMERQ_H
#define ISO_TIMERQ_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

/* Embedded in whatever waits (the VM struct). Zero-initialized means "not queued". */
struct tq_node {
	uint64_t deadline;
	uint32_t idx;               /* heap slot + 1; 0 = not queued */
};

struct timerq {
	struct tq_node **heap;
	uint32_t n, cap;
};

/* An empty queue holding at most cap nodes in storage[0..cap). */
void tq_init(struct timerq *q, struct tq_node **storage, uint32_t cap);
/* Queue node to fire at deadline: O(log n). -1 if the queue is full or node is already queued. */
int tq_insert(struct timerq *q, struct tq_node *node, uint64_t deadline);
/* Take node out of the queue, wherever it is: O(log n). No-op if it is not queued. */
void tq_remove(struct timerq *q, struct tq_node *node);
/* The node with the earliest deadline, or NULL when empty: O(1). */
struct tq_node *tq_peek(const struct timerq *q);
/* The earliest node, removed, if its deadline <= now; else NULL. Call in a loop to drain. */
struct tq_node *tq_pop_expired(struct timerq *q, uint64_t now);

static inline bool tq_queued(const struct tq_node *n)
{
	return n->idx != 0;
}

#endif
