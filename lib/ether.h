/* ether.h - sizes and type numbers of the frames everyone here builds or checks: Ethernet, ARP, IPv4, UDP, TCP. */
/*
 * Header-only, freestanding. Frames carry no FCS anywhere in this project (virtio-net, QEMU's stream netdev and
 * the pvisa net calls all leave it out), so ETHER_FRAME_MAX is the header plus the MTU. The names avoid glibc's
 * <net/ethernet.h> (ETHER_ADDR_LEN, ETHER_HDR_LEN, ETHERTYPE_*), so host files may include both.
 */
#ifndef LIB_ETHER_H
#define LIB_ETHER_H

#define ETHER_MAC_LEN     6        /* a MAC address */
#define ETHER_HLEN        14       /* destination MAC, source MAC, ethertype */
#define ETHER_MTU         1500     /* the largest IP packet in one frame */
#define ETHER_FRAME_MAX   1514     /* ETHER_HLEN + ETHER_MTU: the largest frame, without FCS */
#define ETHER_FRAME_PAD   60       /* the shortest frame on the wire without FCS (shorter ones are padded) */
#define ETHER_TYPE_IPV4   0x0800
#define ETHER_TYPE_ARP    0x0806

#define ARP_IPV4_LEN      28       /* an ARP packet for IPv4 over Ethernet */
#define ETHER_ARP_LEN     42       /* ETHER_HLEN + ARP_IPV4_LEN: an ARP frame before padding */
#define IPV4_HLEN         20       /* an IPv4 header without options */
#define UDP_HLEN          8
#define TCP_HLEN          20       /* without options */

#endif
