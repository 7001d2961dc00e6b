/* SPDX-License-Identifier: GPL-2.0 */
/* Leveled logging to stderr (the daemon runs under systemd, which keeps it). */
#ifndef XLB_LOG_H
#define XLB_LOG_H

enum xlb_log_level { XLB_LOG_WARN = 0, XLB_LOG_INFO = 1, XLB_LOG_DEBUG = 2 };

/* Default XLB_LOG_INFO. -v sets DEBUG; -vv also routes libbpf's messages. */
void xlb_log_set_level(int level);
int xlb_log_get_level(void);
/* Prefix every line with the program name, e.g. "xlbd". */
void xlb_log_set_ident(const char *ident);
/* Route libbpf's own messages through us (warnings always, debug at -vv). */
void xlb_log_libbpf(int verbose);

void xlb_log(enum xlb_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_warn(...)  xlb_log(XLB_LOG_WARN, __VA_ARGS__)
#define pr_info(...)  xlb_log(XLB_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) xlb_log(XLB_LOG_DEBUG, __VA_ARGS__)

#endif
