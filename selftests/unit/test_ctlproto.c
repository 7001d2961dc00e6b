// SPDX-License-Identifier: GPL-2.0
/* The control-socket codec: framing and request decoding. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "ctlproto.h"

static int decode(const char *s, struct xlb_ctl_req *r, char *err)
{
	return xlb_ctl_req_decode(s, strlen(s), r, err, 256);
}

Test(ctlproto, decodes_each_command)
{
	struct xlb_ctl_req r;
	char err[256];

	cr_assert_eq(decode("{\"cmd\":\"status\"}", &r, err), 0);
	cr_assert_eq(r.cmd, XLB_CTL_STATUS);
	xlb_ctl_req_free(&r);

	cr_assert_eq(decode("{\"cmd\":\"apply\",\"origin\":\"a.json\",\"config\":\"{}\"}", &r, err), 0);
	cr_assert_eq(r.cmd, XLB_CTL_APPLY);
	cr_assert_str_eq(r.origin, "a.json");
	cr_assert_str_eq(r.config, "{}");
	cr_assert_eq(r.config_len, 2);
	xlb_ctl_req_free(&r);

	cr_assert_eq(decode("{\"cmd\":\"backend\",\"action\":\"drain\",\"service\":\"web\","
			    "\"address\":\"10.0.0.1\",\"port\":8080}", &r, err), 0);
	cr_assert_eq(r.action, XLB_ACT_DRAIN);
	cr_assert_str_eq(r.service, "web");
	cr_assert_str_eq(r.address, "10.0.0.1");
	cr_assert_eq(r.port, 8080);
	xlb_ctl_req_free(&r);
}

Test(ctlproto, round_trips_through_encode)
{
	struct xlb_ctl_req in = { .cmd = XLB_CTL_BACKEND, .action = XLB_ACT_DISABLE,
				  .service = "api", .address = "fd00::1", .port = 443 };
	struct xlb_ctl_req out;
	struct json_object *o = xlb_ctl_req_encode(&in);
	const char *s = json_object_to_json_string(o);
	char err[256];

	cr_assert_eq(decode(s, &out, err), 0, "%s", err);
	cr_assert_eq(out.cmd, XLB_CTL_BACKEND);
	cr_assert_eq(out.action, XLB_ACT_DISABLE);
	cr_assert_str_eq(out.address, "fd00::1");
	cr_assert_eq(out.port, 443);
	xlb_ctl_req_free(&out);
	json_object_put(o);
}

Test(ctlproto, rejects_bad_requests_with_a_message)
{
	static const struct {
		const char *in, *msg;
	} bad[] = {
		{ "", "request is not one JSON object" },
		{ "{", "request is not one JSON object" },
		{ "{} {}", "request is not one JSON object" },
		{ "[1]", "request is not a JSON object" },
		{ "{\"cmd\":1}", "request has no \"cmd\" string" },
		{ "{\"cmd\":\"explode\"}", "unknown command \"explode\"" },
		{ "{\"cmd\":\"apply\"}", "apply: \"config\" must be a string" },
		{ "{\"cmd\":\"apply\",\"config\":{}}", "apply: \"config\" must be a string" },
		{ "{\"cmd\":\"backend\",\"action\":\"nuke\",\"service\":\"a\",\"address\":\"b\"}",
		  "backend: \"action\" must be drain, enable or disable" },
		{ "{\"cmd\":\"backend\",\"action\":\"drain\",\"service\":\"a\"}",
		  "backend: \"service\" and \"address\" are required" },
		{ "{\"cmd\":\"backend\",\"action\":\"drain\",\"service\":\"a\",\"address\":\"b\","
		  "\"port\":\"80\"}", "backend: \"port\" must be an integer" },
		{ "{\"cmd\":\"backend\",\"action\":\"drain\",\"service\":\"a\",\"address\":\"b\","
		  "\"port\":70000}", "backend: \"port\" must be 0..65535" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xlb_ctl_req r;
		char err[256] = "";

		cr_assert_eq(decode(bad[i].in, &r, err), -EINVAL, "case %zu", i);
		cr_assert_str_eq(err, bad[i].msg, "case %zu: %s", i, bad[i].in);
		cr_assert_null(r.config);
		cr_assert_null(r.service);
	}
}

Test(ctlproto, frame_reader_reassembles_split_input)
{
	const char msg[] = "{\"cmd\":\"status\"}";
	char wire[64];
	size_t n = sizeof(msg) - 1, i, used;
	struct xlb_frame f;
	int ret = 0;

	wire[0] = 0; wire[1] = 0; wire[2] = 0; wire[3] = n;
	memcpy(wire + 4, msg, n);
	xlb_frame_init(&f, 1024);
	/* one byte at a time: every split point of header and body */
	for (i = 0; i < n + 4; i++) {
		ret = xlb_frame_feed(&f, wire + i, 1, &used);
		cr_assert_eq(used, 1);
		if (i < n + 3)
			cr_assert_eq(ret, 0, "complete too early at byte %zu", i);
	}
	cr_assert_eq(ret, 1);
	cr_assert_eq(f.msg_len, n);
	cr_assert_str_eq(f.msg, msg);
	xlb_frame_reset(&f);
}

Test(ctlproto, frame_reader_refuses_oversized_length)
{
	const char wire[4] = { 0x01, 0x00, 0x00, 0x00 }; /* 16 MiB */
	struct xlb_frame f;
	size_t used;

	xlb_frame_init(&f, 1 << 20);
	cr_assert_eq(xlb_frame_feed(&f, wire, 4, &used), -EMSGSIZE);
	cr_assert_null(f.msg);
	xlb_frame_reset(&f);
}

Test(ctlproto, frame_write_then_read_over_a_pipe)
{
	int p[2];
	char *got = NULL;
	size_t len = 0;

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(xlb_frame_write(p[1], "hello", 5), 0);
	close(p[1]);
	cr_assert_eq(xlb_frame_read(p[0], &got, &len, 64), 0);
	cr_assert_eq(len, 5);
	cr_assert_str_eq(got, "hello");
	free(got);
	close(p[0]);
}

Test(ctlproto, frame_memory_follows_the_bytes_not_the_announced_length)
{
	const uint8_t hdr[4] = { 0x01, 0x00, 0x00, 0x00 }; /* announces 16 MiB */
	static char chunk[100000];
	struct xlb_frame f;
	size_t used, total = 0;
	int ret;

	xlb_frame_init(&f, 32u << 20);
	cr_assert_eq(xlb_frame_feed(&f, (const char *)hdr, 4, &used), 0);
	cr_expect_leq(f.msg_cap, 65537, "nothing received yet, %zu bytes allocated", f.msg_cap);
	memset(chunk, 'x', sizeof(chunk));
	do {
		ret = xlb_frame_feed(&f, chunk, sizeof(chunk), &used);
		total += used;
		cr_assert_geq(f.msg_cap, f.msg_got + 1);
	} while (ret == 0);
	cr_assert_eq(ret, 1);
	cr_expect_eq(total, 16u << 20);
	cr_expect_eq(f.msg_len, 16u << 20);
	cr_expect_eq(f.msg[f.msg_len - 1], 'x');
	cr_expect_eq(f.msg[f.msg_len], '\0');
	xlb_frame_reset(&f);
}
