// SPDX-License-Identifier: GPL-2.0
/*
 * Data-plane test fixture: a private network namespace with a small lab,
 * the xlb program loaded unpinned, and map seeding the way xlbd does it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb.skel.h"
#include "maglev.h"
#include "fixture.h"
#include "pkt.h"

static const char *const be_mac[2][FX_NBACKENDS] = {
	{ "02:00:00:00:10:00", "02:00:00:00:10:01", "02:00:00:00:10:02", "02:00:00:00:10:03",
	  "02:00:00:00:10:04", "02:00:00:00:10:05", "02:00:00:00:10:06", "02:00:00:00:10:07" },
	{ "02:00:00:00:11:00", "02:00:00:00:11:01", "02:00:00:00:11:02", "02:00:00:00:11:03",
	  "02:00:00:00:11:04", "02:00:00:00:11:05", "02:00:00:00:11:06", "02:00:00:00:11:07" },
};

static const char *const be_addr4[2][FX_NBACKENDS] = {
	{ "10.0.0.10", "10.0.0.11", "10.0.0.12", "10.0.0.13",
	  "10.0.0.14", "10.0.0.15", "10.0.0.16", "10.0.0.17" },
	{ "10.1.0.10", "10.1.0.11", "10.1.0.12", "10.1.0.13",
	  "10.1.0.14", "10.1.0.15", "10.1.0.16", "10.1.0.17" },
};

static const char *const be_addr6[2][FX_NBACKENDS] = {
	{ "fd00::a:0", "fd00::a:1", "fd00::a:2", "fd00::a:3",
	  "fd00::a:4", "fd00::a:5", "fd00::a:6", "fd00::a:7" },
	{ "fd01::a:0", "fd01::a:1", "fd01::a:2", "fd01::a:3",
	  "fd01::a:4", "fd01::a:5", "fd01::a:6", "fd01::a:7" },
};

const char *fx_be_mac(int ifn, int i)
{
	return be_mac[ifn & 1][i % FX_NBACKENDS];
}

const char *fx_be_addr(int ifn, int i, int family)
{
	if (family == XLB_AF_INET6)
		return be_addr6[ifn & 1][i % FX_NBACKENDS];
	return be_addr4[ifn & 1][i % FX_NBACKENDS];
}

static int write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

/* The lab of fixture.h, in the namespace we are in. */
static int fx_net(void)
{
	static const char *const ifs[2] = { FX_IF0, FX_IF1 };
	FILE *ip;
	int i, n, rc;

	ip = popen("ip -batch -", "w");
	if (!ip)
		return -errno;
	fprintf(ip, "link set lo up\n");
	fprintf(ip, "link add %s address %s type veth peer name %sp address 02:00:00:00:00:02\n",
		FX_IF0, FX_LB_MAC, FX_IF0);
	fprintf(ip, "link add %s address %s type veth peer name %sp address 02:00:00:00:01:02\n",
		FX_IF1, FX_LB1_MAC, FX_IF1);
	for (i = 0; i < 2; i++)
		fprintf(ip, "link set %s up\nlink set %sp up\n", ifs[i], ifs[i]);
	fprintf(ip, "addr add %s/24 dev %s\n", FX_LB4, FX_IF0);
	fprintf(ip, "addr add %s/64 dev %s nodad\n", FX_LB6, FX_IF0);
	fprintf(ip, "addr add %s/24 dev %s\n", FX_LB1_4, FX_IF1);
	fprintf(ip, "addr add %s/64 dev %s nodad\n", FX_LB1_6, FX_IF1);
	fprintf(ip, "route add default via %s dev %s\n", FX_GW4, FX_IF0);
	fprintf(ip, "route add ::/0 via %s dev %s\n", FX_GW6, FX_IF0);
	fprintf(ip, "neigh replace %s lladdr %s dev %s nud permanent\n", FX_GW4, FX_GW_MAC,
		FX_IF0);
	fprintf(ip, "neigh replace %s lladdr %s dev %s nud permanent\n", FX_GW6, FX_GW_MAC,
		FX_IF0);
	for (i = 0; i < 2; i++)
		for (n = 0; n < FX_NBACKENDS; n++) {
			fprintf(ip, "neigh replace %s lladdr %s dev %s nud permanent\n",
				be_addr4[i][n], be_mac[i][n], ifs[i]);
			fprintf(ip, "neigh replace %s lladdr %s dev %s nud permanent\n",
				be_addr6[i][n], be_mac[i][n], ifs[i]);
		}
	rc = pclose(ip);
	if (rc != 0) {
		fprintf(stderr, "fixture: ip -batch failed (status %d)\n", rc);
		return -EIO;
	}
	rc = write_file("/proc/sys/net/ipv4/ip_forward", "1");
	if (!rc)
		rc = write_file("/proc/sys/net/ipv6/conf/all/forwarding", "1");
	return rc;
}

static int fx_load(struct fx *fx, const struct fx_opts *o)
{
	struct bpf_map *m;
	int err;

	fx->skel = xlb__open();
	if (!fx->skel)
		return -errno;
	/* Tests pin nothing: the maps die with the test process. */
	bpf_object__for_each_map(m, fx->skel->obj) {
		err = bpf_map__set_pin_path(m, NULL);
		if (err)
			return err;
	}
	if (o && o->flow_entries) {
		err = bpf_map__set_max_entries(fx->skel->maps.flows, o->flow_entries);
		if (err)
			return err;
	}
	if (o && o->nat_entries) {
		err = bpf_map__set_max_entries(fx->skel->maps.nat, o->nat_entries);
		if (err)
			return err;
	}
	if (o && o->check_mac) {
		unsigned int m[6], i;

		if (sscanf(FX_LB_MAC, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
			   &m[5]) != 6)
			return -EINVAL;
		for (i = 0; i < 6; i++)
			((uint8_t *)fx->skel->rodata->xlb_if_mac)[i] = (uint8_t)m[i];
	}
	err = xlb__load(fx->skel);
	if (err)
		return err;
	fx->prog_fd = bpf_program__fd(fx->skel->progs.xlb_xdp);
	return fx->prog_fd < 0 ? -EBADF : 0;
}

int fx_setup(struct fx *fx, const struct fx_opts *o)
{
	int err;

	memset(fx, 0, sizeof(*fx));
	fx->prog_fd = -1;
	if (unshare(CLONE_NEWNET))
		return -errno;
	err = fx_net();
	if (err)
		return err;
	fx->ifindex0 = (int)if_nametoindex(FX_IF0);
	fx->ifindex1 = (int)if_nametoindex(FX_IF1);
	if (!fx->ifindex0 || !fx->ifindex1)
		return -ENODEV;
	return fx_load(fx, o);
}

void fx_teardown(struct fx *fx)
{
	xlb__destroy(fx->skel);
	fx->skel = NULL;
	fx->prog_fd = -1;
}

static int map_fd(struct bpf_map *m)
{
	return bpf_map__fd(m);
}

int fx_service(struct fx *fx, const char *vip, uint16_t port, uint8_t proto, uint8_t mode,
	       uint32_t flags, const char *snat, uint32_t id, uint32_t table)
{
	struct xlb_vip_key k;
	struct xlb_service s;
	uint8_t a[16];
	int fam;

	memset(&k, 0, sizeof(k));
	memset(&s, 0, sizeof(s));
	fam = pkt_addr(vip, a);
	if (fam < 0)
		return -EINVAL;
	memcpy(k.addr, a, 16);
	k.port = htons(port);
	k.proto = proto;
	k.family = fam == AF_INET ? XLB_AF_INET : XLB_AF_INET6;
	s.id = id;
	s.table = table;
	s.flags = flags;
	s.mode = mode;
	s.family = k.family;
	if (snat && pkt_addr(snat, a) >= 0)
		memcpy(s.snat_addr, a, 16);
	if (bpf_map_update_elem(map_fd(fx->skel->maps.services), &k, &s, BPF_ANY))
		return -errno;
	return 0;
}

int fx_service_del(struct fx *fx, const char *vip, uint16_t port, uint8_t proto)
{
	struct xlb_vip_key k;
	uint8_t a[16];
	int fam;

	memset(&k, 0, sizeof(k));
	fam = pkt_addr(vip, a);
	memcpy(k.addr, a, 16);
	k.port = htons(port);
	k.proto = proto;
	k.family = fam == AF_INET ? XLB_AF_INET : XLB_AF_INET6;
	if (bpf_map_delete_elem(map_fd(fx->skel->maps.services), &k))
		return -errno;
	return 0;
}

int fx_backend(struct fx *fx, uint32_t id, const char *addr, uint16_t port, uint8_t state,
	       uint32_t gen, uint32_t service)
{
	struct xlb_backend be;
	uint8_t a[16];
	int fam;

	memset(&be, 0, sizeof(be));
	fam = pkt_addr(addr, a);
	if (fam < 0)
		return -EINVAL;
	memcpy(be.addr, a, 16);
	be.port = htons(port);
	be.family = fam == AF_INET ? XLB_AF_INET : XLB_AF_INET6;
	be.state = state;
	be.gen = gen;
	be.service = service;
	if (bpf_map_update_elem(map_fd(fx->skel->maps.backends), &id, &be, BPF_ANY))
		return -errno;
	return 0;
}

int fx_backend_get(struct fx *fx, uint32_t id, struct xlb_backend *be)
{
	if (bpf_map_lookup_elem(map_fd(fx->skel->maps.backends), &id, be))
		return -errno;
	return 0;
}

/*
 * Store the mmapped inner map @fd at @table. The kernel lays array values
 * out with a stride of round_up(value_size, 8) = 8 bytes, not 4.
 */
static int table_install(struct fx *fx, uint32_t table, const uint32_t *slots)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_MMAPABLE);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = ((size_t)XLB_MAGLEV_SIZE * 8 + page - 1) / page * page;
	uint32_t probe[3] = { 0, XLB_MAGLEV_SIZE / 2, XLB_MAGLEV_SIZE - 1 };
	uint8_t *mem;
	uint32_t i, v;
	int fd, err = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_maglev", 4, 4, XLB_MAGLEV_SIZE, &mo);
	if (fd < 0)
		return -errno;
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < XLB_MAGLEV_SIZE; i++)
		memcpy(mem + (size_t)i * 8, &slots[i], 4);
	munmap(mem, len);
	/* The program reads through lookups: check the layout agrees. */
	for (i = 0; i < 3; i++) {
		if (bpf_map_lookup_elem(fd, &probe[i], &v) || v != slots[probe[i]]) {
			err = -EFAULT;
			goto out;
		}
	}
	if (bpf_map_update_elem(map_fd(fx->skel->maps.maglev), &table, &fd, BPF_ANY))
		err = -errno;
out:
	close(fd);
	return err;
}

int fx_table(struct fx *fx, uint32_t table, const uint32_t *ids, const uint32_t *weights,
	     size_t n)
{
	struct xlb_maglev_backend *mb;
	struct xlb_backend be;
	uint32_t *slots;
	size_t i;
	int err;

	mb = calloc(n ? n : 1, sizeof(*mb));
	slots = malloc(sizeof(*slots) * XLB_MAGLEV_SIZE);
	if (!mb || !slots) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		err = fx_backend_get(fx, ids[i], &be);
		if (err)
			goto out;
		mb[i].id = ids[i];
		mb[i].weight = weights ? weights[i] : 1;
		memcpy(mb[i].key, be.addr, 16);
		memcpy(mb[i].key + 16, &be.port, 2);
	}
	err = xlb_maglev_build(mb, n, slots, XLB_MAGLEV_SIZE);
	if (!err)
		err = table_install(fx, table, slots);
out:
	free(mb);
	free(slots);
	return err;
}

int fx_table_fill(struct fx *fx, uint32_t table, uint32_t id)
{
	uint32_t *slots = malloc(sizeof(*slots) * XLB_MAGLEV_SIZE);
	uint32_t i;
	int err;

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < XLB_MAGLEV_SIZE; i++)
		slots[i] = id;
	err = table_install(fx, table, slots);
	free(slots);
	return err;
}

int fx_table_del(struct fx *fx, uint32_t table)
{
	if (bpf_map_delete_elem(map_fd(fx->skel->maps.maglev), &table))
		return -errno;
	return 0;
}

int fx_config(struct fx *fx, const struct xlb_config *c)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(map_fd(fx->skel->maps.config), &zero, c, BPF_ANY))
		return -errno;
	return 0;
}

int fx_run_prog(int prog_fd, int ifindex, const void *in, size_t len, void *out,
		size_t *out_len, uint32_t *verdict, uint32_t *duration)
{
	struct xdp_md ctx = {
		.data = 0,
		.data_end = (uint32_t)len,
		.ingress_ifindex = (uint32_t)ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in,
		.data_size_in = (uint32_t)len,
		.data_out = out,
		.data_size_out = PKT_MAX,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);
	int err;

	err = bpf_prog_test_run_opts(prog_fd, &o);
	if (err)
		return err < 0 ? err : -errno;
	if (out_len)
		*out_len = o.data_size_out;
	if (verdict)
		*verdict = o.retval;
	if (duration)
		*duration = o.duration;
	return 0;
}

int fx_run(struct fx *fx, int ifindex, const void *in, size_t len, void *out, size_t *out_len,
	   uint32_t *verdict)
{
	uint32_t d = 0;
	int err;

	err = fx_run_prog(fx->prog_fd, ifindex, in, len, out, out_len, verdict, &d);
	if (!err) {
		fx->runs++;
		fx->last_duration = d;
	}
	return err;
}

/* Sum a per-CPU value of @n u64 counters. */
static int percpu_sum(int fd, uint32_t key, uint64_t *sum, size_t n)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;
	int c, err = 0;
	size_t i;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc((size_t)ncpu, n * sizeof(uint64_t));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		err = -errno;
		goto out;
	}
	memset(sum, 0, n * sizeof(uint64_t));
	for (c = 0; c < ncpu; c++)
		for (i = 0; i < n; i++)
			sum[i] += vals[(size_t)c * n + i];
out:
	free(vals);
	return err;
}

int fx_reason(struct fx *fx, enum xlb_reason r, struct xlb_reason_stats *out)
{
	return percpu_sum(map_fd(fx->skel->maps.reasons), r, (uint64_t *)out, 2);
}

uint64_t fx_reason_packets(struct fx *fx, enum xlb_reason r)
{
	struct xlb_reason_stats s;

	if (fx_reason(fx, r, &s))
		return UINT64_MAX;
	return s.packets;
}

uint64_t fx_reason_total(struct fx *fx)
{
	uint64_t total = 0;
	int r;

	for (r = 0; r < XLB_R_MAX; r++)
		total += fx_reason_packets(fx, (enum xlb_reason)r);
	return total;
}

int fx_service_stats(struct fx *fx, uint32_t id, struct xlb_service_stats *out)
{
	return percpu_sum(map_fd(fx->skel->maps.service_stats), id, (uint64_t *)out,
			  sizeof(*out) / sizeof(uint64_t));
}

int fx_backend_stats(struct fx *fx, uint32_t id, struct xlb_backend_stats *out)
{
	return percpu_sum(map_fd(fx->skel->maps.backend_stats), id, (uint64_t *)out,
			  sizeof(*out) / sizeof(uint64_t));
}

int fx_flow_get(struct fx *fx, const struct xlb_flow_key *k, struct xlb_flow *f)
{
	if (bpf_map_lookup_elem(map_fd(fx->skel->maps.flows), k, f))
		return -errno;
	return 0;
}

int fx_flow_set(struct fx *fx, const struct xlb_flow_key *k, const struct xlb_flow *f)
{
	if (bpf_map_update_elem(map_fd(fx->skel->maps.flows), k, f, BPF_ANY))
		return -errno;
	return 0;
}

int fx_nat_get(struct fx *fx, const struct xlb_flow_key *k, struct xlb_nat *n)
{
	if (bpf_map_lookup_elem(map_fd(fx->skel->maps.nat), k, n))
		return -errno;
	return 0;
}

int fx_nat_set(struct fx *fx, const struct xlb_flow_key *k, const struct xlb_nat *n)
{
	if (bpf_map_update_elem(map_fd(fx->skel->maps.nat), k, n, BPF_ANY))
		return -errno;
	return 0;
}

static int map_count(int fd)
{
	struct xlb_flow_key k, next;
	int n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

int fx_nat_count(struct fx *fx)
{
	return map_count(map_fd(fx->skel->maps.nat));
}

int fx_flow_count(struct fx *fx)
{
	return map_count(map_fd(fx->skel->maps.flows));
}

void fx_key(struct xlb_flow_key *k, const char *src, uint16_t sport, const char *dst,
	    uint16_t dport, uint8_t proto)
{
	uint8_t a[16];
	int fam;

	memset(k, 0, sizeof(*k));
	fam = pkt_addr(src, a);
	memcpy(k->src, a, 16);
	pkt_addr(dst, a);
	memcpy(k->dst, a, 16);
	k->sport = htons(sport);
	k->dport = htons(dport);
	k->proto = proto;
	k->family = fam == AF_INET ? XLB_AF_INET : XLB_AF_INET6;
}

uint64_t fx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
