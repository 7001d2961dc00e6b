// SPDX-License-Identifier: GPL-2.0
/*
 * Exec checks at shutdown: xlbd frees the health manager and then never runs
 * its loop again, so a check script that was running (or had just been
 * killed at its timeout) must be reaped by xlb_health_free() itself through
 * xlb_probe_reap(), leaving no probe (a leak under ASan), no zombie and no
 * process of the script's group behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <criterion/criterion.h>

#include "config.h"
#include "health_mgr.h"
#include "loop.h"
#include "probe.h"

/* Direct children of this process (every thread's list in /proc). */
static int hs_children(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d))) {
		char path[300], buf[4096], *tok, *save;
		ssize_t len;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
			n++;
	}
	closedir(d);
	return n;
}

/* Processes anywhere whose command line has the argument @arg. */
static int hs_procs_with_arg(const char *arg)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d))) {
		char path[300], buf[4096];
		ssize_t len, off;
		int fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		for (off = 0; off < len; off += strlen(buf + off) + 1)
			if (!strcmp(buf + off, arg)) {
				n++;
				break;
			}
	}
	closedir(d);
	return n;
}

/* Poll until @want processes carry @arg, at most 2 s; returns the count. */
static int hs_wait_procs(const char *arg, int want)
{
	int i, n = 0;

	for (i = 0; i < 200; i++) {
		n = hs_procs_with_arg(arg);
		if (n == want)
			break;
		usleep(10 * 1000);
	}
	return n;
}

static void hs_stop(struct xlb_loop *loop, void *arg)
{
	(void)arg;
	xlb_loop_stop(loop);
}

/* Run @loop for @ms. */
static void hs_run_for(struct xlb_loop *loop, uint32_t ms)
{
	struct xlb_timer t = { .heap_idx = -1 };

	cr_assert_eq(xlb_timer_arm(loop, &t, xlb_now_ms() + ms, hs_stop, NULL), 0);
	cr_assert_eq(xlb_loop_run(loop), 0);
	xlb_timer_cancel(loop, &t);
}

struct hs_res {
	int calls;
	struct xlb_probe_result res;
};

static void hs_on_result(void *arg, const struct xlb_probe_result *res)
{
	struct hs_res *r = arg;

	r->calls++;
	r->res = *res;
}

/* A script with a grandchild: both sleeps carry @mark as their argument. */
static void hs_script(char *buf, size_t len, const char *mark)
{
	snprintf(buf, len, "f() { (sleep %s) & sleep %s; }; f", mark, mark);
}

static void hs_mark(char *buf, size_t len)
{
	snprintf(buf, len, "77.%d%u", (int)getpid(), (unsigned)(xlb_now_ms() % 100000));
}

static void hs_assert_nothing_left(const char *mark)
{
	cr_assert_eq(xlb_probe_live(), 0, "a probe is still allocated");
	cr_assert_eq(hs_children(), 0, "a child (zombie or not) remains");
	cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a child is left to reap");
	cr_assert_eq(errno, ECHILD);
	cr_assert_eq(hs_wait_procs(mark, 0), 0, "a process of the script's group survived");
}

Test(health_shutdown, reap_without_loop_after_cancel)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct hs_res r = { 0 };
	struct xlb_probe *p;
	char mark[32], script[128];

	hs_mark(mark, sizeof(mark));
	hs_script(script, sizeof(script), mark);
	cr_assert_eq(xlb_probe_exec(loop, script, "xlb-test", NULL, 0, 0, hs_on_result, &r, &p), 0);
	cr_assert_eq(hs_wait_procs(mark, 2), 2, "script did not start its two sleeps");
	xlb_probe_cancel(p);
	cr_assert_eq(xlb_probe_live(), 1, "killed child not reaped yet: the probe waits for it");
	cr_assert_eq(xlb_probe_reap(loop, 2000), 0, "the child did not die after SIGKILL");
	cr_assert_eq(r.calls, 0, "a cancelled probe must not report");
	hs_assert_nothing_left(mark);
	xlb_loop_free(loop);
}

Test(health_shutdown, reap_without_loop_after_timeout)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct hs_res r = { 0 };
	struct xlb_probe *p;
	char mark[32], script[128];

	hs_mark(mark, sizeof(mark));
	hs_script(script, sizeof(script), mark);
	cr_assert_eq(xlb_probe_exec(loop, script, "xlb-test", NULL, 0, 0, hs_on_result, &r, &p), 0);
	cr_assert_eq(hs_wait_procs(mark, 2), 2);
	xlb_probe_expire(p); /* as the manager's timeout sweep does */
	cr_assert_eq(r.calls, 1);
	cr_assert_not(r.res.ok);
	cr_assert_str_eq(r.res.detail, "timeout");
	cr_assert_eq(xlb_probe_reap(loop, 2000), 0);
	hs_assert_nothing_left(mark);
	xlb_loop_free(loop);
}

Test(health_shutdown, reap_leaves_other_loops_and_running_probes_alone)
{
	struct xlb_loop *a = xlb_loop_new(), *b = xlb_loop_new();
	struct hs_res ra = { 0 }, rb = { 0 };
	struct xlb_probe *pa, *pb;

	cr_assert_eq(xlb_probe_exec(a, "sleep 5", "xlb-test", NULL, 0, 0, hs_on_result, &ra, &pa),
		     0);
	cr_assert_eq(xlb_probe_exec(b, "sleep 5", "xlb-test", NULL, 0, 0, hs_on_result, &rb, &pb),
		     0);
	xlb_probe_cancel(pb);
	/* a's probe still runs (not cancelled): reap must not touch it; b's
	 * belongs to another loop. */
	cr_assert_eq(xlb_probe_reap(a, 100), 0);
	cr_assert_eq(xlb_probe_live(), 2);
	cr_assert_eq(xlb_probe_reap(b, 2000), 0);
	cr_assert_eq(xlb_probe_live(), 1);
	xlb_probe_cancel(pa);
	cr_assert_eq(xlb_probe_reap(a, 2000), 0);
	cr_assert_eq(xlb_probe_live(), 0);
	cr_assert_eq(hs_children(), 0);
	cr_assert_eq(ra.calls + rb.calls, 0);
	xlb_loop_free(a);
	xlb_loop_free(b);
}

Test(health_shutdown, health_free_reaps_running_exec_checks)
{
	struct xlb_loop *loop = xlb_loop_new();
	struct xlb_errors errs = { 0 };
	struct xlb_health_mgr *m;
	struct xlb_cfg *cfg = NULL;
	char mark[32], json[1024];

	hs_mark(mark, sizeof(mark));
	/* Two backends whose checks hang for longer than the test. */
	snprintf(json, sizeof(json),
		 "{ \"node\": { \"name\": \"hs\", \"interface\": \"lo\" },"
		 "  \"services\": [ { \"name\": \"web\", \"vip\": \"192.0.2.1\", \"port\": 80,"
		 "    \"health_check\": { \"type\": \"exec\","
		 "      \"script\": \"f() { (sleep %s) & sleep %s; }; f\","
		 "      \"interval\": 0.2, \"timeout\": 0.2 },"
		 "    \"backends\": [ { \"address\": \"192.0.2.11\" },"
		 "                    { \"address\": \"192.0.2.12\" } ] } ] }",
		 mark, mark);
	cr_assert_eq(xlb_config_parse(json, strlen(json), "test", &cfg, &errs), 0, "%s",
		     errs.n ? errs.msg[0] : "");
	m = xlb_health_new(loop, cfg, NULL, NULL);
	cr_assert_not_null(m);
	/* Every check starts within one interval and hangs (timeout == interval,
	 * so one is always running per backend). */
	hs_run_for(loop, 300);
	cr_assert_geq(hs_procs_with_arg(mark), 2, "the checks are not running");
	xlb_health_free(m);
	hs_assert_nothing_left(mark);
	xlb_config_free(cfg);
	xlb_errors_free(&errs);
	xlb_loop_free(loop);
}
