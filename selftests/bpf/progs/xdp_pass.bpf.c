// SPDX-License-Identifier: GPL-2.0
/* Benchmark floor: the cheapest XDP program, it returns XDP_PASS. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
