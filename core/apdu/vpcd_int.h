/* sgp32lab: the framed link shared by the vpcd card and reader sides */
#ifndef SGP_CORE_APDU_VPCD_INT_H
#define SGP_CORE_APDU_VPCD_INT_H

#include "core/apdu/vpcd.h"

#include <sys/socket.h>

struct bufferevent;
struct evconnlistener;
struct event;

struct vpcd_link {
	struct event_base *base;
	struct bufferevent *bev;	/* the connection, NULL while down */
	struct evconnlistener *lsn;	/* listening end */
	struct event *retry;		/* connecting end: reconnect timer */
	struct sockaddr_storage addr;	/* where to connect / where bound */
	int addrlen;
	bool listen;
	bool up;
	unsigned fails;			/* connect failures in a row (log once) */
	unsigned reconnect_ms;
	uint16_t port;
	enum log_cat cat;
	const char *who;		/* "card" or "reader", for the log */
	void *owner;
	/* A whole message arrived (len >= 0).  Returns false when it ended
	 * the link (the caller must stop reading). */
	bool (*on_msg)(struct vpcd_link *l, const uint8_t *msg, size_t len);
	void (*on_up)(struct vpcd_link *l);
	void (*on_down)(struct vpcd_link *l);
};

int vpcd_link_init(struct vpcd_link *l, struct event_base *base, const struct vpcd_endpoint *ep);
void vpcd_link_cleanup(struct vpcd_link *l);
/* Frame and queue one message; SGP_ERR_TOOBIG over 65535 bytes,
 * SGP_ERR_STATE when the link is down. */
int vpcd_link_send(struct vpcd_link *l, const uint8_t *msg, size_t len);
/* End the current connection (protocol error or local decision): on_down
 * runs, a connecting end schedules a reconnect. */
void vpcd_link_drop(struct vpcd_link *l, const char *why);

#endif
