// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the HTTP health-check response reader (xlb_http_check_response(),
 * what an http probe runs on the bytes it has read so far).
 *
 * Input layout: byte 0 selects the expectations, byte 1 seeds the sizes of
 * the reads, the rest is the response (at most XLB_PROBE_HTTP_MAX bytes are
 * judged, as the probe reads no more).
 *   bits 0-1  expect_status: none (200..399) / [200] / [200, 204, 503] /
 *             XLB_MAX_EXPECT codes
 *   bits 2-3  expect_body: "" / "OK" / "healthy" / a 255-byte string
 *
 * The response is fed the way the probe sees it: a growing prefix, judged
 * after every read until decided, and once more as final at the end.
 * Properties: a decision never needs more bytes once made (a longer prefix
 * keeps the same verdict and detail), a final call always decides, and the
 * detail is a non-empty string.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "probe.h"

static struct xlb_http_expect exps[16];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint16_t codes3[] = { 200, 204, 503 };
	static const char *const bodies[] = { "", "OK", "healthy", NULL };
	int i, j;

	(void)argc;
	(void)argv;
	xlb_log_set_level(XLB_LOG_WARN);
	for (i = 0; i < 16; i++) {
		struct xlb_hc_cfg hc;

		memset(&hc, 0, sizeof(hc));
		hc.type = XLB_HC_HTTP;
		switch (i & 3) {
		case 0:
			break;
		case 1:
			hc.expect_status[0] = 200;
			hc.n_expect = 1;
			break;
		case 2:
			memcpy(hc.expect_status, codes3, sizeof(codes3));
			hc.n_expect = 3;
			break;
		default:
			for (j = 0; j < XLB_MAX_EXPECT; j++)
				hc.expect_status[j] = 100 + 50 * j;
			hc.n_expect = XLB_MAX_EXPECT;
			break;
		}
		if (bodies[(i >> 2) & 3]) {
			strcpy(hc.expect_body, bodies[(i >> 2) & 3]);
		} else {
			memset(hc.expect_body, 'x', sizeof(hc.expect_body) - 1);
			hc.expect_body[sizeof(hc.expect_body) - 1] = '\0';
		}
		xlb_http_expect_init(&exps[i], &hc);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct xlb_http_expect *exp;
	char detail[XLB_PROBE_DETAIL_MAX], first[XLB_PROBE_DETAIL_MAX];
	uint32_t seed;
	size_t len, got = 0;
	int r, verdict = -EAGAIN;
	char *buf;

	if (size < 2)
		return 0;
	exp = &exps[data[0] & 15];
	seed = data[1] | 0x100u;
	len = size - 2;
	if (len > XLB_PROBE_HTTP_MAX)
		len = XLB_PROBE_HTTP_MAX;
	/* An exact-size copy, no NUL after it: a read past the end is caught. */
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 2, len);

	while (got < len) {
		seed = seed * 1103515245u + 12345u;
		got += 1 + (seed >> 16) % 512;
		if (got > len)
			got = len;
		memset(detail, 0, sizeof(detail));
		r = xlb_http_check_response(buf, got, false, exp, detail, sizeof(detail));
		if (r != 0 && r != 1 && r != -EAGAIN)
			__builtin_trap();
		if (r == -EAGAIN)
			continue;
		if (!detail[0])
			__builtin_trap();
		if (verdict == -EAGAIN) {
			verdict = r;
			memcpy(first, detail, sizeof(first));
		} else if (r != verdict || strcmp(detail, first)) {
			__builtin_trap(); /* more bytes changed a decision already made */
		}
	}
	memset(detail, 0, sizeof(detail));
	r = xlb_http_check_response(buf, len, true, exp, detail, sizeof(detail));
	if ((r != 0 && r != 1) || !detail[0])
		__builtin_trap();
	if (verdict != -EAGAIN && (r != verdict || strcmp(detail, first)))
		__builtin_trap();
	free(buf);
	return 0;
}
