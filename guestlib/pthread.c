/* pthread.c - pthreads for a VM's one thread: mutexes that count, once, keys, condition variables that cannot be signalled (pthread.h says what each does). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "guest.h"

#define MUTEX_FREE ((pthread_mutex_t)0xFFFFFFFF)   /* newlib's initializer: unlocked, like 0 */

static const void *key_val[PTHREAD_KEYS_MAX];
static unsigned char key_used[PTHREAD_KEYS_MAX];

int pthread_join(pthread_t t, void **ret)
{
	(void)t;
	(void)ret;
	return ESRCH;
}

int pthread_detach(pthread_t t)
{
	return t == pthread_self() ? 0 : ESRCH;
}

pthread_t pthread_self(void)
{
	return 1;
}

int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}

void pthread_exit(void *ret)
{
	(void)ret;
	exit(0);
}

int pthread_attr_init(pthread_attr_t *a)
{
	memset(a, 0, sizeof(*a));
	a->is_initialized = 1;
	return 0;
}

int pthread_attr_destroy(pthread_attr_t *a)
{
	a->is_initialized = 0;
	return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *a, size_t n)
{
	a->stacksize = (int)(n > 0x7fffffff ? 0x7fffffff : n);
	return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *a, int s)
{
	a->detachstate = s;
	return 0;
}

static pthread_mutex_t mutex_depth(const pthread_mutex_t *m)
{
	return *m == MUTEX_FREE ? 0 : *m;
}

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
	(void)a;
	*m = 0;
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
	return mutex_depth(m) ? EBUSY : 0;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	if (mutex_depth(m) == MUTEX_FREE - 1)
		return EAGAIN;
	*m = mutex_depth(m) + 1;
	return 0;
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	return pthread_mutex_lock(m);
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (!mutex_depth(m))
		return EPERM;
	*m = mutex_depth(m) - 1;
	return 0;
}

int pthread_mutexattr_init(pthread_mutexattr_t *a)
{
	memset(a, 0, sizeof(*a));
	a->is_initialized = 1;
	return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *a)
{
	a->is_initialized = 0;
	return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *a, int type)
{
	if (type < PTHREAD_MUTEX_NORMAL || type > PTHREAD_MUTEX_DEFAULT)
		return EINVAL;
	a->recursive = type == PTHREAD_MUTEX_RECURSIVE;
	return 0;
}

int pthread_once(pthread_once_t *o, void (*fn)(void))
{
	if (!o->init_executed) {
		o->init_executed = 1;
		fn();
	}
	return 0;
}

int pthread_key_create(pthread_key_t *k, void (*dtor)(void *))
{
	(void)dtor;             /* destructors run at thread exit: the only thread's exit ends the VM */
	for (pthread_key_t i = 0; i < PTHREAD_KEYS_MAX; i++) {
		if (!key_used[i]) {
			key_used[i] = 1;
			key_val[i] = NULL;
			*k = i;
			return 0;
		}
	}
	return EAGAIN;
}

int pthread_key_delete(pthread_key_t k)
{
	if (k >= PTHREAD_KEYS_MAX || !key_used[k])
		return EINVAL;
	key_used[k] = 0;
	return 0;
}

void *pthread_getspecific(pthread_key_t k)
{
	return k < PTHREAD_KEYS_MAX && key_used[k] ? (void *)key_val[k] : NULL;
}

int pthread_setspecific(pthread_key_t k, const void *v)
{
	if (k >= PTHREAD_KEYS_MAX || !key_used[k])
		return EINVAL;
	key_val[k] = v;
	return 0;
}

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a)
{
	(void)a;
	*c = 0;
	return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
	(void)c;
	return 0;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	(void)c;
	(void)m;
	return EDEADLK;
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime)
{
	uint64_t now = guest_wall_ns(), until;

	(void)c;
	(void)m;
	if (!abstime || abstime->tv_sec < 0 || abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000)
		return EINVAL;
	until = (uint64_t)abstime->tv_sec * 1000000000u + (uint64_t)abstime->tv_nsec;
	if (until > now)
		guest_sleep_ns(until - now);
	return ETIMEDOUT;
}

int pthread_cond_signal(pthread_cond_t *c)
{
	(void)c;
	return 0;
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	(void)c;
	return 0;
}
