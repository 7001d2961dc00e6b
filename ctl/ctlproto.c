// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "ctlproto.h"

static const struct {
	const char *name;
	enum xlb_ctl_cmd cmd;
} cmds[] = {
	{ "status", XLB_CTL_STATUS },
	{ "apply", XLB_CTL_APPLY },
	{ "reload", XLB_CTL_RELOAD },
	{ "backend", XLB_CTL_BACKEND },
};

static const char *const action_names[] = {
	[XLB_ACT_DRAIN] = "drain",
	[XLB_ACT_ENABLE] = "enable",
	[XLB_ACT_DISABLE] = "disable",
};

const char *xlb_ctl_action_name(enum xlb_ctl_action a)
{
	if (a < XLB_ACT_DRAIN || a > XLB_ACT_DISABLE)
		return "?";
	return action_names[a];
}

int xlb_ctl_action_parse(const char *s, enum xlb_ctl_action *a)
{
	int i;

	for (i = XLB_ACT_DRAIN; i <= XLB_ACT_DISABLE; i++) {
		if (!strcmp(s, action_names[i])) {
			*a = i;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

void xlb_ctl_req_free(struct xlb_ctl_req *req)
{
	free(req->origin);
	free(req->config);
	free(req->service);
	free(req->address);
	memset(req, 0, sizeof(*req));
}

int xlb_ctl_req_decode(const char *buf, size_t len, struct xlb_ctl_req *req,
		       char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = NULL, *v;
	const char *cmd, *s;
	int ret = -EINVAL;
	size_t i;

	memset(req, 0, sizeof(*req));
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	o = json_tokener_parse_ex(tok, buf, len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		snprintf(err, errlen, "request is not one JSON object");
		goto out;
	}
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "request is not a JSON object");
		goto out;
	}
	cmd = get_str(o, "cmd");
	if (!cmd) {
		snprintf(err, errlen, "request has no \"cmd\" string");
		goto out;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmd, cmds[i].name))
			req->cmd = cmds[i].cmd;
	switch (req->cmd) {
	case XLB_CTL_STATUS:
	case XLB_CTL_RELOAD:
		break;
	case XLB_CTL_APPLY:
		if (!json_object_object_get_ex(o, "config", &v) ||
		    !json_object_is_type(v, json_type_string)) {
			snprintf(err, errlen, "apply: \"config\" must be a string");
			goto out;
		}
		/* The text may hold a "\u0000" escape: copy by length, not by
		 * strndup(), so config_len always matches the buffer. */
		req->config_len = json_object_get_string_len(v);
		req->config = malloc(req->config_len + 1);
		if (req->config) {
			memcpy(req->config, json_object_get_string(v), req->config_len);
			req->config[req->config_len] = '\0';
		}
		s = get_str(o, "origin");
		req->origin = strdup(s ? s : "<apply>");
		if (!req->config || !req->origin) {
			snprintf(err, errlen, "out of memory");
			ret = -ENOMEM;
			goto out;
		}
		break;
	case XLB_CTL_BACKEND: {
		int64_t port = 0;

		s = get_str(o, "action");
		if (!s || xlb_ctl_action_parse(s, &req->action)) {
			snprintf(err, errlen, "backend: \"action\" must be drain, enable or disable");
			goto out;
		}
		s = get_str(o, "service");
		req->service = s ? strdup(s) : NULL;
		s = get_str(o, "address");
		req->address = s ? strdup(s) : NULL;
		if (!req->service || !req->address) {
			snprintf(err, errlen, "backend: \"service\" and \"address\" are required");
			goto out;
		}
		if (json_object_object_get_ex(o, "port", &v)) {
			if (!json_object_is_type(v, json_type_int)) {
				snprintf(err, errlen, "backend: \"port\" must be an integer");
				goto out;
			}
			port = json_object_get_int64(v);
		}
		if (port < 0 || port > 65535) {
			snprintf(err, errlen, "backend: \"port\" must be 0..65535");
			goto out;
		}
		req->port = port;
		break;
	}
	default:
		snprintf(err, errlen, "unknown command \"%.32s\"", cmd);
		goto out;
	}
	ret = 0;
out:
	if (ret)
		xlb_ctl_req_free(req);
	json_object_put(o);
	json_tokener_free(tok);
	return ret;
}

struct json_object *xlb_ctl_req_encode(const struct xlb_ctl_req *req)
{
	struct json_object *o = json_object_new_object();
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].cmd == req->cmd)
			json_object_object_add(o, "cmd", json_object_new_string(cmds[i].name));
	switch (req->cmd) {
	case XLB_CTL_APPLY:
		json_object_object_add(o, "origin", json_object_new_string(req->origin ? req->origin : ""));
		json_object_object_add(o, "config",
				       json_object_new_string_len(req->config, req->config_len));
		break;
	case XLB_CTL_BACKEND:
		json_object_object_add(o, "action",
				       json_object_new_string(xlb_ctl_action_name(req->action)));
		json_object_object_add(o, "service", json_object_new_string(req->service));
		json_object_object_add(o, "address", json_object_new_string(req->address));
		json_object_object_add(o, "port", json_object_new_int(req->port));
		break;
	default:
		break;
	}
	return o;
}

struct json_object *xlb_ctl_error_reply(const char *const *msgs, size_t n)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(msgs[i]));
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "errors", a);
	return o;
}

void xlb_frame_init(struct xlb_frame *f, size_t max)
{
	memset(f, 0, sizeof(*f));
	f->max = max;
}

void xlb_frame_reset(struct xlb_frame *f)
{
	size_t max = f->max;

	free(f->msg);
	xlb_frame_init(f, max);
}

int xlb_frame_feed(struct xlb_frame *f, const char *buf, size_t len, size_t *used)
{
	size_t n, off = 0;

	*used = 0;
	while (f->hdr_got < 4 && off < len)
		f->hdr[f->hdr_got++] = buf[off++];
	if (f->hdr_got < 4) {
		*used = off;
		return 0;
	}
	if (!f->msg) {
		f->msg_len = (size_t)f->hdr[0] << 24 | f->hdr[1] << 16 | f->hdr[2] << 8 | f->hdr[3];
		if (f->msg_len > f->max) {
			*used = off;
			return -EMSGSIZE;
		}
		/* Memory follows the bytes that arrive, not the announced
		 * length: a client announcing 32 MiB and sending nothing costs
		 * 64 KiB. */
		f->msg_cap = (f->msg_len < 65536 ? f->msg_len : 65536) + 1;
		f->msg = malloc(f->msg_cap);
		if (!f->msg)
			return -ENOMEM;
	}
	n = len - off;
	if (n > f->msg_len - f->msg_got)
		n = f->msg_len - f->msg_got;
	if (f->msg_got + n + 1 > f->msg_cap) {
		size_t cap = 2 * f->msg_cap;
		char *m;

		if (cap < f->msg_got + n + 1)
			cap = f->msg_got + n + 1;
		if (cap > f->msg_len + 1)
			cap = f->msg_len + 1;
		m = realloc(f->msg, cap);
		if (!m)
			return -ENOMEM;
		f->msg = m;
		f->msg_cap = cap;
	}
	memcpy(f->msg + f->msg_got, buf + off, n);
	f->msg_got += n;
	*used = off + n;
	if (f->msg_got < f->msg_len)
		return 0;
	f->msg[f->msg_len] = '\0';
	return 1;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		/* A peer that hung up is -EPIPE here, never a SIGPIPE (pipes,
		 * which are no sockets, keep plain write()). */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int xlb_frame_write(int fd, const char *buf, size_t len)
{
	uint8_t hdr[4] = { len >> 24, len >> 16, len >> 8, len };
	int err;

	if (len > 0xffffffffu)
		return -EMSGSIZE;
	err = write_all(fd, hdr, 4);
	return err ? err : write_all(fd, buf, len);
}

int xlb_frame_read(int fd, char **out, size_t *len, size_t max)
{
	struct xlb_frame f;
	char buf[65536];
	int ret;

	xlb_frame_init(&f, max);
	for (;;) {
		size_t used;
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (n == 0) {
			ret = -ECONNRESET;
			break;
		}
		/* One reply per connection: extra bytes after it are ignored. */
		ret = xlb_frame_feed(&f, buf, n, &used);
		if (ret < 0)
			break;
		if (ret == 1) {
			*out = f.msg;
			*len = f.msg_len;
			return 0;
		}
	}
	free(f.msg);
	return ret;
}
