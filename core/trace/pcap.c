/* sgp32lab: synthetic TCP/IPv4 packets in a classic libpcap file (see
 * pcap.h). */
#include "core/trace/pcap.h"
#include "core/err.h"

#include <string.h>

#define IP_HDR 20
#define TCP_HDR 20
#define IPPROTO_TCP_NUM 6

/* TCP flags (RFC 793 3.1) */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_PSH 0x08
#define TH_ACK 0x10

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* The file's own fields are little-endian (readers detect the byte
 * order from the magic). */
static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put16le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

uint32_t pcap_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)p[i] << 8 | p[i + 1];
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (i < len) {		/* an odd last byte, padded with zero */
		sum += (uint32_t)p[i] << 8;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum;
}

uint16_t pcap_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int out_write(struct pcap_out *o, const void *p, size_t len)
{
	if (o->err)
		return o->err;
	if (fwrite(p, 1, len, o->f) != len)
		o->err = SGP_ERR_IO;
	return o->err;
}

int pcap_out_start(struct pcap_out *o, FILE *f)
{
	uint8_t h[24];

	memset(o, 0, sizeof(*o));
	o->f = f;
	put32le(h, PCAP_MAGIC);
	put16le(h + 4, 2);		/* version 2.4 */
	put16le(h + 6, 4);
	put32le(h + 8, 0);		/* the times are UTC */
	put32le(h + 12, 0);		/* sigfigs: unused */
	put32le(h + 16, PCAP_SNAPLEN);
	put32le(h + 20, PCAP_LINKTYPE_IPV4);
	return out_write(o, h, sizeof(h));
}

/* A mix of the flow's addresses, so the initial sequence numbers differ
 * between flows and from one end to the other, yet never between runs. */
static uint32_t isn(uint32_t a, uint16_t pa, uint32_t b, uint16_t pb)
{
	uint32_t h = 2166136261u;	/* FNV-1a over the 12 bytes */
	uint8_t k[12];

	put32(k, a);
	put16(k + 4, pa);
	put32(k + 6, b);
	put16(k + 10, pb);
	for (size_t i = 0; i < sizeof(k); i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

void pcap_flow_init(struct pcap_flow *fl, uint32_t addr0, uint16_t port0, uint32_t addr1,
		    uint16_t port1)
{
	memset(fl, 0, sizeof(*fl));
	fl->addr[0] = addr0;
	fl->addr[1] = addr1;
	fl->port[0] = port0;
	fl->port[1] = port1;
	fl->seq[0] = isn(addr0, port0, addr1, port1);
	fl->seq[1] = isn(addr1, port1, addr0, port0);
}

/* One packet from end `from` of fl: IPv4 header, TCP header, len bytes
 * (at most PCAP_MSS). */
static int packet(struct pcap_out *o, struct pcap_flow *fl, int from, uint8_t flags,
		  const uint8_t *data, size_t len, uint64_t t_us)
{
	uint8_t pkt[IP_HDR + TCP_HDR + PCAP_MSS], ph[12], rec[16];
	uint8_t *tcp = pkt + IP_HDR;
	size_t total = IP_HDR + TCP_HDR + len;
	int to = !from;
	uint32_t sum;

	if (len > PCAP_MSS)
		return SGP_ERR_INVAL;
	/* IPv4 (RFC 791 3.1): no options, don't fragment, TTL 64 */
	pkt[0] = 0x45;
	pkt[1] = 0;
	put16(pkt + 2, (uint32_t)total);
	put16(pkt + 4, o->ip_id++);
	put16(pkt + 6, 0x4000);
	pkt[8] = 64;
	pkt[9] = IPPROTO_TCP_NUM;
	put16(pkt + 10, 0);
	put32(pkt + 12, fl->addr[from]);
	put32(pkt + 16, fl->addr[to]);
	put16(pkt + 10, pcap_csum_fold(pcap_csum_add(0, pkt, IP_HDR)));
	/* TCP (RFC 793 3.1): no options, a full window */
	put16(tcp, fl->port[from]);
	put16(tcp + 2, fl->port[to]);
	put32(tcp + 4, fl->seq[from]);
	put32(tcp + 8, flags & TH_ACK ? fl->seq[to] : 0);
	tcp[12] = (TCP_HDR / 4) << 4;
	tcp[13] = flags;
	put16(tcp + 14, 65535);
	put16(tcp + 16, 0);
	put16(tcp + 18, 0);
	if (len)
		memcpy(tcp + TCP_HDR, data, len);
	/* the checksum covers a pseudo-header of the addresses too */
	put32(ph, fl->addr[from]);
	put32(ph + 4, fl->addr[to]);
	ph[8] = 0;
	ph[9] = IPPROTO_TCP_NUM;
	put16(ph + 10, (uint32_t)(TCP_HDR + len));
	sum = pcap_csum_add(pcap_csum_add(0, ph, sizeof(ph)), tcp, TCP_HDR + len);
	put16(tcp + 16, pcap_csum_fold(sum));

	put32le(rec, (uint32_t)(t_us / 1000000));
	put32le(rec + 4, (uint32_t)(t_us % 1000000));
	put32le(rec + 8, (uint32_t)total);
	put32le(rec + 12, (uint32_t)total);
	if (out_write(o, rec, sizeof(rec)) < 0 || out_write(o, pkt, total) < 0)
		return o->err;
	o->packets++;
	fl->t_us = t_us;
	/* SYN and FIN take one sequence number (RFC 793 3.3) */
	fl->seq[from] += (uint32_t)len + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
	return SGP_OK;
}

int pcap_flow_open(struct pcap_out *o, struct pcap_flow *fl, uint64_t t_us)
{
	int rc;

	if ((rc = packet(o, fl, 0, TH_SYN, NULL, 0, t_us)) < 0 ||
	    (rc = packet(o, fl, 1, TH_SYN | TH_ACK, NULL, 0, t_us)) < 0 ||
	    (rc = packet(o, fl, 0, TH_ACK, NULL, 0, t_us)) < 0)
		return rc;
	fl->open = true;
	return SGP_OK;
}

int pcap_flow_send(struct pcap_out *o, struct pcap_flow *fl, int from, const uint8_t *data,
		   size_t len, uint64_t t_us)
{
	int rc;

	if (from != 0 && from != 1)
		return SGP_ERR_INVAL;
	if (!len)
		return SGP_OK;
	if (!data)
		return SGP_ERR_INVAL;
	if (!fl->open && (rc = pcap_flow_open(o, fl, t_us)) < 0)
		return rc;
	for (size_t off = 0; off < len;) {
		size_t n = len - off < PCAP_MSS ? len - off : PCAP_MSS;

		rc = packet(o, fl, from, TH_ACK | (off + n == len ? TH_PSH : 0), data + off, n, t_us);
		if (rc < 0)
			return rc;
		off += n;
	}
	return packet(o, fl, !from, TH_ACK, NULL, 0, t_us);
}

int pcap_flow_close(struct pcap_out *o, struct pcap_flow *fl)
{
	uint64_t t = fl->t_us;
	int rc;

	if (!fl->open)
		return SGP_OK;
	if ((rc = packet(o, fl, 0, TH_FIN | TH_ACK, NULL, 0, t)) < 0 ||
	    (rc = packet(o, fl, 1, TH_FIN | TH_ACK, NULL, 0, t)) < 0 ||
	    (rc = packet(o, fl, 0, TH_ACK, NULL, 0, t)) < 0)
		return rc;
	fl->open = false;
	return SGP_OK;
}
