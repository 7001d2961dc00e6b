// SPDX-License-Identifier: GPL-2.0
/*
 * A deliberately rude control-socket client for test_ctlsock.sh (built by
 * the test with gcc into its temp directory).
 *
 *   ctl_flood send SOCK
 *	Send stdin's bytes as they are (no framing added), then read one
 *	framed reply and print its JSON. Exit 0 with a reply, 3 when the
 *	server closed without one, 1 on other errors.
 *
 *   ctl_flood hold SOCK N_IDLE N_HALF MAX_SECONDS READY_FILE
 *	Open N_IDLE connections that send nothing and N_HALF that send half a
 *	frame (a length prefix of 100 and 10 bytes of it), write "N" to
 *	READY_FILE once all are connected, then wait (at most MAX_SECONDS)
 *	until the server has closed every one. Prints
 *	"open N in MS ms; closed by server K; first MS ms; last MS ms"
 *	with close times counted from each connection's own connect().
 *	Exit 0 when the server closed all of them, 1 otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* Blocking connect, bounded: waits while the listen backlog is full. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		p += n;
		len -= n;
	}
	return 0;
}

static int cmd_send(const char *path)
{
	static char in[1 << 16];
	uint8_t hdr[4];
	size_t n, len;
	char *reply;
	int fd, err;

	n = fread(in, 1, sizeof(in), stdin);
	fd = dial(path);
	if (fd < 0) {
		fprintf(stderr, "ctl_flood: connect %s: %s\n", path, strerror(-fd));
		return 1;
	}
	/* The server may answer (and close) before reading it all: EPIPE is fine. */
	if (n && send(fd, in, n, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET)
		fprintf(stderr, "ctl_flood: send: %s\n", strerror(errno));
	err = read_full(fd, hdr, 4);
	if (err) {
		fprintf(stderr, "ctl_flood: no reply: %s\n", strerror(-err));
		close(fd);
		return 3;
	}
	len = (size_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
	if (len > (1u << 20)) {
		fprintf(stderr, "ctl_flood: reply of %zu bytes?\n", len);
		close(fd);
		return 1;
	}
	reply = calloc(1, len + 1);
	if (!reply || read_full(fd, reply, len)) {
		fprintf(stderr, "ctl_flood: short reply\n");
		close(fd);
		free(reply);
		return 1;
	}
	printf("%s\n", reply);
	free(reply);
	close(fd);
	return 0;
}

static int cmd_hold(const char *path, int n_idle, int n_half, int max_s, const char *ready)
{
	static const char half[] = "\x00\x00\x00\x64{\"cmd\":\"st";
	int n = n_idle + n_half, i, open_n = 0, closed = 0;
	uint64_t t0, *t_open, first = UINT64_MAX, last = 0, deadline;
	struct pollfd *pfd;
	struct rlimit rl;
	FILE *f;

	/* One fd per connection: lift the soft limit as far as allowed. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)n + 64) {
		rl.rlim_cur = (rlim_t)n + 64 > rl.rlim_max ? rl.rlim_max : (rlim_t)n + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	pfd = calloc(n, sizeof(*pfd));
	t_open = calloc(n, sizeof(*t_open));
	if (!pfd || !t_open)
		return 1;
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		int fd = dial(path);

		if (fd < 0) {
			fprintf(stderr, "ctl_flood: connection %d: %s\n", i, strerror(-fd));
			pfd[i].fd = -1;
			continue;
		}
		t_open[i] = now_ms();
		if (i >= n_idle && send(fd, half, sizeof(half) - 1, MSG_NOSIGNAL) < 0)
			fprintf(stderr, "ctl_flood: half frame %d: %s\n", i, strerror(errno));
		pfd[i].fd = fd;
		pfd[i].events = POLLIN;
		open_n++;
	}
	printf("open %d in %llu ms; ", open_n, (unsigned long long)(now_ms() - t0));
	fflush(stdout);
	f = fopen(ready, "w");
	if (f) {
		fprintf(f, "%d\n", open_n);
		fclose(f);
	}
	deadline = now_ms() + (uint64_t)max_s * 1000;
	while (closed < open_n && now_ms() < deadline) {
		int r = poll(pfd, n, 100);

		if (r < 0 && errno != EINTR)
			break;
		for (i = 0; r > 0 && i < n; i++) {
			char b[256];
			ssize_t got;
			uint64_t t;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			got = read(pfd[i].fd, b, sizeof(b));
			if (got > 0)
				continue; /* an error reply: keep reading to EOF */
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			t = now_ms() - t_open[i];
			first = t < first ? t : first;
			last = t > last ? t : last;
			close(pfd[i].fd);
			pfd[i].fd = -1;
			closed++;
		}
	}
	printf("closed by server %d; first %llu ms; last %llu ms\n", closed,
	       (unsigned long long)(closed ? first : 0), (unsigned long long)last);
	for (i = 0; i < n; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	free(pfd);
	free(t_open);
	return closed == open_n && open_n == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "send"))
		return cmd_send(argv[2]);
	if (argc == 7 && !strcmp(argv[1], "hold"))
		return cmd_hold(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), argv[6]);
	fprintf(stderr, "usage: ctl_flood send SOCK < bytes\n"
			"       ctl_flood hold SOCK N_IDLE N_HALF MAX_SECONDS READY_FILE\n");
	return 2;
}
