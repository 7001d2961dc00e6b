// SPDX-License-Identifier: GPL-2.0
/* Pure data, no dependencies: also linked into test tools. */
#include "reasons.h"

const char *const xlb_reason_names[XLB_R_MAX] = {
	[XLB_R_FWD_TX] = "fwd_tx",
	[XLB_R_FWD_REDIRECT] = "fwd_redirect",
	[XLB_R_PASS_NOT_IP] = "pass_not_ip",
	[XLB_R_PASS_NOT_SERVICE] = "pass_not_service",
	[XLB_R_PASS_FRAGMENT] = "pass_fragment",
	[XLB_R_PASS_NO_NEIGH] = "pass_no_neigh",
	[XLB_R_PASS_NO_BACKEND] = "pass_no_backend",
	[XLB_R_PASS_ICMP] = "pass_icmp",
	[XLB_R_DROP_MALFORMED] = "drop_malformed",
	[XLB_R_DROP_FRAGMENT] = "drop_fragment",
	[XLB_R_DROP_NO_BACKEND] = "drop_no_backend",
	[XLB_R_DROP_NO_NEIGH] = "drop_no_neigh",
	[XLB_R_DROP_FIB] = "drop_fib",
	[XLB_R_DROP_NAT_PORTS] = "drop_nat_ports",
	[XLB_R_PASS_OTHER_HOST] = "pass_other_host",
};
