// SPDX-License-Identifier: GPL-2.0
/* xlbctl — validate and apply configurations, show status and counters. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "config.h"
#include "ctlproto.h"
#include "log.h"
#include "maps.h"
#include "status.h"

/* Exit codes, documented in --help and the README. */
enum {
	EX_OK = 0,
	EX_FAIL = 1,     /* invalid config, refused request, failed command */
	EX_USAGE = 2,
	EX_NODAEMON = 3, /* xlbd not reachable on the control socket */
};

static const char *sock_path = XLB_CTL_DEFAULT_SOCK;
static const char *node_name;
static int json_out;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xlbctl [-j] [-s SOCKET] [-n NODE] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  validate FILE...        check configuration files offline (no daemon needed)\n"
		"  apply FILE              validate FILE and make it the running configuration of\n"
		"                          xlbd, atomically; prints what changed\n"
		"  reload                  make xlbd re-read its own --config file (as SIGHUP)\n"
		"  status                  node, XDP attachment, services, backends with health\n"
		"                          state and Maglev table share\n"
		"  stats [-i SEC] [-c N]   packets, bytes, new flows per service and backend, and\n"
		"                          pass/drop reasons, read from the pinned maps (works\n"
		"                          while xlbd is down); -i prints rates every SEC seconds,\n"
		"                          -c stops after N reports\n"
		"  backend ACTION SERVICE ADDRESS[:PORT]\n"
		"                          ACTION: drain (no new flows, established flows kept),\n"
		"                          disable (out now, its flows move), enable (back to what\n"
		"                          its health check says). IPv6: [ADDRESS]:PORT\n"
		"\n"
		"Options:\n"
		"  -j, --json              JSON output (as ip -j / bpftool -j)\n"
		"  -s, --socket PATH       control socket (default " XLB_CTL_DEFAULT_SOCK ")\n"
		"  -n, --node NAME         node whose pinned maps `stats` reads (default: the\n"
		"                          running xlbd's, or the only one under " XLB_PIN_BASE ")\n"
		"  -h, --help              this text\n"
		"\n"
		"Exit status: 0 success, 1 failure (invalid config, request refused), 2 usage\n"
		"error, 3 xlbd not reachable.\n");
}

static void print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* ---- talking to xlbd ------------------------------------------------------- */

static int request(const struct xlb_ctl_req *req, struct json_object **reply)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct json_object *o = xlb_ctl_req_encode(req);
	const char *s;
	size_t len;
	char *buf = NULL;
	int fd, err;

	*reply = NULL;
	if (!o)
		return -ENOMEM;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto out;
	}
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	err = xlb_frame_write(fd, s, len);
	/* xlbd may answer and hang up before reading it all (a refused peer, a
	 * request over XLB_CTL_MAX_MSG): its reply is still there to read. */
	if (!err || err == -EPIPE || err == -ECONNRESET)
		err = xlb_frame_read(fd, &buf, &len, XLB_CTL_MAX_MSG);
	if (!err) {
		*reply = json_tokener_parse(buf);
		if (!*reply)
			err = -EPROTO;
	}
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	json_object_put(o);
	return err;
}

static int daemon_unreachable(int err)
{
	fprintf(stderr, "xlbctl: cannot reach xlbd on %s: %s\n", sock_path, strerror(-err));
	return EX_NODAEMON;
}

static bool reply_ok(struct json_object *r)
{
	struct json_object *v;

	return json_object_object_get_ex(r, "ok", &v) && json_object_get_boolean(v);
}

/* Print the errors of a refused request to stderr. */
static void print_errors(struct json_object *r)
{
	struct json_object *errs;
	size_t i;

	if (!json_object_object_get_ex(r, "errors", &errs))
		return;
	for (i = 0; i < json_object_array_length(errs); i++)
		fprintf(stderr, "%s\n", json_object_get_string(json_object_array_get_idx(errs, i)));
}

static int64_t jint(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "";
}

static bool jbool(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static double jdouble(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_double(v) : 0;
}

static const char *hostport(const char *addr, int64_t port, char *buf, size_t len)
{
	snprintf(buf, len, strchr(addr, ':') ? "[%s]:%lld" : "%s:%lld", addr, (long long)port);
	return buf;
}

/* ---- commands ------------------------------------------------------------- */

static int cmd_validate(int argc, char **argv)
{
	int i, bad = 0;

	if (argc < 1) {
		fprintf(stderr, "xlbctl: validate needs a FILE\n");
		return EX_USAGE;
	}
	for (i = 0; i < argc; i++) {
		struct xlb_errors errs = { 0 };
		struct xlb_cfg *cfg = NULL;
		size_t k;
		int err = xlb_config_load(argv[i], &cfg, &errs);

		if (json_out) {
			struct json_object *o = json_object_new_object(), *a = json_object_new_array();

			for (k = 0; k < errs.n; k++)
				json_object_array_add(a, json_object_new_string(errs.msg[k]));
			json_object_object_add(o, "file", json_object_new_string(argv[i]));
			json_object_object_add(o, "ok", json_object_new_boolean(!err));
			json_object_object_add(o, "errors", a);
			print_json(o);
			json_object_put(o);
		} else if (err) {
			for (k = 0; k < errs.n; k++)
				fprintf(stderr, "%s\n", errs.msg[k]);
			if (!errs.n)
				fprintf(stderr, "%s: %s\n", argv[i], strerror(-err));
		} else {
			printf("%s: ok (%zu service%s, %zu VRRP instance%s)\n", argv[i],
			       cfg->n_services, cfg->n_services == 1 ? "" : "s", cfg->n_vrrp,
			       cfg->n_vrrp == 1 ? "" : "s");
		}
		bad |= err != 0;
		xlb_errors_free(&errs);
		xlb_config_free(cfg);
	}
	return bad ? EX_FAIL : EX_OK;
}

static int read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t got;

		if (n + 65536 + 1 > cap) {
			char *nb;

			cap = cap ? 2 * cap : 131072;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, 65536, f);
		n += got;
		if (got < 65536)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int cmd_apply(int argc, char **argv)
{
	struct xlb_ctl_req req = { .cmd = XLB_CTL_APPLY };
	struct xlb_errors errs = { 0 };
	struct xlb_cfg *cfg = NULL;
	struct json_object *r;
	size_t i;
	int err;

	if (argc != 1) {
		fprintf(stderr, "xlbctl: apply needs exactly one FILE\n");
		return EX_USAGE;
	}
	/* Validate locally first: the same checks xlbd runs, without a round trip. */
	err = xlb_config_load(argv[0], &cfg, &errs);
	xlb_config_free(cfg);
	if (err) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		xlb_errors_free(&errs);
		fprintf(stderr, "xlbctl: %s refused; nothing was sent to xlbd\n", argv[0]);
		return EX_FAIL;
	}
	err = read_file(argv[0], &req.config, &req.config_len);
	if (err) {
		fprintf(stderr, "xlbctl: %s: %s\n", argv[0], strerror(-err));
		return EX_FAIL;
	}
	req.origin = argv[0];
	err = request(&req, &r);
	free(req.config);
	if (err)
		return daemon_unreachable(err);
	if (json_out) {
		print_json(r);
	} else if (reply_ok(r)) {
		struct json_object *c;

		json_object_object_get_ex(r, "changes", &c);
		printf("applied %s: services +%lld -%lld ~%lld; backends +%lld -%lld, "
		       "%lld reweighted, %lld changed\n", argv[0],
		       (long long)jint(c, "services_added"), (long long)jint(c, "services_removed"),
		       (long long)jint(c, "services_changed"), (long long)jint(c, "backends_added"),
		       (long long)jint(c, "backends_removed"),
		       (long long)jint(c, "backends_reweighted"),
		       (long long)jint(c, "backends_changed"));
	} else {
		print_errors(r);
		fprintf(stderr, "xlbctl: xlbd refused %s; the running configuration is unchanged\n",
			argv[0]);
	}
	err = reply_ok(r) ? EX_OK : EX_FAIL;
	json_object_put(r);
	return err;
}

static int simple_request(enum xlb_ctl_cmd cmd, struct json_object **r)
{
	struct xlb_ctl_req req = { .cmd = cmd };

	return request(&req, r);
}

static void print_status(struct json_object *r)
{
	struct json_object *node, *svcs, *vrrp;
	size_t i, j;
	char hp[80];

	json_object_object_get_ex(r, "node", &node);
	printf("node %s  interface %s  xdp %s", jstr(node, "name"), jstr(node, "interface"),
	       jbool(node, "xdp_attached") ? jstr(node, "xdp_mode") : "detached");
	if (jbool(node, "xdp_attached"))
		printf(" (prog id %lld)", (long long)jint(node, "prog_id"));
	printf("  maps %s\n", jstr(node, "pin_dir"));
	if (json_object_object_get_ex(r, "vrrp", &vrrp)) {
		for (i = 0; i < json_object_array_length(vrrp); i++) {
			struct json_object *v = json_object_array_get_idx(vrrp, i);

			printf("vrrp %s  vrid %lld  state %s  priority %lld (base %lld)  master %s  "
			       "adverts sent %lld received %lld  since %.1fs\n",
			       jstr(v, "name"), (long long)jint(v, "vrid"), jstr(v, "state"),
			       (long long)jint(v, "priority"), (long long)jint(v, "base_priority"),
			       jstr(v, "master"), (long long)jint(v, "adverts_sent"),
			       (long long)jint(v, "adverts_received"), jdouble(v, "changed_s_ago"));
		}
	}
	json_object_object_get_ex(r, "services", &svcs);
	for (i = 0; svcs && i < json_object_array_length(svcs); i++) {
		struct json_object *s = json_object_array_get_idx(svcs, i), *bes;

		printf("\nservice %s  %s/%s  mode %s%s\n", jstr(s, "name"),
		       hostport(jstr(s, "vip"), jint(s, "port"), hp, sizeof(hp)),
		       jstr(s, "protocol"), jstr(s, "mode"),
		       jbool(s, "empty") ? "  NO USABLE BACKEND" : "");
		printf("  %-28s %6s %-9s %-9s %7s  %s\n", "backend", "weight", "state", "dataplane",
		       "share", "last check");
		json_object_object_get_ex(s, "backends", &bes);
		for (j = 0; bes && j < json_object_array_length(bes); j++) {
			struct json_object *b = json_object_array_get_idx(bes, j);
			char st[32];

			snprintf(st, sizeof(st), "%s%s", jstr(b, "state"),
				 jbool(b, "backup") ? "*" : "");
			printf("  %-28s %6lld %-9s %-9s %6.1f%%  %s\n",
			       hostport(jstr(b, "address"), jint(b, "port"), hp, sizeof(hp)),
			       (long long)jint(b, "weight"), st, jstr(b, "dp_state"),
			       100.0 * jdouble(b, "share"), jstr(b, "last_result"));
		}
	}
}

static int cmd_status(void)
{
	struct json_object *r;
	int err = simple_request(XLB_CTL_STATUS, &r);

	if (err)
		return daemon_unreachable(err);
	/* A refusal (non-root peer, malformed request) is not an empty status. */
	if (json_out)
		print_json(r);
	else if (reply_ok(r))
		print_status(r);
	else
		print_errors(r);
	err = reply_ok(r) ? EX_OK : EX_FAIL;
	json_object_put(r);
	return err;
}

static int cmd_reload(void)
{
	struct json_object *r;
	int err = simple_request(XLB_CTL_RELOAD, &r);

	if (err)
		return daemon_unreachable(err);
	if (json_out)
		print_json(r);
	else if (reply_ok(r))
		printf("reloaded\n");
	else
		print_errors(r);
	err = reply_ok(r) ? EX_OK : EX_FAIL;
	json_object_put(r);
	return err;
}

/* "10.0.0.1", "10.0.0.1:80", "[fd00::1]:80", "fd00::1" */
static int split_addr(const char *in, char *addr, size_t len, uint16_t *port)
{
	const char *colon;
	char *end;
	long p = 0;

	*port = 0;
	if (in[0] == '[') {
		const char *close = strchr(in, ']');

		if (!close || (size_t)(close - in - 1) >= len)
			return -EINVAL;
		memcpy(addr, in + 1, close - in - 1);
		addr[close - in - 1] = '\0';
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] && !colon)
			return -EINVAL;
	} else {
		colon = strchr(in, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* bare IPv6 */
		if (strlen(in) >= len)
			return -EINVAL;
		snprintf(addr, len, "%.*s", colon ? (int)(colon - in) : (int)strlen(in), in);
	}
	if (colon) {
		p = strtol(colon + 1, &end, 10);
		if (*end || p < 1 || p > 65535)
			return -EINVAL;
	}
	*port = p;
	return 0;
}

static int cmd_backend(int argc, char **argv)
{
	struct xlb_ctl_req req = { .cmd = XLB_CTL_BACKEND };
	struct json_object *r;
	char addr[64];
	struct xlb_ip ip;
	int err;

	if (argc != 3) {
		fprintf(stderr, "xlbctl: usage: backend drain|enable|disable SERVICE ADDRESS[:PORT]\n");
		return EX_USAGE;
	}
	if (xlb_ctl_action_parse(argv[0], &req.action)) {
		fprintf(stderr, "xlbctl: backend: unknown action \"%s\" (drain, enable, disable)\n",
			argv[0]);
		return EX_USAGE;
	}
	if (split_addr(argv[2], addr, sizeof(addr), &req.port) || xlb_ip_parse(addr, &ip)) {
		fprintf(stderr, "xlbctl: backend: \"%s\" is not ADDRESS[:PORT]\n", argv[2]);
		return EX_USAGE;
	}
	req.service = argv[1];
	req.address = addr;
	err = request(&req, &r);
	if (err)
		return daemon_unreachable(err);
	if (json_out)
		print_json(r);
	else if (reply_ok(r))
		printf("%s %s %s\n", argv[1], argv[2],
		       req.action == XLB_ACT_DRAIN ? "draining" :
		       req.action == XLB_ACT_DISABLE ? "disabled" : "enabled");
	else
		print_errors(r);
	err = reply_ok(r) ? EX_OK : EX_FAIL;
	json_object_put(r);
	return err;
}

/* The node whose maps `stats` reads, and the daemon's status for names. */
static int stats_node(char *name, size_t len, struct json_object **status)
{
	struct json_object *r = NULL, *node;
	struct dirent *de;
	DIR *dir;
	int found = 0;

	*status = NULL;
	if (simple_request(XLB_CTL_STATUS, &r) == 0 && reply_ok(r)) {
		*status = r;
		if (!node_name && json_object_object_get_ex(r, "node", &node)) {
			snprintf(name, len, "%s", jstr(node, "name"));
			return 0;
		}
	} else {
		json_object_put(r);
	}
	if (node_name) {
		snprintf(name, len, "%s", node_name);
		return 0;
	}
	dir = opendir(XLB_PIN_BASE);
	if (!dir) {
		fprintf(stderr, "xlbctl: no xlbd running and no pinned maps under %s\n",
			XLB_PIN_BASE);
		return -ENOENT;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(name, len, "%s", de->d_name);
		found++;
	}
	closedir(dir);
	if (found != 1) {
		fprintf(stderr, "xlbctl: %s under %s: name one with -n NODE\n",
			found ? "several nodes" : "no node", XLB_PIN_BASE);
		return -ENOENT;
	}
	return 0;
}

static void print_stats(struct json_object *s, struct json_object *prev, double dt)
{
	struct json_object *svcs, *psvcs = NULL, *reasons;
	size_t i, j;
	char hp[80];

#define RATE(o, po, k) (prev && (po) ? (jint(o, k) - jint(po, k)) / dt : 0.0)
	json_object_object_get_ex(s, "services", &svcs);
	if (prev)
		json_object_object_get_ex(prev, "services", &psvcs);
	for (i = 0; svcs && i < json_object_array_length(svcs); i++) {
		struct json_object *o = json_object_array_get_idx(svcs, i), *bes, *pbes = NULL;
		struct json_object *po = psvcs ? json_object_array_get_idx(psvcs, i) : NULL;

		printf("service %s %s/%s: packets %lld bytes %lld new_flows %lld no_backend %lld",
		       jstr(o, "name")[0] ? jstr(o, "name") : "-",
		       hostport(jstr(o, "vip"), jint(o, "port"), hp, sizeof(hp)),
		       jstr(o, "protocol"), (long long)jint(o, "packets"),
		       (long long)jint(o, "bytes"), (long long)jint(o, "new_flows"),
		       (long long)jint(o, "no_backend"));
		if (prev)
			printf("  (%.0f pkt/s, %.0f B/s, %.0f flows/s)", RATE(o, po, "packets"),
			       RATE(o, po, "bytes"), RATE(o, po, "new_flows"));
		printf("\n");
		json_object_object_get_ex(o, "backends", &bes);
		if (po)
			json_object_object_get_ex(po, "backends", &pbes);
		for (j = 0; bes && j < json_object_array_length(bes); j++) {
			struct json_object *b = json_object_array_get_idx(bes, j);
			struct json_object *pb = pbes ? json_object_array_get_idx(pbes, j) : NULL;

			printf("  backend %-28s %-8s packets %lld bytes %lld new_flows %lld "
			       "replies %lld",
			       hostport(jstr(b, "address"), jint(b, "port"), hp, sizeof(hp)),
			       jstr(b, "dp_state"), (long long)jint(b, "packets"),
			       (long long)jint(b, "bytes"), (long long)jint(b, "new_flows"),
			       (long long)jint(b, "reply_packets"));
			if (prev)
				printf("  (%.0f pkt/s, %.0f flows/s)", RATE(b, pb, "packets"),
				       RATE(b, pb, "new_flows"));
			printf("\n");
		}
	}
#undef RATE
	json_object_object_get_ex(s, "reasons", &reasons);
	printf("reasons:");
	json_object_object_foreach(reasons, k, val) {
		if (jint(val, "packets"))
			printf(" %s %lld", k, (long long)jint(val, "packets"));
	}
	printf("\n");
}

static int cmd_stats(int argc, char **argv)
{
	struct json_object *status = NULL, *cur = NULL, *prev = NULL;
	double interval = 0;
	bool have_i = false;
	long count = -1, n;
	struct xlb_dp *dp;
	char node[256];
	int c, err;

	optind = 1;
	while ((c = getopt(argc + 1, argv - 1, "i:c:")) != -1) {
		switch (c) {
		case 'i': interval = strtod(optarg, NULL); have_i = true; break;
		case 'c': count = strtol(optarg, NULL, 10); break;
		default: return EX_USAGE;
		}
	}
	if (optind != argc + 1) {
		fprintf(stderr, "xlbctl: stats: unexpected argument \"%s\"\n", argv[optind - 1]);
		return EX_USAGE;
	}
	if (have_i && !(interval > 0)) {
		fprintf(stderr, "xlbctl: stats: -i needs a positive number of seconds\n");
		return EX_USAGE;
	}
	if (stats_node(node, sizeof(node), &status))
		return EX_FAIL;
	err = xlb_dp_open_pinned(node, &dp);
	if (err) {
		json_object_put(status);
		return EX_FAIL;
	}
	for (n = 0; count < 0 || n < count; n++) {
		cur = xlb_stats_json(dp, status);
		if (!cur) {
			err = -EIO;
			break;
		}
		if (json_out)
			print_json(cur);
		else
			print_stats(cur, prev, interval);
		json_object_put(prev);
		prev = cur;
		if (interval <= 0)
			break;
		if (count < 0 || n + 1 < count) {
			struct timespec ts = { (time_t)interval,
					       (long)((interval - (time_t)interval) * 1e9) };

			nanosleep(&ts, NULL);
			if (!json_out)
				printf("\n");
		}
	}
	json_object_put(prev);
	json_object_put(status);
	xlb_dp_close(dp, false);
	return err ? EX_FAIL : EX_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "node", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *cmd;
	int c;

	xlb_log_set_ident("xlbctl");
	xlb_log_libbpf(0);
	while ((c = getopt_long(argc, argv, "+js:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json_out = 1; break;
		case 's': sock_path = optarg; break;
		case 'n': node_name = optarg; break;
		case 'h': usage(stdout); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;
	if (!strcmp(cmd, "validate"))
		return cmd_validate(argc, argv);
	if (!strcmp(cmd, "apply"))
		return cmd_apply(argc, argv);
	if (!strcmp(cmd, "status"))
		return cmd_status();
	if (!strcmp(cmd, "stats"))
		return cmd_stats(argc, argv);
	if (!strcmp(cmd, "reload"))
		return cmd_reload();
	if (!strcmp(cmd, "backend"))
		return cmd_backend(argc, argv);
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		return EX_OK;
	}
	fprintf(stderr, "xlbctl: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return EX_USAGE;
}
