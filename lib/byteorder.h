/* byteorder.h - big-endian (network order) loads and stores of 16 and 32 bits at any address: be16/be32 get and put. */
/*
 * Header-only and freestanding (no libc): the kernel, the guests, their netstack, the host tools and the tests all
 * use these. Frames are never assumed aligned: every access goes through bytes or a fixed-size __builtin_memcpy,
 * which the compiler turns into one move.
 */
#ifndef LIB_BYTEORDER_H
#define LIB_BYTEORDER_H

#include <stdint.h>

static inline uint16_t be16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Stores: on a little-endian CPU one byte swap and one move each. (Byte by byte, GCC merges neighbouring fields'
 * stores into one, but builds the merged value from shifts and ors: twenty instructions for two ports.) */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline void be16_put(uint8_t *p, uint16_t v)
{
	v = __builtin_bswap16(v);
	__builtin_memcpy(p, &v, 2);
}

static inline void be32_put(uint8_t *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	__builtin_memcpy(p, &v, 4);
}
#else
static inline void be16_put(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
#endif

#endif
