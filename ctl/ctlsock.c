// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ctlsock.h"
#include "log.h"

struct client {
	struct xlb_ctlsock *cs;
	int fd;
	struct xlb_frame in;
	char *out;          /* framed reply being written */
	size_t out_len, out_off;
	struct xlb_timer timer;
	struct client *prev, *next;
};

struct xlb_ctlsock {
	struct xlb_loop *loop;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	xlb_ctl_handler handler;
	void *arg;
	struct client *clients;  /* newest first */
	int nclients;
	int max_clients;         /* XLB_CTL_MAX_CLIENTS, less under a low fd limit */
	struct xlb_timer resume;
	uint64_t warned_ms;      /* last "out of fds" / "too many clients" warning */
};

#define ACCEPT_PAUSE_MS 100
#define WARN_EVERY_MS   5000

static void client_free(struct client *c)
{
	struct xlb_ctlsock *cs = c->cs;

	xlb_loop_del_fd(cs->loop, c->fd);
	xlb_timer_cancel(cs->loop, &c->timer);
	close(c->fd);
	xlb_frame_reset(&c->in);
	free(c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		cs->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	cs->nclients--;
	free(c);
}

static void client_timeout(struct xlb_loop *loop, void *arg)
{
	struct client *c = arg;

	(void)loop;
	pr_debug("control client timed out\n");
	client_free(c);
}

/* Queue @reply framed for writing and switch the client to EPOLLOUT. */
static void client_reply(struct client *c, struct json_object *reply)
{
	const char *s;
	size_t len;

	s = json_object_to_json_string_length(reply, JSON_C_TO_STRING_PLAIN, &len);
	c->out = malloc(len + 4);
	if (!c->out) {
		json_object_put(reply);
		client_free(c);
		return;
	}
	c->out[0] = len >> 24;
	c->out[1] = len >> 16;
	c->out[2] = len >> 8;
	c->out[3] = len;
	memcpy(c->out + 4, s, len);
	c->out_len = len + 4;
	c->out_off = 0;
	json_object_put(reply);
	xlb_loop_mod_fd(c->cs->loop, c->fd, EPOLLOUT);
}

static void reply_error(struct client *c, const char *msg)
{
	client_reply(c, xlb_ctl_error_reply(&msg, 1));
}

static void client_io(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct client *c = arg;
	char buf[65536];
	ssize_t n;

	(void)loop;
	if (c->out) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		n = write(fd, c->out + c->out_off, c->out_len - c->out_off);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_free(c);
			return;
		}
		c->out_off += n;
		if (c->out_off == c->out_len)
			client_free(c);
		return;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_free(c);
		return;
	}
	{
		size_t used;
		int ret = xlb_frame_feed(&c->in, buf, n, &used);
		struct xlb_ctl_req req;
		char err[256];

		if (ret == -EMSGSIZE) {
			snprintf(err, sizeof(err), "request larger than %u bytes", XLB_CTL_MAX_MSG);
			reply_error(c, err);
			return;
		}
		if (ret < 0) {
			client_free(c);
			return;
		}
		if (ret == 0)
			return;
		if (xlb_ctl_req_decode(c->in.msg, c->in.msg_len, &req, err, sizeof(err))) {
			reply_error(c, err);
			return;
		}
		client_reply(c, c->cs->handler(c->cs->arg, &req));
		xlb_ctl_req_free(&req);
	}
}

/* Rate-limited: a flood must not flood the log as well. */
static bool warn_now(struct xlb_ctlsock *cs)
{
	uint64_t now = xlb_now_ms();

	if (cs->warned_ms && now - cs->warned_ms < WARN_EVERY_MS)
		return false;
	cs->warned_ms = now;
	return true;
}

static void accept_resume(struct xlb_loop *loop, void *arg)
{
	struct xlb_ctlsock *cs = arg;

	if (xlb_loop_mod_fd(loop, cs->fd, EPOLLIN))
		pr_warn("control socket %s: cannot resume accepting\n", cs->path);
}

/*
 * accept() failed for want of fds or memory. The listener stays readable,
 * so retrying at once would spin the loop: stop watching it for a moment.
 */
static void accept_pause(struct xlb_ctlsock *cs, int err)
{
	if (warn_now(cs))
		pr_warn("control socket accept: %s; pausing new connections for %d ms\n",
			strerror(err), ACCEPT_PAUSE_MS);
	xlb_loop_mod_fd(cs->loop, cs->fd, 0);
	xlb_timer_arm(cs->loop, &cs->resume, xlb_now_ms() + ACCEPT_PAUSE_MS, accept_resume, cs);
}

/* Make room for one more client by dropping the oldest. */
static void evict_oldest(struct xlb_ctlsock *cs)
{
	struct client *c = cs->clients;

	while (c && c->next)
		c = c->next;
	if (!c)
		return;
	if (warn_now(cs))
		pr_warn("control socket: %d clients connected, dropping the oldest\n",
			cs->nclients);
	client_free(c);
}

static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

static void accept_cb(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct xlb_ctlsock *cs = arg;
	struct client *c;
	int cfd;

	(void)events;
	for (;;) {
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			int err = errno;

			if (err == EINTR || err == ECONNABORTED)
				continue;
			if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
				accept_pause(cs, err);
			else if (err != EAGAIN)
				pr_warn("control socket accept: %s\n", strerror(err));
			return;
		}
		if (!peer_allowed(cfd)) {
			static const char deny[] = "permission denied: xlbd accepts root only";
			const char *msg = deny;
			struct json_object *r = xlb_ctl_error_reply(&msg, 1);
			const char *s = json_object_to_json_string(r);

			/* Best effort, non-blocking: the reply is tiny. */
			if (xlb_frame_write(cfd, s, strlen(s)))
				pr_debug("deny reply not sent\n");
			json_object_put(r);
			pr_warn("control socket: refused a connection from a non-root peer\n");
			close(cfd);
			continue;
		}
		/* Full: the newcomer (often an administrator's xlbctl) wins over
		 * the client that has waited longest. */
		if (cs->nclients >= cs->max_clients)
			evict_oldest(cs);
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(cfd);
			continue;
		}
		c->cs = cs;
		c->fd = cfd;
		xlb_frame_init(&c->in, XLB_CTL_MAX_MSG);
		if (xlb_loop_add_fd(loop, cfd, EPOLLIN, client_io, c)) {
			close(cfd);
			free(c);
			continue;
		}
		c->next = cs->clients;
		if (cs->clients)
			cs->clients->prev = c;
		cs->clients = c;
		cs->nclients++;
		xlb_timer_arm(loop, &c->timer, xlb_now_ms() + XLB_CTL_CLIENT_TIMEOUT_MS,
			      client_timeout, c);
	}
}

/*
 * Control clients may hold at most half of the fds the process may open, so
 * a flood of them never takes the sockets health probes and VRRP need.
 */
static int max_clients(void)
{
	struct rlimit rl;
	rlim_t half;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return XLB_CTL_MAX_CLIENTS;
	half = rl.rlim_cur / 2;
	if (half < 8)
		return 8;
	return half < XLB_CTL_MAX_CLIENTS ? (int)half : XLB_CTL_MAX_CLIENTS;
}

/* Is something already answering on @path? */
static bool socket_alive(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	alive = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return alive;
}

int xlb_ctlsock_open(struct xlb_loop *loop, const char *path, xlb_ctl_handler h, void *arg,
		     struct xlb_ctlsock **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xlb_ctlsock *cs;
	char dir[PATH_MAX];
	mode_t old;
	int err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	cs->loop = loop;
	cs->handler = h;
	cs->arg = arg;
	cs->max_clients = max_clients();
	snprintf(cs->path, sizeof(cs->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir(dirname(dir), 0700) < 0 && errno != EEXIST) {
		err = -errno;
		pr_warn("control socket directory for %s: %s\n", path, strerror(-err));
		goto err;
	}
	if (socket_alive(path)) {
		pr_warn("control socket %s: another xlbd is running\n", path);
		err = -EADDRINUSE;
		goto err;
	}
	unlink(path);
	cs->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (cs->fd < 0) {
		err = -errno;
		goto err;
	}
	old = umask(0177); /* the socket file is created 0600 */
	err = bind(cs->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (err < 0 || chmod(path, 0600) < 0 || listen(cs->fd, 128) < 0) {
		err = -errno;
		pr_warn("control socket %s: %s\n", path, strerror(-err));
		close(cs->fd);
		goto err;
	}
	err = xlb_loop_add_fd(loop, cs->fd, EPOLLIN, accept_cb, cs);
	if (err) {
		close(cs->fd);
		unlink(path);
		goto err;
	}
	*out = cs;
	return 0;
err:
	free(cs);
	return err;
}

void xlb_ctlsock_close(struct xlb_ctlsock *cs)
{
	if (!cs)
		return;
	while (cs->clients)
		client_free(cs->clients);
	xlb_timer_cancel(cs->loop, &cs->resume);
	xlb_loop_del_fd(cs->loop, cs->fd);
	close(cs->fd);
	unlink(cs->path);
	free(cs);
}
