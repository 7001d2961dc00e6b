// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "log.h"

static int log_level = XLB_LOG_INFO;
static const char *log_ident = "xlb";
static int libbpf_verbose;

void xlb_log_set_level(int level)
{
	log_level = level;
}

int xlb_log_get_level(void)
{
	return log_level;
}

void xlb_log_set_ident(const char *ident)
{
	log_ident = ident;
}

void xlb_log(enum xlb_log_level level, const char *fmt, ...)
{
	static const char *const tag[] = { "warn", "info", "debug" };
	va_list ap;

	if ((int)level > log_level)
		return;
	fprintf(stderr, "%s: %s: ", log_ident, tag[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !libbpf_verbose)
		return 0;
	if (level == LIBBPF_INFO && log_level < XLB_LOG_DEBUG)
		return 0;
	fprintf(stderr, "%s: libbpf: ", log_ident);
	return vfprintf(stderr, fmt, ap);
}

void xlb_log_libbpf(int verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(libbpf_print);
}
