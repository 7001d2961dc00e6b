/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control-socket protocol between xlbctl and xlbd.
 *
 * Framing: each message is a 4-byte big-endian length followed by that many
 * bytes of JSON (one object). Requests are at most XLB_CTL_MAX_MSG bytes; a
 * longer length prefix is answered with an error and the connection closed.
 *
 * Requests:  {"cmd":"status"}
 *            {"cmd":"apply","origin":"FILE","config":"<the JSON text>"}
 *            {"cmd":"reload"}
 *            {"cmd":"backend","action":"drain|enable|disable",
 *             "service":"web","address":"10.0.0.1","port":80}   (port 0 = any)
 * Replies:   {"ok":true, ...command-specific fields...}
 *            {"ok":false,"errors":["FILE: path: message", ...]}
 */
#ifndef XLB_CTLPROTO_H
#define XLB_CTLPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define XLB_CTL_MAX_MSG (32u << 20) /* 32 MiB: room for 100k backends */
#define XLB_CTL_DEFAULT_SOCK "/run/xlb/xlbd.sock"

enum xlb_ctl_cmd {
	XLB_CTL_STATUS = 1,
	XLB_CTL_APPLY,
	XLB_CTL_RELOAD,
	XLB_CTL_BACKEND,
};

enum xlb_ctl_action { XLB_ACT_DRAIN = 1, XLB_ACT_ENABLE, XLB_ACT_DISABLE };

struct xlb_ctl_req {
	enum xlb_ctl_cmd cmd;
	/* apply */
	char *origin;       /* file name for messages */
	char *config;       /* JSON text of the configuration */
	size_t config_len;
	/* backend */
	enum xlb_ctl_action action;
	char *service;
	char *address;
	uint16_t port;
};

/* Decode a request body. 0, or -EINVAL with a message in @err (len bytes). */
int xlb_ctl_req_decode(const char *buf, size_t len, struct xlb_ctl_req *req,
		       char *err, size_t errlen);
/* Encode a request body into a new json object (caller puts it). */
struct json_object *xlb_ctl_req_encode(const struct xlb_ctl_req *req);
void xlb_ctl_req_free(struct xlb_ctl_req *req);

const char *xlb_ctl_action_name(enum xlb_ctl_action a);
int xlb_ctl_action_parse(const char *s, enum xlb_ctl_action *a);

/* {"ok":false,"errors":[msgs...]} */
struct json_object *xlb_ctl_error_reply(const char *const *msgs, size_t n);

/*
 * Incremental frame reader for non-blocking sockets. Feed bytes with
 * xlb_frame_feed(); when it returns 1 a whole message is in f->msg
 * (f->msg_len bytes, NUL-terminated); call xlb_frame_reset() before the next.
 * Returns 0 when more bytes are needed, -EMSGSIZE when the announced length
 * exceeds @max, -ENOMEM.
 */
struct xlb_frame {
	uint8_t  hdr[4];
	size_t   hdr_got;
	char    *msg;
	size_t   msg_len;
	size_t   msg_got;
	size_t   msg_cap;  /* allocated, grows with the bytes that arrive */
	size_t   max;
};
void xlb_frame_init(struct xlb_frame *f, size_t max);
int xlb_frame_feed(struct xlb_frame *f, const char *buf, size_t len, size_t *used);
void xlb_frame_reset(struct xlb_frame *f);

/* Blocking helpers for the client side: whole message out / in. */
int xlb_frame_write(int fd, const char *buf, size_t len);
int xlb_frame_read(int fd, char **out, size_t *len, size_t max);

#endif
