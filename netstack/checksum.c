/* checksum.c - the Internet checksum (RFC 1071) of IPv4, ICMP, UDP and TCP: netstack's one instance of lib/inet_csum.h. */
/* Out of line here, once, rather than inlined at each caller: the stack's code stays as compact as it was. */
#include "ns_int.h"

uint32_t ns_csum_add(uint32_t sum, const void *data, size_t len)
{
	return inet_csum_add(sum, data, len);
}

uint32_t ns_csum_copy(uint32_t sum, void *dst, const void *src, size_t len)
{
	return inet_csum_copy(sum, dst, src, len);
}
