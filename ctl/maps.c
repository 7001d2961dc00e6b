// SPDX-License-Identifier: GPL-2.0
/* Every bpf_map_* / XDP attach call of the controller. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "maps.h"
#include "netlink.h"
#include "xlb.skel.h"

enum map_idx {
	M_SERVICES, M_BACKENDS, M_MAGLEV, M_FLOWS, M_NAT, M_CONFIG,
	M_SERVICE_STATS, M_BACKEND_STATS, M_REASONS, M_NR,
};

const char *const xlb_map_names[] = {
	[M_SERVICES] = "services", [M_BACKENDS] = "backends", [M_MAGLEV] = "maglev",
	[M_FLOWS] = "flows", [M_NAT] = "nat", [M_CONFIG] = "config",
	[M_SERVICE_STATS] = "service_stats", [M_BACKEND_STATS] = "backend_stats",
	[M_REASONS] = "reasons", NULL,
};

struct xlb_dp {
	struct xlb *skel;         /* NULL when opened from pins only */
	int fd[M_NR];
	char pin_dir[256];        /* XLB_PIN_BASE/<node>, node names are short */
	int link_fd;              /* XDP bpf_link, -1 when detached */
	bool link_pinned;         /* <pin_dir>/link holds it */
	int ifindex;
	int ncpus;
	bool generic;
};

static struct xlb_dp *dp_new(void)
{
	struct xlb_dp *dp = calloc(1, sizeof(*dp));
	int i;

	if (!dp)
		return NULL;
	for (i = 0; i < M_NR; i++)
		dp->fd[i] = -1;
	dp->link_fd = -1;
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus < 1) {
		free(dp);
		errno = EINVAL;
		return NULL;
	}
	return dp;
}

const char *xlb_dp_pin_dir(const struct xlb_dp *dp)
{
	return dp->pin_dir;
}

/* Make sure /sys/fs/bpf is a bpffs and XLB_PIN_BASE/<node> exists. */
static int prepare_pin_dir(const char *dir)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) < 0 || st.f_type != BPF_FS_MAGIC) {
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL) < 0) {
			int err = -errno;

			pr_warn("/sys/fs/bpf is not a bpf filesystem and mounting one failed: %s\n",
				strerror(-err));
			return err;
		}
		pr_info("mounted bpffs on /sys/fs/bpf\n");
	}
	if (mkdir(XLB_PIN_BASE, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Compare a pinned map with what the object wants. Returns 0 when it can be
 * reused, 1 when nothing is pinned, -EEXIST on a mismatch (message logged).
 */
static int check_pinned(const char *dir, const struct bpf_map *m)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 1 : -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
		err = -errno;
		goto out;
	}
#define CMP(field, want)                                                                     \
	if ((__u64)info.field != (__u64)(want)) {                                            \
		pr_warn("pinned map %s: %s is %llu, this xlbd needs %llu\n", path, #field,   \
			(unsigned long long)info.field, (unsigned long long)(want));          \
		err = -EEXIST;                                                               \
	}
	CMP(type, bpf_map__type(m));
	CMP(key_size, bpf_map__key_size(m));
	CMP(value_size, bpf_map__value_size(m));
	CMP(max_entries, bpf_map__max_entries(m));
	CMP(map_flags, bpf_map__map_flags(m));
#undef CMP
out:
	close(fd);
	return err;
}

static int check_abi_version(const char *dir)
{
	struct xlb_config c = { 0 };
	char path[PATH_MAX];
	__u32 key = 0;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/config", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_map_lookup_elem(fd, &key, &c) == 0 && c.abi_version &&
	    c.abi_version != XLB_ABI_VERSION) {
		pr_warn("pinned maps in %s were written by ABI version %u, this xlbd uses %u\n",
			dir, c.abi_version, XLB_ABI_VERSION);
		err = -EEXIST;
	}
	close(fd);
	return err;
}

static void unpin_all(const char *dir)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; xlb_map_names[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, xlb_map_names[i]);
		if (unlink(path) < 0 && errno != ENOENT)
			pr_warn("unpin %s: %s\n", path, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/link", dir);
	if (unlink(path) < 0 && errno != ENOENT)
		pr_warn("unpin %s: %s\n", path, strerror(errno));
	if (rmdir(dir) < 0 && errno != ENOENT && errno != ENOTEMPTY)
		pr_warn("rmdir %s: %s\n", dir, strerror(errno));
}

int xlb_dp_load(const struct xlb_node_cfg *node, unsigned int flags, struct xlb_dp **out,
		bool *reused)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts);
	struct xlb_dp *dp;
	struct bpf_map *m;
	int err, pinned = 0, mismatch = 0, i;

	*out = NULL;
	*reused = false;
	dp = dp_new();
	if (!dp)
		return -errno;
	snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s/%s", XLB_PIN_BASE, node->name);
	err = prepare_pin_dir(dp->pin_dir);
	if (err) {
		pr_warn("pin directory %s: %s\n", dp->pin_dir, strerror(-err));
		goto err;
	}
	oopts.pin_root_path = dp->pin_dir;
	dp->skel = xlb__open_opts(&oopts);
	if (!dp->skel) {
		err = -errno;
		pr_warn("open BPF object: %s\n", strerror(-err));
		goto err;
	}
	if (node->flow_table_size) {
		bpf_map__set_max_entries(dp->skel->maps.flows, node->flow_table_size);
		bpf_map__set_max_entries(dp->skel->maps.nat, node->flow_table_size);
	}
	{
		/* frames for other hosts' MACs are not ours to forward */
		struct xlb_nl_link link;
		int ifindex = if_nametoindex(node->interface);

		if (ifindex && !xlb_nl_link_get(ifindex, &link) && link.has_mac)
			memcpy((void *)dp->skel->rodata->xlb_if_mac, link.mac, 6);
		else
			pr_warn("MAC address of %s unknown: frames for other hosts are not "
				"filtered\n", node->interface);
	}

	err = check_abi_version(dp->pin_dir);
	if (err)
		mismatch = 1;
	bpf_object__for_each_map(m, dp->skel->obj) {
		if (!bpf_map__is_pinned(m) && !bpf_map__pin_path(m))
			continue;
		err = check_pinned(dp->pin_dir, m);
		if (err < 0)
			mismatch = 1;
		else if (err == 0)
			pinned++;
	}
	if (mismatch) {
		if (!(flags & XLB_DP_RESET)) {
			pr_warn("pinned maps in %s do not match this xlbd; stop the old one and "
				"run with --reset-maps to discard them (established flows are lost)\n",
				dp->pin_dir);
			err = -EEXIST;
			goto err;
		}
		pr_warn("discarding mismatched pinned maps in %s (--reset-maps)\n", dp->pin_dir);
		unpin_all(dp->pin_dir);
		err = prepare_pin_dir(dp->pin_dir);
		if (err)
			goto err;
		pinned = 0;
	}

	err = xlb__load(dp->skel);
	if (err) {
		pr_warn("load BPF object: %s\n", strerror(-err));
		goto err;
	}
	dp->fd[M_SERVICES] = bpf_map__fd(dp->skel->maps.services);
	dp->fd[M_BACKENDS] = bpf_map__fd(dp->skel->maps.backends);
	dp->fd[M_MAGLEV] = bpf_map__fd(dp->skel->maps.maglev);
	dp->fd[M_FLOWS] = bpf_map__fd(dp->skel->maps.flows);
	dp->fd[M_NAT] = bpf_map__fd(dp->skel->maps.nat);
	dp->fd[M_CONFIG] = bpf_map__fd(dp->skel->maps.config);
	dp->fd[M_SERVICE_STATS] = bpf_map__fd(dp->skel->maps.service_stats);
	dp->fd[M_BACKEND_STATS] = bpf_map__fd(dp->skel->maps.backend_stats);
	dp->fd[M_REASONS] = bpf_map__fd(dp->skel->maps.reasons);
	for (i = 0; i < M_NR; i++) {
		if (dp->fd[i] < 0) {
			err = -EBADF;
			goto err;
		}
	}
	*reused = pinned > 0;
	*out = dp;
	return 0;
err:
	xlb_dp_close(dp, false);
	return err;
}

int xlb_dp_open_pinned(const char *node, struct xlb_dp **out)
{
	struct xlb_dp *dp = dp_new();
	char path[PATH_MAX];
	int i, err;

	*out = NULL;
	if (!dp)
		return -errno;
	snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s/%s", XLB_PIN_BASE, node);
	for (i = 0; i < M_NR; i++) {
		snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, xlb_map_names[i]);
		dp->fd[i] = bpf_obj_get(path);
		if (dp->fd[i] < 0) {
			err = -errno;
			pr_warn("open pinned map %s: %s\n", path, strerror(-err));
			xlb_dp_close(dp, false);
			return err;
		}
	}
	*out = dp;
	return 0;
}

void xlb_dp_close(struct xlb_dp *dp, bool unpin)
{
	int i;

	if (!dp)
		return;
	if (unpin || !dp->link_pinned)
		xlb_dp_detach(dp);
	else if (dp->link_fd >= 0)
		close(dp->link_fd); /* the pin keeps the program attached */
	if (dp->skel) {
		if (unpin)
			bpf_object__unpin_maps(dp->skel->obj, NULL);
		xlb__destroy(dp->skel);
	} else {
		for (i = 0; i < M_NR; i++)
			if (dp->fd[i] >= 0)
				close(dp->fd[i]);
	}
	if (unpin)
		unpin_all(dp->pin_dir);
	free(dp);
}

/* ---- XDP attach ---------------------------------------------------------- */

static int link_xdp(struct xlb_dp *dp, __u32 xdp_flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, lopts, .flags = xdp_flags);
	int fd = bpf_link_create(bpf_program__fd(dp->skel->progs.xlb_xdp), dp->ifindex,
				 BPF_XDP, &lopts);

	return fd < 0 ? -errno : fd;
}

static void link_path(const struct xlb_dp *dp, char *buf, size_t len)
{
	snprintf(buf, len, "%s/link", dp->pin_dir);
}

/*
 * Take over the link an earlier xlbd pinned on the same interface: swap our
 * program in. Returns the link fd, or -1 when there is none to take over.
 */
static int take_over_link(struct xlb_dp *dp)
{
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	link_path(dp, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_LINK_TYPE_XDP ||
	    (int)info.xdp.ifindex != dp->ifindex) {
		pr_info("pinned XDP link %s is for another interface; replacing it\n", path);
		goto drop;
	}
	if (bpf_link_update(fd, bpf_program__fd(dp->skel->progs.xlb_xdp), NULL)) {
		pr_warn("updating the pinned XDP link %s: %s; re-attaching\n", path,
			strerror(errno));
		goto drop;
	}
	return fd;
drop:
	close(fd);
	unlink(path);
	return -1;
}

/* Native or generic, as the kernel reports the current attachment. */
static bool attached_generic(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	return bpf_xdp_query(ifindex, 0, &q) == 0 && q.attach_mode == XDP_ATTACHED_SKB;
}

int xlb_dp_attach(struct xlb_dp *dp, const char *ifname, enum xlb_xdp_mode mode, bool pin)
{
	char path[PATH_MAX];
	int fd;

	if (!dp->skel)
		return -EINVAL;
	if (dp->link_fd >= 0)
		return 0;
	dp->ifindex = if_nametoindex(ifname);
	if (!dp->ifindex) {
		pr_warn("interface %s: %s\n", ifname, strerror(errno));
		return -ENODEV;
	}
	/*
	 * A link pinned by an earlier run is taken over whether or not we pin:
	 * dropping it and attaching anew would race with its release, which
	 * the kernel completes asynchronously (the new attach fails EBUSY).
	 */
	fd = take_over_link(dp);
	if (fd >= 0) {
		dp->link_fd = fd;
		dp->link_pinned = true;
		dp->generic = attached_generic(dp->ifindex);
		pr_info("XDP program replaced in the link pinned on %s (%s): no packet missed\n",
			ifname, dp->generic ? "generic" : "native");
		if (!pin)
			xlb_dp_unpin_link(dp); /* ours now: detached when we close it */
		return 0;
	}
	if (mode == XLB_XDP_GENERIC) {
		fd = link_xdp(dp, XDP_FLAGS_SKB_MODE);
		dp->generic = true;
	} else {
		fd = link_xdp(dp, XDP_FLAGS_DRV_MODE);
		dp->generic = false;
		if (fd < 0 && mode == XLB_XDP_AUTO) {
			pr_warn("native XDP on %s failed (%s); falling back to generic XDP\n",
				ifname, strerror(-fd));
			fd = link_xdp(dp, XDP_FLAGS_SKB_MODE);
			dp->generic = true;
		}
	}
	if (fd < 0) {
		pr_warn("attach XDP to %s failed: %s\n", ifname, strerror(-fd));
		return fd;
	}
	dp->link_fd = fd;
	if (pin) {
		link_path(dp, path, sizeof(path));
		if (bpf_obj_pin(fd, path))
			pr_warn("pin XDP link %s: %s (a restart will briefly detach)\n", path,
				strerror(errno));
		else
			dp->link_pinned = true;
	}
	pr_info("XDP program attached to %s (%s)\n", ifname, dp->generic ? "generic" : "native");
	return 0;
}

void xlb_dp_unpin_link(struct xlb_dp *dp)
{
	char path[PATH_MAX];

	link_path(dp, path, sizeof(path));
	if (unlink(path) == 0)
		pr_info("removed the XDP link pinned by an earlier run\n");
	dp->link_pinned = false;
}

void xlb_dp_detach(struct xlb_dp *dp)
{
	if (dp->link_pinned)
		xlb_dp_unpin_link(dp);
	if (dp->link_fd < 0)
		return;
	/* Closing the last reference to the bpf_link detaches the program. */
	close(dp->link_fd);
	dp->link_fd = -1;
	pr_info("XDP program detached\n");
}

bool xlb_dp_is_attached(const struct xlb_dp *dp)
{
	return dp->link_fd >= 0;
}

const char *xlb_dp_attach_mode(const struct xlb_dp *dp)
{
	if (dp->link_fd < 0)
		return "none";
	return dp->generic ? "generic" : "native";
}

int xlb_dp_prog_id(const struct xlb_dp *dp)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (!dp->skel)
		return 0;
	if (bpf_obj_get_info_by_fd(bpf_program__fd(dp->skel->progs.xlb_xdp), &info, &len))
		return 0;
	return info.id;
}

/* ---- map writes ------------------------------------------------------------ */

int xlb_dp_write_config(struct xlb_dp *dp, const struct xlb_node_cfg *node)
{
	struct xlb_config c = {
		.tcp_timeout_ns = (__u64)node->tcp_timeout_ms * 1000000,
		.tcp_fin_timeout_ns = (__u64)node->tcp_fin_timeout_ms * 1000000,
		.udp_timeout_ns = (__u64)node->udp_timeout_ms * 1000000,
		.snat_port_min = node->snat_port_min,
		.snat_port_max = node->snat_port_max,
		.abi_version = XLB_ABI_VERSION,
	};
	__u32 key = 0;

	return bpf_map_update_elem(dp->fd[M_CONFIG], &key, &c, BPF_ANY) ? -errno : 0;
}

int xlb_dp_service_put(struct xlb_dp *dp, const struct xlb_vip_key *k, const struct xlb_service *s)
{
	return bpf_map_update_elem(dp->fd[M_SERVICES], k, s, BPF_ANY) ? -errno : 0;
}

int xlb_dp_service_get(struct xlb_dp *dp, const struct xlb_vip_key *k, struct xlb_service *s)
{
	return bpf_map_lookup_elem(dp->fd[M_SERVICES], k, s) ? -errno : 0;
}

int xlb_dp_service_del(struct xlb_dp *dp, const struct xlb_vip_key *k)
{
	if (bpf_map_delete_elem(dp->fd[M_SERVICES], k) && errno != ENOENT)
		return -errno;
	return 0;
}

int xlb_dp_services_foreach(struct xlb_dp *dp,
			    int (*cb)(const struct xlb_vip_key *, const struct xlb_service *, void *),
			    void *arg)
{
	struct xlb_vip_key k, next;
	struct xlb_service s;
	void *prev = NULL;
	int ret;

	while (bpf_map_get_next_key(dp->fd[M_SERVICES], prev, &next) == 0) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(dp->fd[M_SERVICES], &k, &s))
			continue; /* deleted meanwhile */
		ret = cb(&k, &s, arg);
		if (ret)
			return ret;
	}
	return errno == ENOENT ? 0 : -errno;
}

int xlb_dp_backend_put(struct xlb_dp *dp, uint32_t id, const struct xlb_backend *b)
{
	return bpf_map_update_elem(dp->fd[M_BACKENDS], &id, b, BPF_ANY) ? -errno : 0;
}

int xlb_dp_backend_get(struct xlb_dp *dp, uint32_t id, struct xlb_backend *b)
{
	return bpf_map_lookup_elem(dp->fd[M_BACKENDS], &id, b) ? -errno : 0;
}

int xlb_dp_backends_read_all(struct xlb_dp *dp, struct xlb_backend *out)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bopts);
	__u32 *keys, batch = 0, n, done = 0, i;
	bool first = true;
	int err = 0;

	keys = calloc(XLB_MAX_BACKENDS, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	while (done < XLB_MAX_BACKENDS) {
		n = XLB_MAX_BACKENDS - done;
		err = bpf_map_lookup_batch(dp->fd[M_BACKENDS], first ? NULL : &batch, &batch,
					   keys + done, out + done, &n, &bopts);
		first = false;
		done += n;
		if (err) {
			err = errno == ENOENT ? 0 : -errno;
			break;
		}
	}
	if (err == -EINVAL || err == -EOPNOTSUPP) {
		/* Batch ops unsupported: fall back to one lookup per entry. */
		err = 0;
		for (i = 0; i < XLB_MAX_BACKENDS && !err; i++)
			if (bpf_map_lookup_elem(dp->fd[M_BACKENDS], &i, &out[i]))
				err = -errno;
		done = XLB_MAX_BACKENDS;
	} else if (!err) {
		/* Array batches come back in key order: place them by key. */
		for (i = done; i-- > 0;)
			if (keys[i] != i)
				out[keys[i]] = out[i];
	}
	free(keys);
	return err;
}

/* ---- Maglev tables --------------------------------------------------------- */

/*
 * An array map's elements are laid out value_size rounded up to 8 bytes
 * apart, also in its mmap()ed view: slot i of a table of __u32 lives at byte
 * 8 * i. xlb_dp_table_fill()/read() hide the stride.
 */
#define SLOT_STRIDE 8

static size_t table_bytes(void)
{
	size_t pg = sysconf(_SC_PAGESIZE);

	return ((size_t)XLB_MAGLEV_SIZE * SLOT_STRIDE + pg - 1) / pg * pg;
}

void xlb_dp_table_fill(uint32_t *slots, const uint32_t *table)
{
	uint8_t *mem = (uint8_t *)slots;
	uint32_t i;

	for (i = 0; i < XLB_MAGLEV_SIZE; i++)
		memcpy(mem + (size_t)i * SLOT_STRIDE, &table[i], sizeof(table[i]));
}

int xlb_dp_table_new(struct xlb_dp *dp, int *fd, uint32_t **slots)
{
	LIBBPF_OPTS(bpf_map_create_opts, copts, .map_flags = BPF_F_MMAPABLE);
	void *mem;
	int f;

	(void)dp;
	f = bpf_map_create(BPF_MAP_TYPE_ARRAY, "maglev_table", sizeof(__u32), sizeof(__u32),
			   XLB_MAGLEV_SIZE, &copts);
	if (f < 0)
		return -errno;
	mem = mmap(NULL, table_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	if (mem == MAP_FAILED) {
		int err = -errno;

		close(f);
		return err;
	}
	*fd = f;
	*slots = mem;
	return 0;
}

void xlb_dp_table_abort(int fd, uint32_t *slots)
{
	if (slots)
		munmap(slots, table_bytes());
	if (fd >= 0)
		close(fd);
}

int xlb_dp_table_install(struct xlb_dp *dp, uint32_t index, int fd, uint32_t *slots)
{
	int err = 0;

	if (bpf_map_update_elem(dp->fd[M_MAGLEV], &index, &fd, BPF_ANY))
		err = -errno;
	/* The outer map holds its own reference; ours can go. */
	xlb_dp_table_abort(fd, slots);
	return err;
}

int xlb_dp_table_install_many(struct xlb_dp *dp, const uint32_t *index, const int *fd,
			      uint32_t *const *slots, uint32_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bopts);
	__u32 count = n, i;
	int err = 0;

	if (n == 0)
		return 0;
	if (n > 1 && bpf_map_update_batch(dp->fd[M_MAGLEV], index, fd, &count, &bopts) == 0 &&
	    count == n)
		goto out;
	/* No batch support (or a partial one): the rest one by one. */
	for (i = n > 1 ? count : 0; i < n; i++) {
		if (bpf_map_update_elem(dp->fd[M_MAGLEV], &index[i], &fd[i], BPF_ANY) && !err)
			err = -errno;
	}
out:
	for (i = 0; i < n; i++)
		xlb_dp_table_abort(fd[i], slots[i]);
	return err;
}

int xlb_dp_table_read(struct xlb_dp *dp, uint32_t index, uint32_t *out)
{
	__u32 id;
	int fd, err = 0;
	void *mem;

	if (bpf_map_lookup_elem(dp->fd[M_MAGLEV], &index, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	mem = mmap(NULL, table_bytes(), PROT_READ, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		err = -errno;
	} else {
		uint32_t i;

		for (i = 0; i < XLB_MAGLEV_SIZE; i++)
			memcpy(&out[i], (uint8_t *)mem + (size_t)i * SLOT_STRIDE, sizeof(out[i]));
		munmap(mem, table_bytes());
	}
	close(fd);
	return err;
}

int xlb_dp_table_clear(struct xlb_dp *dp, uint32_t index)
{
	if (bpf_map_delete_elem(dp->fd[M_MAGLEV], &index) && errno != ENOENT)
		return -errno;
	return 0;
}

/* ---- counters ---------------------------------------------------------------- */

static int percpu_sum(struct xlb_dp *dp, int m, __u32 key, __u64 *sum, size_t nfields)
{
	__u64 *vals = calloc((size_t)dp->ncpus * nfields, sizeof(__u64));
	size_t c, f;
	int err = 0;

	if (!vals)
		return -ENOMEM;
	memset(sum, 0, nfields * sizeof(__u64));
	if (bpf_map_lookup_elem(dp->fd[m], &key, vals)) {
		err = -errno;
		goto out;
	}
	for (c = 0; c < (size_t)dp->ncpus; c++)
		for (f = 0; f < nfields; f++)
			sum[f] += vals[c * nfields + f];
out:
	free(vals);
	return err;
}

int xlb_dp_service_stats(struct xlb_dp *dp, uint32_t id, struct xlb_service_stats *out)
{
	return percpu_sum(dp, M_SERVICE_STATS, id, (__u64 *)out, sizeof(*out) / sizeof(__u64));
}

int xlb_dp_backend_stats(struct xlb_dp *dp, uint32_t id, struct xlb_backend_stats *out)
{
	return percpu_sum(dp, M_BACKEND_STATS, id, (__u64 *)out, sizeof(*out) / sizeof(__u64));
}

int xlb_dp_reason_stats(struct xlb_dp *dp, enum xlb_reason r, struct xlb_reason_stats *out)
{
	return percpu_sum(dp, M_REASONS, r, (__u64 *)out, sizeof(*out) / sizeof(__u64));
}

static int percpu_zero(struct xlb_dp *dp, int m, __u32 key, size_t size)
{
	void *z = calloc(dp->ncpus, size);
	int err = 0;

	if (!z)
		return -ENOMEM;
	if (bpf_map_update_elem(dp->fd[m], &key, z, BPF_ANY))
		err = -errno;
	free(z);
	return err;
}

int xlb_dp_stats_reset(struct xlb_dp *dp, int service_id, int backend_id)
{
	int err = 0;

	if (service_id >= 0)
		err = percpu_zero(dp, M_SERVICE_STATS, service_id, sizeof(struct xlb_service_stats));
	if (!err && backend_id >= 0)
		err = percpu_zero(dp, M_BACKEND_STATS, backend_id, sizeof(struct xlb_backend_stats));
	return err;
}

int xlb_dp_flow_count(struct xlb_dp *dp, uint32_t *count)
{
	struct xlb_flow_key k, next;
	void *prev = NULL;
	uint32_t n = 0;

	while (bpf_map_get_next_key(dp->fd[M_FLOWS], prev, &next) == 0) {
		k = next;
		prev = &k;
		n++;
	}
	*count = n;
	return errno == ENOENT ? 0 : -errno;
}
