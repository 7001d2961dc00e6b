/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xlbd's control socket: a Unix stream socket, mode 0600, root only
 * (SO_PEERCRED checked on every connection). One request and one reply per
 * connection, framed as in ctlproto.h, served from the event loop without
 * blocking: a slow or hostile client cannot stall probes or VRRP adverts.
 */
#ifndef XLB_CTLSOCK_H
#define XLB_CTLSOCK_H

#include <json-c/json.h>

#include "ctlproto.h"
#include "loop.h"

struct xlb_ctlsock;

/* Answer @req; return a new reply object (ownership passes to the caller). */
typedef struct json_object *(*xlb_ctl_handler)(void *arg, const struct xlb_ctl_req *req);

/*
 * Listen on @path (parent directory created 0700; a stale socket replaced
 * unless another xlbd answers on it: then -EADDRINUSE).
 */
int xlb_ctlsock_open(struct xlb_loop *loop, const char *path, xlb_ctl_handler h, void *arg,
		     struct xlb_ctlsock **out);
/* Close the listener and every client, unlink the socket file. */
void xlb_ctlsock_close(struct xlb_ctlsock *cs);

/*
 * Limits, exposed for tests. Clients connected at once: at most
 * XLB_CTL_MAX_CLIENTS and half the process's fd limit; a new client beyond
 * that drops the oldest. A client is dropped XLB_CTL_CLIENT_TIMEOUT_MS
 * after it connected, whether or not it has sent its request.
 */
#define XLB_CTL_MAX_CLIENTS 1024
#define XLB_CTL_CLIENT_TIMEOUT_MS 5000

#endif
