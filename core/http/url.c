/* sgp32lab: strict parser for the http:// and https:// URLs the roles are
 * configured with (RFC 3986 section 3, restricted: no user info, no
 * fragment), plus small HTTP text helpers. */
#include "core/http/http_int.h"
#include "core/err.h"

#include "core/log.h"

#include <event2/event.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool is_hex(char c)
{
	return isxdigit((unsigned char)c) != 0;
}

/* RFC 3986 pchar plus '/' and '?' (path and query). */
static bool path_char_ok(char c)
{
	if (isalnum((unsigned char)c))
		return true;
	return strchr("-._~!$&'()*+,;=:@/?", c) != NULL && c != '\0';
}

/* DNS name: labels of 1..63 letters, digits and '-', not starting or
 * ending with '-', at most 253 characters. */
static bool host_name_ok(const char *h)
{
	size_t label = 0, n = strlen(h);

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];

		if (c == '.') {
			if (label == 0 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-')
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && h[n - 1] != '-';
}

static bool all_digits_dots(const char *h)
{
	for (; *h; h++)
		if (!isdigit((unsigned char)*h) && *h != '.')
			return false;
	return true;
}

static int parse_port(const char *p, size_t n, uint16_t *port)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return SGP_ERR_PARSE;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return SGP_ERR_PARSE;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return SGP_ERR_PARSE;
	*port = (uint16_t)v;
	return SGP_OK;
}

static int parse_authority(const char *a, size_t n, struct http_url *out)
{
	const char *host, *colon = NULL;
	size_t hlen;
	int rc;

	if (n == 0 || memchr(a, '@', n))
		return SGP_ERR_PARSE;	/* empty host or user info */
	if (a[0] == '[') {
		const char *close = memchr(a, ']', n);
		struct in6_addr a6;

		if (!close)
			return SGP_ERR_PARSE;
		host = a + 1;
		hlen = (size_t)(close - host);
		if (close + 1 < a + n) {
			if (close[1] != ':')
				return SGP_ERR_PARSE;
			colon = close + 1;
		}
		if (hlen == 0 || hlen >= sizeof(out->host))
			return SGP_ERR_PARSE;
		memcpy(out->host, host, hlen);
		out->host[hlen] = '\0';
		if (inet_pton(AF_INET6, out->host, &a6) != 1)
			return SGP_ERR_PARSE;
		out->host_is_ip = true;
	} else {
		colon = memchr(a, ':', n);
		hlen = colon ? (size_t)(colon - a) : n;
		if (colon && memchr(colon + 1, ':', n - hlen - 1))
			return SGP_ERR_PARSE;	/* IPv6 without brackets */
		if (hlen == 0)
			return SGP_ERR_PARSE;
		if (hlen >= sizeof(out->host))
			return SGP_ERR_TOOBIG;
		for (size_t i = 0; i < hlen; i++)
			out->host[i] = (char)tolower((unsigned char)a[i]);
		out->host[hlen] = '\0';
		if (all_digits_dots(out->host)) {
			struct in_addr a4;

			/* inet_pton accepts only the dotted quad form. */
			if (inet_pton(AF_INET, out->host, &a4) != 1)
				return SGP_ERR_PARSE;
			out->host_is_ip = true;
		} else if (!host_name_ok(out->host)) {
			return SGP_ERR_PARSE;
		}
	}
	if (colon) {
		rc = parse_port(colon + 1, (size_t)(a + n - colon - 1), &out->port);
		if (rc < 0)
			return rc;
	}
	return SGP_OK;
}

int http_url_parse(const char *url, struct http_url *out)
{
	const char *p, *auth_end;
	size_t plen;
	int rc;

	if (!url || !out)
		return SGP_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	if (strncasecmp(url, "http://", 7) == 0) {
		p = url + 7;
		out->port = 80;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		p = url + 8;
		out->tls = true;
		out->port = 443;
	} else {
		return SGP_ERR_PARSE;
	}
	auth_end = p + strcspn(p, "/?#");
	rc = parse_authority(p, (size_t)(auth_end - p), out);
	if (rc < 0)
		return rc;

	p = auth_end;
	if (strchr(p, '#'))
		return SGP_ERR_PARSE;	/* fragments are never sent */
	for (const char *q = p; *q; q++) {
		if (*q == '%') {
			if (!is_hex(q[1]) || !is_hex(q[2]))
				return SGP_ERR_PARSE;
			q += 2;
		} else if (!path_char_ok(*q)) {
			return SGP_ERR_PARSE;
		}
	}
	plen = strlen(p);
	if (plen + 2 > sizeof(out->path))
		return SGP_ERR_TOOBIG;
	if (*p == '/')
		memcpy(out->path, p, plen + 1);
	else
		snprintf(out->path, sizeof(out->path), "/%s", p);
	return SGP_OK;
}

bool http_header_value_ok(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n' || *s == '\0')
			return false;
	return true;
}

/* A header name is an RFC 9110 token: visible ASCII except delimiters. */
bool http_header_name_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c))
			return false;
	}
	return true;
}

static void libevent_log_cb(int severity, const char *msg)
{
	enum log_level l = severity >= EVENT_LOG_ERR ? LOGL_ERROR :
			   severity == EVENT_LOG_WARN ? LOGL_NOTICE : LOGL_DEBUG;

	LOGP(DHTTP, l, "libevent: %s", msg);
}

void http_libevent_log_init(void)
{
	static bool done;

	if (!done)
		event_set_log_callback(libevent_log_cb);
	done = true;
}
