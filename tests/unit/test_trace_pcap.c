/* sgp32lab: the libpcap capture of a trace (core/trace/pcap.c,
 * trace_pcap.c) — the file and record headers, IPv4 and TCP checksums,
 * handshakes, sequence numbers, segmenting of big messages, nothing for
 * empty ones, hostile header text, one copy of an exchange both ends
 * recorded, the vpcd framing, write errors */
#include "testutil.h"
#include "core/err.h"
#include "core/trace/pcap.h"
#include "core/trace/trace.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a reader for what the writer wrote ---- */

struct dir {			/* one direction of one TCP connection */
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t next;		/* the sequence number expected next */
	bool syn, fin;
	char data[70000];	/* the bytes sent, in order */
	size_t len;
	unsigned segs, max_seg;
};

struct capture {
	struct dir d[16];
	size_t n;
	unsigned packets;
	uint32_t first_sec;
};

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return be16(p) << 16 | be16(p + 2);
}

static struct dir *dir_of(struct capture *c, uint32_t src, uint16_t sport, uint32_t dst,
			  uint16_t dport)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->d[i].src == src && c->d[i].sport == sport && c->d[i].dst == dst &&
		    c->d[i].dport == dport)
			return &c->d[i];
	ck_assert_uint_lt(c->n, 16);
	c->d[c->n] = (struct dir){ .src = src, .dst = dst, .sport = sport, .dport = dport };
	return &c->d[c->n++];
}

/* Parse a whole capture, checking every header, checksum and sequence
 * number on the way. */
static void parse(const uint8_t *p, size_t len, struct capture *c)
{
	size_t off = 24;

	memset(c, 0, sizeof(*c));
	ck_assert_uint_ge(len, 24);
	ck_assert_uint_eq(le32(p), PCAP_MAGIC);
	ck_assert_uint_eq(p[4] | p[5] << 8, 2);
	ck_assert_uint_eq(p[6] | p[7] << 8, 4);
	ck_assert_uint_eq(le32(p + 16), PCAP_SNAPLEN);
	ck_assert_uint_eq(le32(p + 20), 228);
	while (off < len) {
		const uint8_t *ip, *tcp;
		uint32_t incl, seq, tlen;
		uint8_t ph[12], flags;
		struct dir *d;

		ck_assert_uint_ge(len - off, 16);
		incl = le32(p + off + 8);
		ck_assert_uint_eq(incl, le32(p + off + 12));
		ck_assert_uint_lt(le32(p + off + 4), 1000000);
		if (!c->packets)
			c->first_sec = le32(p + off);
		off += 16;
		ck_assert_uint_ge(len - off, incl);
		ck_assert_uint_ge(incl, 40);
		ip = p + off;
		tcp = ip + 20;
		off += incl;
		c->packets++;
		ck_assert_uint_eq(ip[0], 0x45);
		ck_assert_uint_eq(be16(ip + 2), incl);
		ck_assert_uint_eq(ip[9], 6);
		ck_assert_uint_eq(pcap_csum_fold(pcap_csum_add(0, ip, 20)), 0);
		tlen = incl - 20;
		memcpy(ph, ip + 12, 8);
		ph[8] = 0;
		ph[9] = 6;
		ph[10] = (uint8_t)(tlen >> 8);
		ph[11] = (uint8_t)tlen;
		ck_assert_uint_eq(pcap_csum_fold(pcap_csum_add(pcap_csum_add(0, ph, 12), tcp, tlen)), 0);
		ck_assert_uint_eq(tcp[12] >> 4, 5);
		flags = tcp[13];
		seq = be32(tcp + 4);
		d = dir_of(c, be32(ip + 12), (uint16_t)be16(tcp), be32(ip + 16), (uint16_t)be16(tcp + 2));
		if (flags & 0x02) {			/* SYN: a new connection */
			d->syn = true;
			d->fin = false;
			d->next = seq + 1;
			ck_assert_uint_eq(tlen, 20);
			continue;
		}
		ck_assert_msg(d->syn, "a segment before the SYN");
		/* after its FIN an end only acknowledges */
		ck_assert_msg(!d->fin || (incl == 40 && flags == 0x10), "a segment after the FIN");
		ck_assert_uint_eq(seq, d->next);
		/* the acknowledgement is what the other end sent so far */
		ck_assert(flags & 0x10);
		ck_assert_uint_eq(be32(tcp + 8),
				  dir_of(c, d->dst, d->dport, d->src, d->sport)->next);
		tlen -= 20;
		ck_assert_uint_le(tlen, PCAP_MSS);
		ck_assert_uint_le(d->len + tlen, sizeof(d->data));
		memcpy(d->data + d->len, tcp + 20, tlen);
		d->len += tlen;
		d->next += tlen;
		if (tlen) {
			d->segs++;
			if (tlen > d->max_seg)
				d->max_seg = tlen;
		}
		if (flags & 0x01) {
			d->fin = true;
			d->next++;
		}
	}
	ck_assert_uint_eq(off, len);
}

/* The capture of the sink's events, parsed. */
static void capture_events(struct capture *c, bool marks_end_flows)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(trace_pcap_write(f, marks_end_flows), 0);
	ck_assert_int_eq(fclose(f), 0);
	parse((const uint8_t *)s, len, c);
	free(s);
}

static struct dir *find_port(struct capture *c, uint16_t sport, uint16_t dport)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->d[i].sport == sport && (!dport || c->d[i].dport == dport))
			return &c->d[i];
	return NULL;
}

static bool has(const struct dir *d, const char *needle)
{
	return d && memmem(d->data, d->len, needle, strlen(needle)) != NULL;
}

/* ---- the packet layer ---- */

START_TEST(test_checksum)
{
	/* RFC 1071 4.1's example: the sum is ddf2, the checksum its complement */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	static const uint8_t odd[] = { 0x12 };

	ck_assert_uint_eq(pcap_csum_fold(pcap_csum_add(0, b, sizeof(b))), 0x220d);
	ck_assert_uint_eq(pcap_csum_fold(pcap_csum_add(0, odd, 1)), (uint16_t)~0x1200);
	ck_assert_uint_eq(pcap_csum_fold(pcap_csum_add(0, NULL, 0)), 0xffff);
}
END_TEST

START_TEST(test_segments)
{
	static uint8_t big[5000];
	struct pcap_out o;
	struct pcap_flow fl;
	struct capture *c = calloc(1, sizeof(*c));
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	ck_assert_ptr_nonnull(c);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	ck_assert_int_eq(pcap_out_start(&o, f), 0);
	pcap_flow_init(&fl, 0x7f000001, 40000, 0x7f000001, 443);
	/* nothing to send: no packet, not even a handshake */
	ck_assert_int_eq(pcap_flow_send(&o, &fl, 0, big, 0, 1000000), 0);
	ck_assert_uint_eq(o.packets, 0);
	ck_assert(!fl.open);
	ck_assert_int_eq(pcap_flow_send(&o, &fl, 2, big, 1, 0), SGP_ERR_INVAL);
	ck_assert_int_eq(pcap_flow_send(&o, &fl, 0, NULL, 1, 0), SGP_ERR_INVAL);
	/* 5000 bytes: handshake, 4 segments, an ACK */
	ck_assert_int_eq(pcap_flow_send(&o, &fl, 0, big, sizeof(big), 1500000), 0);
	ck_assert_uint_eq(o.packets, 3 + 4 + 1);
	ck_assert_int_eq(pcap_flow_send(&o, &fl, 1, big, PCAP_MSS, 1500001), 0);
	ck_assert_uint_eq(o.packets, 8 + 1 + 1);
	ck_assert_int_eq(pcap_flow_close(&o, &fl), 0);
	ck_assert_int_eq(pcap_flow_close(&o, &fl), 0);	/* closed: nothing more */
	ck_assert_uint_eq(o.packets, 13);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_uint_eq(len, 24 + 13 * (16 + 40) + sizeof(big) + PCAP_MSS);

	parse((const uint8_t *)s, len, c);
	ck_assert_uint_eq(c->packets, 13);
	ck_assert_uint_eq(c->first_sec, 1);
	ck_assert_uint_eq(c->n, 2);
	ck_assert_uint_eq(c->d[0].len, sizeof(big));
	ck_assert_mem_eq(c->d[0].data, big, sizeof(big));
	ck_assert_uint_eq(c->d[0].segs, 4);
	ck_assert_uint_eq(c->d[0].max_seg, PCAP_MSS);
	ck_assert_uint_eq(c->d[1].len, PCAP_MSS);
	ck_assert_uint_eq(c->d[1].segs, 1);
	ck_assert(c->d[0].fin && c->d[1].fin);
	free(s);
	free(c);
}
END_TEST

START_TEST(test_write_error)
{
	static const uint8_t b[2000] = { 1 };
	struct pcap_out o;
	struct pcap_flow fl;
	FILE *f = fopen("/dev/full", "w");
	int rc;

	if (!f)
		return;		/* no /dev/full here */
	setvbuf(f, NULL, _IONBF, 0);	/* every write reaches the device */
	ck_assert_int_eq(pcap_out_start(&o, f), SGP_ERR_IO);
	pcap_flow_init(&fl, 1, 2, 3, 4);
	rc = pcap_flow_send(&o, &fl, 0, b, sizeof(b), 0);
	ck_assert_int_eq(rc, SGP_ERR_IO);	/* the first error sticks */
	ck_assert_uint_eq(o.packets, 0);
	fclose(f);
}
END_TEST

/* ---- the trace's events ---- */

START_TEST(test_unwritable_path)
{
	ck_assert_int_eq(trace_start(0), 0);
	ck_assert_int_eq(trace_pcap_write_file("/nonexistent-dir/x/t.pcap", true), SGP_ERR_IO);
	trace_stop();
}
END_TEST

START_TEST(test_empty)
{
	struct capture *c = calloc(1, sizeof(*c));

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(trace_start(0), 0);
	capture_events(c, true);	/* just the file header */
	ck_assert_uint_eq(c->packets, 0);
	trace_mark("nothing happened");
	capture_events(c, true);
	ck_assert_uint_eq(c->packets, 0);
	trace_stop();
	free(c);
}
END_TEST

START_TEST(test_http)
{
	static uint8_t big[3000];
	static const char json[] = "{\"transactionId\":\"01\"}";
	struct capture *c = calloc(1, sizeof(*c));
	struct dir *d;
	long rq;

	ck_assert_ptr_nonnull(c);
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(trace_start(2500), 0);
	trace_mark("one");
	/* our client and our server both record the exchange: one copy */
	rq = trace_http(TRACE_HTTP_CLIENT, -1, "ipa", "", "127.0.0.1:7000", "POST",
			"/gsma/rsp2/es9plus/initiateAuthentication", 0, "application/json",
			(const uint8_t *)json, strlen(json), NULL);
	trace_set_local(rq, "127.0.0.1:40001");
	long s = trace_http(TRACE_HTTP_SERVER, -1, "smdp", "127.0.0.1:7000", "127.0.0.1:40001",
			    "POST", "/gsma/rsp2/es9plus/initiateAuthentication", 0,
			    "application/json", (const uint8_t *)json, strlen(json), NULL);
	trace_http(TRACE_HTTP_SERVER, s, "smdp", "127.0.0.1:7000", "127.0.0.1:40001", NULL, NULL,
		   200, "application/json", big, sizeof(big), NULL);
	trace_http(TRACE_HTTP_CLIENT, rq, "ipa", "127.0.0.1:40001", "127.0.0.1:7000", NULL, NULL,
		   200, "application/json", big, sizeof(big), NULL);
	/* an empty body, a hostile path and content type, an unknown local
	 * address: a made-up client port */
	rq = trace_http(TRACE_HTTP_CLIENT, -1, "op", "", "127.0.0.1:7000", "POST",
			"/x\r\nX-Evil: 1", 0, "text/plain\r\nX-Evil: 2", NULL, 0, NULL);
	trace_http(TRACE_HTTP_CLIENT, rq, "op", "", "127.0.0.1:7000", NULL, NULL, 204, NULL,
		   NULL, 0, NULL);
	/* no answer came: no answer bytes */
	rq = trace_http(TRACE_HTTP_CLIENT, -1, "op", "", "127.0.0.1:7000", "POST", "/gone", 0,
			NULL, (const uint8_t *)"a", 1, NULL);
	trace_http(TRACE_HTTP_CLIENT, rq, "op", "", "127.0.0.1:7000", NULL, NULL, 0, NULL, NULL, 0,
		   "connection dropped");
	/* an external client: its real address */
	rq = trace_http(TRACE_HTTP_SERVER, -1, "eim", "127.0.0.1:7100", "10.0.0.9:5555", "POST",
			"/gsma/rsp2/asn1", 0, "application/x-gsma-rsp-asn1", big, 10, NULL);
	trace_http(TRACE_HTTP_SERVER, rq, "eim", "127.0.0.1:7100", "10.0.0.9:5555", NULL, NULL,
		   400, NULL, NULL, 0, NULL);
	capture_events(c, true);

	/* the one download connection, once, each way */
	ck_assert_ptr_nonnull(d = find_port(c, 40001, 7000));
	ck_assert(has(d, "POST /gsma/rsp2/es9plus/initiateAuthentication HTTP/1.1\r\n"
		      "Host: 127.0.0.1:7000\r\nContent-Type: application/json\r\n"
		      "Content-Length: 22\r\n\r\n{\"transactionId\":\"01\"}"));
	ck_assert_uint_eq(d->segs, 1);
	ck_assert_ptr_nonnull(d = find_port(c, 7000, 40001));
	ck_assert(has(d, "HTTP/1.1 200 OK\r\n"));
	ck_assert(has(d, "Content-Length: 2500\r\nX-Sgp32lab-Truncated: 2500 of 3000 bytes"));
	ck_assert_uint_eq(d->segs, 2);	/* headers + 2500 bytes: two segments */
	ck_assert_ptr_null(find_port(c, 7000, 40002));

	/* the made-up client port carries both of op's requests */
	ck_assert_ptr_nonnull(d = find_port(c, 61000, 7000));
	ck_assert(has(d, "POST /x??X-Evil:?1 HTTP/1.1\r\n"));
	ck_assert(has(d, "Content-Type: text/plain??X-Evil: 2\r\nContent-Length: 0\r\n\r\n"));
	ck_assert(!has(d, "\r\nX-Evil"));
	ck_assert(has(d, "POST /gone HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(d = find_port(c, 7000, 61000));
	ck_assert(has(d, "HTTP/1.1 204 No Content\r\n\r\n"));
	ck_assert_uint_eq(d->segs, 1);	/* /gone had no answer */

	/* the external client from its own address */
	ck_assert_ptr_nonnull(d = find_port(c, 5555, 7100));
	ck_assert_uint_eq(d->src, 0x0a000009);
	ck_assert_uint_eq(d->dst, 0x7f000001);
	ck_assert(has(d, "Host: 127.0.0.1:7100\r\n"));
	ck_assert_ptr_nonnull(d = find_port(c, 7100, 5555));
	ck_assert(has(d, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
	for (size_t i = 0; i < c->n; i++)
		ck_assert_msg(c->d[i].fin, "connection %zu not closed", i);
	trace_stop();
	free(c);
}
END_TEST

START_TEST(test_apdu)
{
	static const uint8_t sel[] = { 0x00, 0xA4, 0x04, 0x00, 0x00 };
	static const uint8_t big[300] = { 0x80, 0xE2 };
	struct capture *c = calloc(1, sizeof(*c));
	struct dir *d;
	long rq;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(trace_start(0), 0);
	rq = trace_apdu(-1, "ipa", "euicc", (const uint8_t *)"\x04", 1);	/* get ATR */
	trace_apdu(rq, "ipa", "euicc", (const uint8_t *)"\x3b\x00", 2);
	rq = trace_apdu(-1, "ipa", "euicc", sel, sizeof(sel));
	trace_apdu(rq, "ipa", "euicc", (const uint8_t *)"\x90\x00", 2);
	rq = trace_apdu(-1, "ipa", "euicc", big, sizeof(big));
	trace_apdu(rq, "ipa", "euicc", NULL, 0);			/* link dropped */
	capture_events(c, false);
	/* the reader on vpcd's port sends, the card answers */
	ck_assert_ptr_nonnull(d = find_port(c, 35963, 0));
	ck_assert_uint_eq(d->len, 3 + 7 + 302);
	ck_assert_mem_eq(d->data, "\x00\x01\x04\x00\x05\x00\xA4\x04\x00\x00\x01\x2c\x80\xE2", 14);
	ck_assert_ptr_nonnull(d = find_port(c, 61000, 35963));
	ck_assert_uint_eq(d->len, 8);
	ck_assert_mem_eq(d->data, "\x00\x02\x3b\x00\x00\x02\x90\x00", 8);
	trace_stop();
	free(c);
}
END_TEST

START_TEST(test_marks_end_flows)
{
	struct capture *c = calloc(1, sizeof(*c));
	long rq;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(trace_start(0), 0);
	for (int i = 0; i < 2; i++) {
		trace_mark(i ? "two" : "one");
		rq = trace_apdu(-1, "ipa", "euicc", (const uint8_t *)"\x01", 1);
		trace_apdu(rq, "ipa", "euicc", (const uint8_t *)"\x90\x00", 2);
	}
	/* a new lab per mark: the link of "one" ends, "two" opens its own
	 * (the parser checks that nothing follows a FIN before a new SYN) */
	capture_events(c, true);
	ck_assert_uint_eq(c->packets, 2 * (3 + 2 + 2 + 3));
	/* one console: one link throughout */
	capture_events(c, false);
	ck_assert_uint_eq(c->packets, 3 + 4 * 2 + 3);
	trace_stop();
	free(c);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("trace_pcap");
	TCase *tc = tcase_create("pcap");

	tcase_add_test(tc, test_checksum);
	tcase_add_test(tc, test_segments);
	tcase_add_test(tc, test_write_error);
	tcase_add_test(tc, test_unwritable_path);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_http);
	tcase_add_test(tc, test_apdu);
	tcase_add_test(tc, test_marks_end_flows);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
