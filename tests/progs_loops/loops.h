/* loops.h - common includes and helpers of the loop programs (tests/progs_loops/NAME.bpf.c):
 * small restricted-C programs with bounded loops, verified by xbpf and by the kernel. */
#ifndef XBPF_PROGS_LOOPS_H
#define XBPF_PROGS_LOOPS_H
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define LICENSE char _license[] SEC("license") = "GPL"

#endif
