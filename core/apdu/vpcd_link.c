/* sgp32lab: the vpcd link — 2-byte big-endian length framing over a
 * libevent bufferevent, listening or connecting with reconnect.
 *
 * The framing is vsmartcard's (src/vpcd/vpcd.c: sendToVICC/recvFromVICC):
 * a length on two bytes in network order, then the message. */
#include "core/apdu/vpcd_int.h"
#include "core/err.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static void link_connect(struct vpcd_link *l);

static void link_close_bev(struct vpcd_link *l)
{
	if (l->bev) {
		bufferevent_free(l->bev);
		l->bev = NULL;
	}
}

static void schedule_retry(struct vpcd_link *l)
{
	struct timeval tv = { l->reconnect_ms / 1000, (l->reconnect_ms % 1000) * 1000 };

	if (!l->listen && l->retry)
		evtimer_add(l->retry, &tv);
}

void vpcd_link_drop(struct vpcd_link *l, const char *why)
{
	bool was_up = l->up;

	if (!l->bev)
		return;
	LOGP(l->cat, LOGL_NOTICE, "vpcd %s: link to port %u closed: %s", l->who, l->port, why);
	link_close_bev(l);
	l->up = false;
	schedule_retry(l);
	if (was_up && l->on_down)
		l->on_down(l);
}

static void link_read(struct bufferevent *bev, void *arg)
{
	struct vpcd_link *l = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[2];
	size_t n;

	while (l->bev == bev && evbuffer_get_length(in) >= 2) {
		uint8_t *msg;

		evbuffer_copyout(in, hdr, 2);
		n = (size_t)hdr[0] << 8 | hdr[1];
		if (evbuffer_get_length(in) < 2 + n)
			return;		/* the rest of the message is still on its way */
		evbuffer_drain(in, 2);
		msg = n ? evbuffer_pullup(in, (ev_ssize_t)n) : NULL;
		if (n && !msg) {
			vpcd_link_drop(l, "out of memory");
			return;
		}
		/* on_msg reads msg before anything drains the buffer */
		if (!l->on_msg(l, msg, n))
			return;
		if (l->bev == bev)
			evbuffer_drain(in, n);
	}
}

static void link_event(struct bufferevent *bev, short what, void *arg)
{
	struct vpcd_link *l = arg;
	char why[96];
	size_t pending;

	if (what & BEV_EVENT_CONNECTED) {
		if (l->fails)
			LOGP(l->cat, LOGL_NOTICE, "vpcd %s: connected to port %u after %u failed attempt(s)",
			     l->who, l->port, l->fails);
		else
			LOGP(l->cat, LOGL_INFO, "vpcd %s: connected to port %u", l->who, l->port);
		l->fails = 0;
		l->up = true;
		if (l->on_up)
			l->on_up(l);
		return;
	}
	if (!l->up) {			/* a connect attempt failed */
		LOGP(l->cat, l->fails ? LOGL_DEBUG : LOGL_NOTICE,
		     "vpcd %s: cannot connect to port %u: %s (retrying every %u ms)", l->who,
		     l->port, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()), l->reconnect_ms);
		l->fails++;
		link_close_bev(l);
		schedule_retry(l);
		return;
	}
	pending = evbuffer_get_length(bufferevent_get_input(bev));
	if (pending)
		snprintf(why, sizeof(why), "peer closed in the middle of a message (%zu bytes kept back)",
			 pending);
	else if (what & BEV_EVENT_EOF)
		snprintf(why, sizeof(why), "peer closed");
	else
		snprintf(why, sizeof(why), "%s", evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	vpcd_link_drop(l, why);
}

static int link_attach(struct vpcd_link *l, evutil_socket_t fd)
{
	l->bev = bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!l->bev)
		return SGP_ERR_NOMEM;
	bufferevent_setcb(l->bev, link_read, NULL, link_event, l);
	bufferevent_enable(l->bev, EV_READ | EV_WRITE);
	return SGP_OK;
}

static void link_connect(struct vpcd_link *l)
{
	if (link_attach(l, -1) < 0) {
		schedule_retry(l);
		return;
	}
	/* errors (also immediate ones) arrive through link_event */
	if (bufferevent_socket_connect(l->bev, (struct sockaddr *)&l->addr, l->addrlen) < 0 && l->bev) {
		l->fails++;
		link_close_bev(l);
		schedule_retry(l);
	}
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vpcd_link *l = arg;
	(void)fd;
	(void)what;
	if (!l->bev)
		link_connect(l);
}

static void accept_cb(struct evconnlistener *lsn, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct vpcd_link *l = arg;
	(void)lsn;
	(void)sa;
	(void)salen;

	if (l->bev) {
		LOGP(l->cat, LOGL_NOTICE, "vpcd %s: second connection on port %u refused (one is up)",
		     l->who, l->port);
		evutil_closesocket(fd);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	if (link_attach(l, fd) < 0) {
		evutil_closesocket(fd);
		return;
	}
	LOGP(l->cat, LOGL_INFO, "vpcd %s: peer connected on port %u", l->who, l->port);
	l->up = true;
	if (l->on_up)
		l->on_up(l);
}

static int resolve(struct vpcd_link *l, const struct vpcd_endpoint *ep)
{
	struct evutil_addrinfo hints, *res = NULL;
	char port[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = EVUTIL_AI_NUMERICSERV | (ep->listen ? EVUTIL_AI_PASSIVE : 0);
	snprintf(port, sizeof(port), "%u", ep->port);
	rc = evutil_getaddrinfo(ep->host, port, &hints, &res);
	if (rc != 0 || !res || res->ai_addrlen > sizeof(l->addr)) {
		LOGP(ep->cat, LOGL_ERROR, "vpcd: cannot resolve %s: %s", ep->host ? ep->host : "(any)",
		     rc ? evutil_gai_strerror(rc) : "no address");
		if (res)
			evutil_freeaddrinfo(res);
		return SGP_ERR_INVAL;
	}
	memcpy(&l->addr, res->ai_addr, res->ai_addrlen);
	l->addrlen = (int)res->ai_addrlen;
	evutil_freeaddrinfo(res);
	return SGP_OK;
}

int vpcd_link_init(struct vpcd_link *l, struct event_base *base, const struct vpcd_endpoint *ep)
{
	int rc;

	l->base = base;
	l->listen = ep->listen;
	l->cat = ep->cat;
	l->port = ep->port;
	l->reconnect_ms = ep->reconnect_ms ? ep->reconnect_ms : VPCD_RECONNECT_MS;
	rc = resolve(l, ep);
	if (rc < 0)
		return rc;
	if (l->listen) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		l->lsn = evconnlistener_new_bind(base, accept_cb, l,
						 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 1,
						 (struct sockaddr *)&l->addr, l->addrlen);
		if (!l->lsn) {
			LOGP(l->cat, LOGL_ERROR, "vpcd %s: cannot listen on %s:%u: %s", l->who,
			     ep->host ? ep->host : "*", ep->port,
			     evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
			return SGP_ERR_IO;
		}
		if (getsockname(evconnlistener_get_fd(l->lsn), (struct sockaddr *)&ss, &sl) == 0)
			l->port = ntohs(ss.ss_family == AF_INET6 ?
					((struct sockaddr_in6 *)&ss)->sin6_port :
					((struct sockaddr_in *)&ss)->sin_port);
		LOGP(l->cat, LOGL_INFO, "vpcd %s: listening on port %u", l->who, l->port);
		return SGP_OK;
	}
	l->retry = evtimer_new(base, retry_cb, l);
	if (!l->retry)
		return SGP_ERR_NOMEM;
	link_connect(l);
	return SGP_OK;
}

void vpcd_link_cleanup(struct vpcd_link *l)
{
	link_close_bev(l);
	l->up = false;
	if (l->lsn)
		evconnlistener_free(l->lsn);
	l->lsn = NULL;
	if (l->retry)
		event_free(l->retry);
	l->retry = NULL;
}

int vpcd_link_send(struct vpcd_link *l, const uint8_t *msg, size_t len)
{
	uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	struct evbuffer *out;

	if (len > VPCD_MAX_MSG)
		return SGP_ERR_TOOBIG;
	if (!l->bev || !l->up)
		return SGP_ERR_STATE;
	out = bufferevent_get_output(l->bev);
	if (evbuffer_add(out, hdr, 2) < 0 || (len && evbuffer_add(out, msg, len) < 0))
		return SGP_ERR_NOMEM;
	return SGP_OK;
}
