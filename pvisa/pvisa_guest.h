/* pvisa_guest.h - guest-side hypercall stubs, generated from PV_CALLS: pv_<name>(args) -> long. */
#ifndef PVISA_GUEST_H
#define PVISA_GUEST_H

#include "pvisa.h"

/* syscall: number in rax, args in rdi rsi rdx r10 r8 r9, result in rax; rcx and r11 are clobbered. */
static inline long pv_call0(long n)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n) : "rcx", "r11", "memory");
	return r;
}
static inline long pv_call1(long n, long a)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a) : "rcx", "r11", "memory");
	return r;
}
static inline long pv_call2(long n, long a, long b)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return r;
}

#define PV_PARAMS_0 void
#define PV_PARAMS_1 long a0
#define PV_PARAMS_2 long a0, long a1
#define PV_ARGS_0
#define PV_ARGS_1 , a0
#define PV_ARGS_2 , a0, a1
#define PV_X_STUB(nr, name, argc) \
	static inline long pv_##name(PV_PARAMS_##argc) { return pv_call##argc(nr PV_ARGS_##argc); }
PV_CALLS(PV_X_STUB)
#undef PV_X_STUB

/* The start info of the running VM (fixed address). */
static inline const struct pv_start_info *pv_start_info(void)
{
	return (const struct pv_start_info *)(uintptr_t)PV_START_INFO;
}

#endif
