/* SPDX-License-Identifier: GPL-2.0 */
/* Names of enum xlb_reason (include/xlb/abi.h), for xlbctl, bpftool readers and tests. */
#ifndef XLB_REASONS_H
#define XLB_REASONS_H

#include <xlb/abi.h>

extern const char *const xlb_reason_names[XLB_R_MAX];

#endif
