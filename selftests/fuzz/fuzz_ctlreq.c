// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz what xlbd reads from its control socket: the frame reader fed in
 * random-sized chunks (as a non-blocking socket delivers them), then the
 * request decoder on each complete frame, then, for an apply request, the
 * configuration parser on the text it carries (what xlbd's handler does).
 *
 * Input layout: byte 0 selects, bytes 1-2 seed the chunk sizes, the rest is
 * the byte stream a client sends.
 *   bit 0  the stream is one request body, decoded without framing
 *   bit 1  frame limit XLB_CTL_MAX_MSG (as xlbd); otherwise 4096 bytes, so
 *          the "too large" path is cheap to reach
 *
 * Properties: the reader consumes every byte it is given until a frame is
 * complete; a complete frame has exactly the announced length; a decoded
 * request encodes and decodes again to the same request; a refusal always
 * has a message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctlproto.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xlb_log_set_level(XLB_LOG_WARN);
	return 0;
}

static int str_same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

/* Encode @req as xlbctl would and decode it again: nothing may change. */
static void round_trip(const struct xlb_ctl_req *req)
{
	struct json_object *o = xlb_ctl_req_encode(req);
	struct xlb_ctl_req again;
	const char *s;
	size_t len;
	char err[256];

	if (!o)
		__builtin_trap();
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	if (xlb_ctl_req_decode(s, len, &again, err, sizeof(err)))
		__builtin_trap(); /* our own encoding was refused */
	if (again.cmd != req->cmd || again.action != req->action || again.port != req->port ||
	    !str_same(again.service, req->service) || !str_same(again.address, req->address) ||
	    !str_same(again.origin, req->origin) || again.config_len != req->config_len ||
	    (req->config_len && memcmp(again.config, req->config, req->config_len)))
		__builtin_trap();
	xlb_ctl_req_free(&again);
	json_object_put(o);
}

/* What xlbd does with one request body. */
static void handle(const char *buf, size_t len)
{
	struct xlb_ctl_req req;
	char err[256] = "";
	int ret;

	ret = xlb_ctl_req_decode(buf, len, &req, err, sizeof(err));
	if (ret) {
		if (!err[0])
			__builtin_trap(); /* refused without a reason */
		return;
	}
	round_trip(&req);
	if (req.cmd == XLB_CTL_APPLY) {
		struct xlb_errors errs = { 0 };
		struct xlb_cfg *cfg = NULL;

		if (xlb_config_parse(req.config, req.config_len, req.origin, &cfg, &errs) &&
		    !errs.n)
			__builtin_trap();
		xlb_config_free(cfg);
		xlb_errors_free(&errs);
	} else if (req.cmd == XLB_CTL_BACKEND) {
		struct xlb_ip ip;

		xlb_ip_parse(req.address, &ip);
	}
	xlb_ctl_req_free(&req);
}

static uint32_t next_rand(uint32_t *s)
{
	/* xorshift32: deterministic chunk sizes for a given input */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xlb_frame f;
	const char *p;
	uint32_t seed;
	size_t left, max;
	int sel;

	if (size < 3)
		return 0;
	sel = data[0];
	seed = (uint32_t)data[1] << 8 | data[2] | 0x10000u;
	p = (const char *)data + 3;
	left = size - 3;
	if (sel & 1) {
		/* An exact-size copy, so a read past the body is caught. */
		char *body = malloc(left ? left : 1);

		if (!body)
			return 0;
		memcpy(body, p, left);
		handle(body, left);
		free(body);
		return 0;
	}
	max = sel & 2 ? XLB_CTL_MAX_MSG : 4096;
	xlb_frame_init(&f, max);
	while (left) {
		size_t chunk = 1 + next_rand(&seed) % (1u << (next_rand(&seed) % 13));
		size_t used;
		int ret;

		if (chunk > left)
			chunk = left;
		ret = xlb_frame_feed(&f, p, chunk, &used);
		if (used > chunk)
			__builtin_trap();
		if (ret == -EMSGSIZE) {
			if (f.msg_len <= max)
				__builtin_trap();
			break; /* xlbd answers with an error and closes */
		}
		if (ret < 0)
			break;
		if (ret == 0 && used != chunk)
			__builtin_trap(); /* bytes left behind without a frame */
		p += used;
		left -= used;
		if (ret == 1) {
			if (f.msg_got != f.msg_len || f.msg_len > max || f.msg[f.msg_len] != '\0')
				__builtin_trap();
			handle(f.msg, f.msg_len);
			xlb_frame_reset(&f);
		}
	}
	xlb_frame_reset(&f);
	return 0;
}
