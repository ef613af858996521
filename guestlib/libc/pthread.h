/* pthread.h - one thread per VM (guestlib pthread.c): mutexes, once, keys and condition variables work for that thread; pthread_create fails with ENOSYS. */
#ifndef GUESTLIB_PTHREAD_H
#define GUESTLIB_PTHREAD_H

#include <sys/types.h>   /* newlib's pthread_t, pthread_mutex_t ... (sys/_pthreadtypes.h) */
#include <sched.h>
#include <time.h>

#define PTHREAD_MUTEX_INITIALIZER _PTHREAD_MUTEX_INITIALIZER
#define PTHREAD_COND_INITIALIZER  _PTHREAD_COND_INITIALIZER
#define PTHREAD_ONCE_INIT         _PTHREAD_ONCE_INIT
#ifndef PTHREAD_MUTEX_NORMAL
#define PTHREAD_MUTEX_NORMAL     0
#define PTHREAD_MUTEX_RECURSIVE  1
#define PTHREAD_MUTEX_ERRORCHECK 2
#define PTHREAD_MUTEX_DEFAULT    3
#endif
#define PTHREAD_KEYS_MAX 64

__BEGIN_DECLS
int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);  /* ENOSYS */
int pthread_join(pthread_t t, void **ret);                     /* ESRCH: no other thread */
int pthread_detach(pthread_t t);
pthread_t pthread_self(void);
int pthread_equal(pthread_t a, pthread_t b);
void pthread_exit(void *ret) __attribute__((noreturn));         /* the only thread: exit(0) */
int pthread_attr_init(pthread_attr_t *a);
int pthread_attr_destroy(pthread_attr_t *a);
int pthread_attr_setstacksize(pthread_attr_t *a, size_t n);
int pthread_attr_setdetachstate(pthread_attr_t *a, int s);
/* Mutexes count their locks (every type behaves as recursive: one thread cannot wait for itself); unlocking one not
 * locked: EPERM. trylock always succeeds. */
int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a);
int pthread_mutex_destroy(pthread_mutex_t *m);
int pthread_mutex_lock(pthread_mutex_t *m);
int pthread_mutex_trylock(pthread_mutex_t *m);
int pthread_mutex_unlock(pthread_mutex_t *m);
int pthread_mutexattr_init(pthread_mutexattr_t *a);
int pthread_mutexattr_destroy(pthread_mutexattr_t *a);
int pthread_mutexattr_settype(pthread_mutexattr_t *a, int type);
int pthread_once(pthread_once_t *o, void (*fn)(void));
int pthread_key_create(pthread_key_t *k, void (*dtor)(void *));
int pthread_key_delete(pthread_key_t k);
void *pthread_getspecific(pthread_key_t k);
int pthread_setspecific(pthread_key_t k, const void *v);
/* No other thread can signal: cond_wait returns EDEADLK at once (it would wait forever), timedwait sleeps until the
 * deadline (CLOCK_REALTIME) and returns ETIMEDOUT; signal and broadcast do nothing. */
int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a);
int pthread_cond_destroy(pthread_cond_t *c);
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *abstime);
int pthread_cond_signal(pthread_cond_t *c);
int pthread_cond_broadcast(pthread_cond_t *c);
__END_DECLS

#endif
