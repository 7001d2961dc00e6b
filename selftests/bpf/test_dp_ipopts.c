// SPDX-License-Identifier: GPL-2.0
/*
 * Data plane, IPv4 options: a header whose option list breaks the
 * type-length rule of RFC 791 section 3.1 (an option other than End of
 * Option List and No Operation has a length octet >= 2 that keeps it
 * inside the header) is malformed and never forwarded; well-formed option
 * lists, whatever the option types, are forwarded like any packet. Found
 * by selftests/netns/test_hostile.sh, which saw such SYNs reach backends.
 */
#include <errno.h>

#include "dp.h"

static void setup(struct fx *fx)
{
	dp_setup(fx, NULL);
	dp_service(fx, AF_INET, IPPROTO_TCP, DP_PORT, XLB_MODE_NAT, 0, 0, 2, NULL);
}

/*
 * Reference walk of @len option octets, written apart from the data plane:
 * 1 when the list is well formed.
 */
static int opts_well_formed(const uint8_t *o, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (o[i] == 0)
			return 1;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
			return 0;
		i += o[i + 1];
	}
	return 1;
}

/*
 * A SYN to the service with @olen option octets @opts (olen a multiple of
 * 4, at most 40); returns the frame length. Each call uses its own client
 * port so every frame is a new flow.
 */
static size_t syn_with_opts(uint8_t *f, const uint8_t *opts, size_t olen, uint16_t sport)
{
	struct pkt p;
	size_t len, l3;

	dp_client_pkt(&p, AF_INET, IPPROTO_TCP, sport, DP_PORT, PKT_TCP_SYN);
	p.ip_opts_len = (uint8_t)olen;
	len = pkt_build(&p, f, PKT_MAX);
	cr_assert_gt(len, 0, "build");
	l3 = pkt_l3_offset(&p);
	memcpy(f + l3 + 20, opts, olen);
	f[l3 + 10] = f[l3 + 11] = 0;
	{
		uint16_t c = pkt_csum(f + l3, 20 + olen, 0);

		f[l3 + 10] = (uint8_t)(c >> 8);
		f[l3 + 11] = (uint8_t)c;
	}
	return len;
}

/* Run @f, expect it forwarded (@ok) or dropped as malformed, counted once. */
static void expect_opts(struct fx *fx, const uint8_t *f, size_t len, int ok, const char *what)
{
	uint64_t fwd = dp_reason(fx, XLB_R_FWD_TX), bad = dp_reason(fx, XLB_R_DROP_MALFORMED);
	uint8_t out[PKT_MAX];
	size_t out_len = 0;
	uint32_t v = 0;
	int err;

	err = fx_run(fx, fx->ifindex0, f, len, out, &out_len, &v);
	cr_assert_eq(err, 0, "%s: run failed: %s", what, strerror(-err));
	cr_assert_eq(v, ok ? XDP_TX : XDP_DROP, "%s: verdict %u, expected %s", what, v,
		     ok ? "XDP_TX" : "XDP_DROP");
	cr_assert_eq(dp_reason(fx, XLB_R_FWD_TX) - fwd, ok ? 1u : 0u, "%s: fwd_tx count", what);
	cr_assert_eq(dp_reason(fx, XLB_R_DROP_MALFORMED) - bad, ok ? 0u : 1u,
		     "%s: drop_malformed count", what);
}

struct opts_case {
	const char *name;
	uint8_t o[40];
	size_t len;
	int ok;
};

static const struct opts_case cases[] = {
	{ "nops and end", { 1, 1, 1, 0 }, 4, 1 },
	{ "record route, whole", { 7, 7, 4, 0, 0, 0, 0, 0 }, 8, 1 },
	{ "timestamp filling the header", { 0x44, 8, 5, 0, 0, 0, 0, 0 }, 8, 1 },
	{ "unknown type, length 4", { 0x9e, 4, 0xaa, 0xbb }, 4, 1 },
	{ "end, then anything", { 0, 0xff, 0x00, 0x7f }, 4, 1 },
	{ "length exactly to the end", { 1, 1, 0x88, 6, 1, 2, 3, 4 }, 8, 1 },
	{ "length 0", { 0x44, 0, 1, 0 }, 4, 0 },
	{ "length 1", { 7, 1, 1, 0 }, 4, 0 },
	{ "length past the header", { 7, 11, 4, 0, 0, 0, 0, 0 }, 8, 0 },
	{ "length 255", { 0x94, 0xff, 0, 0 }, 4, 0 },
	{ "type in the last octet", { 1, 1, 1, 7 }, 4, 0 },
	{ "second option overruns", { 0x94, 4, 0, 0, 7, 5, 4, 0 }, 8, 0 },
};

Test(dp_ipopts, option_lists)
{
	uint8_t f[PKT_MAX];
	struct fx fx;
	size_t i, len;

	setup(&fx);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(opts_well_formed(cases[i].o, cases[i].len), cases[i].ok,
			     "%s: the reference disagrees with the table", cases[i].name);
		len = syn_with_opts(f, cases[i].o, cases[i].len, (uint16_t)(DP_CPORT + i));
		expect_opts(&fx, f, len, cases[i].ok, cases[i].name);
	}
	dp_done(&fx);
}

/* 40 octets of NOPs (IHL 15), and 39 NOPs then a lone type octet. */
Test(dp_ipopts, longest_header)
{
	uint8_t o[40], f[PKT_MAX];
	struct fx fx;
	size_t len;

	setup(&fx);
	memset(o, 1, sizeof(o));
	len = syn_with_opts(f, o, sizeof(o), DP_CPORT);
	expect_opts(&fx, f, len, 1, "40 nops");
	o[39] = 0x44;
	len = syn_with_opts(f, o, sizeof(o), DP_CPORT + 1);
	expect_opts(&fx, f, len, 0, "39 nops and a type without length");
	o[38] = 0x44;
	o[39] = 2;
	len = syn_with_opts(f, o, sizeof(o), DP_CPORT + 2);
	expect_opts(&fx, f, len, 1, "38 nops and a 2-octet option");
	dp_done(&fx);
}

static uint32_t rnd(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

/*
 * A well-formed list of @olen octets (NOPs and options of random types and
 * lengths, maybe an early End); then, half of the time, one option's
 * length octet or any octet overwritten with a random value: the
 * reference walk says what became of it.
 */
static void random_list(uint8_t *o, size_t olen, uint32_t *seed)
{
	size_t i = 0, l, starts[40], n = 0;
	uint32_t v;

	memset(o, 0, olen);
	while (i < olen) {
		uint32_t r = rnd(seed);

		if (r % 8 == 0 || i + 1 == olen) {
			o[i++] = 1;
			continue;
		}
		if (r % 31 == 1) {
			o[i] = 0; /* End: the rest is ignored */
			break;
		}
		l = 2 + rnd(seed) % (olen - i - 1);
		o[i] = (uint8_t)(2 + rnd(seed) % 254);
		o[i + 1] = (uint8_t)l;
		starts[n++] = i;
		i += l;
	}
	if (rnd(seed) & 1)
		return;
	v = rnd(seed);
	if (n && (v & 1))
		o[starts[rnd(seed) % n] + 1] = (uint8_t)(v % 48); /* small values hit the rules */
	else
		o[rnd(seed) % olen] = (uint8_t)v;
}

/* Random option lists (lengths 4..40) against the reference walk. */
Test(dp_ipopts, random_lists_match_reference)
{
	uint8_t o[40], f[PKT_MAX];
	uint32_t seed = 12345;
	int n, good = 0, bad = 0;
	struct fx fx;
	size_t len, olen;

	setup(&fx);
	for (n = 0; n < 3000; n++) {
		olen = 4 * (1 + n % 10);
		random_list(o, olen, &seed);
		len = syn_with_opts(f, o, olen, (uint16_t)(1024 + n));
		if (opts_well_formed(o, olen)) {
			good++;
			expect_opts(&fx, f, len, 1, "random well-formed list");
		} else {
			bad++;
			expect_opts(&fx, f, len, 0, "random broken list");
		}
	}
	cr_assert(good > 300 && bad > 300, "random lists too one-sided: %d good, %d bad", good,
		  bad);
	dp_done(&fx);
}
