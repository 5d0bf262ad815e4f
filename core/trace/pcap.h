/* sgp32lab: synthetic TCP/IPv4 packets in a classic libpcap file.
 *
 * The packet layer under trace_pcap.c: a file header, then, per TCP
 * connection, a three-way handshake, the bytes each end sends cut into
 * segments of at most PCAP_MSS bytes (each message acknowledged by the
 * other end with an empty ACK), and a FIN exchange.  The packets are
 * made up from what the lab recorded, not captured: they carry the
 * recorded bytes with correct sequence and acknowledgement numbers, IPv4
 * header checksums and TCP checksums (RFC 791, RFC 793, RFC 1071), so
 * Wireshark reassembles the streams and checks them without complaint.
 *
 * File format (the libpcap format of tcpdump): a 24-byte header (magic
 * a1b2c3d4 written little-endian, version 2.4, snaplen PCAP_SNAPLEN,
 * link type LINKTYPE_IPV4 = 228: each packet starts with its IPv4
 * header), then per packet a 16-byte record header (seconds, micro-
 * seconds, captured length, original length) and the packet.
 *
 * Ownership: the caller owns the FILE and the flows.  Errors: SGP_ERR_IO
 * when a write fails (the first failure sticks in ->err).  Threading:
 * none needed. */
#ifndef SGP_CORE_TRACE_PCAP_H
#define SGP_CORE_TRACE_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAP_MAGIC 0xa1b2c3d4u
#define PCAP_LINKTYPE_IPV4 228u
#define PCAP_SNAPLEN 65535u
/* Largest TCP payload of one packet (a typical Ethernet MSS, rounded). */
#define PCAP_MSS 1400u

struct pcap_out {
	FILE *f;
	uint16_t ip_id;		/* IPv4 identification of the next packet */
	unsigned long packets;	/* packets written */
	int err;		/* the first write error, or 0 */
};

/* One TCP connection.  End 0 is the client (it sends the SYN), end 1 the
 * server.  Addresses are IPv4 in host byte order. */
struct pcap_flow {
	uint32_t addr[2];
	uint16_t port[2];
	uint32_t seq[2];	/* the next sequence number each end sends */
	bool open;		/* handshake written, no FIN yet */
	uint64_t t_us;		/* time of its last packet */
};

/* Start a file on f: the global header.  ip_id and the counters start at
 * 0. */
int pcap_out_start(struct pcap_out *o, FILE *f);

/* Fill in a flow between client addr0:port0 and server addr1:port1
 * (closed; its initial sequence numbers derive from the addresses, so a
 * capture comes out the same on every run). */
void pcap_flow_init(struct pcap_flow *fl, uint32_t addr0, uint16_t port0, uint32_t addr1,
		    uint16_t port1);

/* SYN, SYN-ACK, ACK at time t_us (microseconds since the epoch). */
int pcap_flow_open(struct pcap_out *o, struct pcap_flow *fl, uint64_t t_us);

/* len bytes from end `from` (0 client, 1 server) at t_us: segments of at
 * most PCAP_MSS bytes with ACK (PSH on the last), then the other end's
 * ACK.  Opens the flow first if it is not open.  len 0 writes nothing. */
int pcap_flow_send(struct pcap_out *o, struct pcap_flow *fl, int from, const uint8_t *data,
		   size_t len, uint64_t t_us);

/* FIN from the client, FIN-ACK from the server, the client's ACK, at the
 * flow's last time.  Nothing for a flow that is not open. */
int pcap_flow_close(struct pcap_out *o, struct pcap_flow *fl);

/* The Internet checksum (RFC 1071) of len bytes, added to the 32-bit
 * running sum `sum` (0 to start); pcap_csum_fold() makes it final. */
uint32_t pcap_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t pcap_csum_fold(uint32_t sum);

#endif
