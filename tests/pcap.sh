#!/bin/sh
# `sgp32lab run --pcap`: the capture of a profile download is a valid
# libpcap file (global and record headers, IPv4 header checksums, TCP
# checksums and sequence numbers per connection, checked by an
# independent reader in Python) holding the download's ES9+ requests in
# the order of SGP.22 3.1.3, as plaintext HTTP.  With tshark installed,
# Wireshark's own dissectors must see the same requests.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
L=$SGP32LAB
SCN=$SGP_SCENARIOS/smdp/download-activation-code.scn
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }

if ! command -v python3 > /dev/null 2>&1; then
	echo "SKIP: python3 is needed to read the capture"
	exit 77
fi

# an unwritable capture file is a usage error, before anything runs
"$L" run --pcap "$tmp/no/such/dir/t.pcap" "$SCN" > "$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q "cannot write the capture $tmp/no/such/dir/t.pcap" "$tmp/out" &&
	! grep -q "PASS" "$tmp/out"; then
	ok "unwritable --pcap file refused"
else
	fail "an unwritable --pcap file gave exit $rc"
	cat "$tmp/out"
fi

if "$L" run --pcap "$tmp/dl.pcap" "$SCN" > "$tmp/out" 2>&1; then
	ok "run --pcap"
else
	fail "the scenario failed"
	cat "$tmp/out"
fi

if python3 - "$tmp/dl.pcap" <<'EOF'
import struct, sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s

data = open(sys.argv[1], "rb").read()
fail = []
magic, vmaj, vmin, zone, sigfigs, snaplen, link = struct.unpack("<IHHiIII", data[:24])
if (magic, vmaj, vmin, link) != (0xa1b2c3d4, 2, 4, 228):
    sys.exit("FAIL: global header %x %d.%d link %d" % (magic, vmaj, vmin, link))
off, n = 24, 0
flows = {}          # (src, sport, dst, dport) -> next seq, bytes
order = []          # (flow, offset in its bytes) of each segment with data
last_t = 0
while off < len(data):
    if len(data) - off < 16:
        sys.exit("FAIL: a truncated record header at %d" % off)
    sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    n += 1
    if len(pkt) != incl or incl != orig or incl > snaplen or usec >= 1000000:
        sys.exit("FAIL: record %d: lengths %d/%d/%d, usec %d" % (n, len(pkt), incl, orig, usec))
    t = sec * 1000000 + usec
    if t < last_t:
        fail.append("record %d goes back in time" % n)
    last_t = t
    ihl = (pkt[0] & 15) * 4
    if pkt[0] >> 4 != 4 or ihl != 20 or struct.unpack("!H", pkt[2:4])[0] != incl or pkt[9] != 6:
        sys.exit("FAIL: record %d: not an IPv4/TCP packet of its length" % n)
    if csum(pkt[:20]) != 0xffff:
        fail.append("record %d: IPv4 header checksum" % n)
    src, dst = pkt[12:16], pkt[16:20]
    if src[0] != 127 or dst[0] != 127:
        fail.append("record %d: not on the loopback" % n)
    tcp = pkt[20:]
    if csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp) != 0xffff:
        fail.append("record %d: TCP checksum" % n)
    sport, dport, seq, ack, hl, flags = struct.unpack("!HHIIBB", tcp[:14])
    payload = tcp[(hl >> 4) * 4:]
    if len(payload) > 1460:
        fail.append("record %d: a %d-byte segment" % (n, len(payload)))
    key = (src, sport, dst, dport)
    if flags & 0x02:
        flows[key] = [seq + 1, b""]
        continue
    if key not in flows:
        fail.append("record %d: no SYN before it" % n)
        flows[key] = [seq, b""]
    f = flows[key]
    back = flows.get((dst, dport, src, sport))
    if seq != f[0]:
        fail.append("record %d: seq %d, expected %d" % (n, seq, f[0]))
    if not flags & 0x10 or not back or ack != back[0]:
        fail.append("record %d: ack %d, expected %s" % (n, ack, back and back[0]))
    if payload:
        order.append((key, len(f[1])))
    f[1] += payload
    f[0] = (seq + len(payload) + (flags & 1)) & 0xffffffff

# the HTTP requests, in the order their first segment was sent
reqs = []
for key, start in order:
    text = flows[key][1][start:]
    if text.startswith(b"POST "):
        reqs.append(text.split(b" ", 2)[1].decode())
want = ["/gsma/rsp2/es9plus/initiateAuthentication", "/gsma/rsp2/es9plus/authenticateClient",
        "/gsma/rsp2/es9plus/getBoundProfilePackage", "/gsma/rsp2/es9plus/handleNotification"]
es9 = [r for r in reqs if r.startswith("/gsma/rsp2/es9plus/")]
if es9 != want:
    fail.append("ES9+ requests %s" % es9)
if not any(r.startswith("/gsma/rsp2/es2plus/downloadOrder") for r in reqs):
    fail.append("no ES2+ downloadOrder in %s" % reqs)
# answers are plaintext HTTP with JSON, APDUs on vpcd's port
answers = b"".join(v[1] for k, v in flows.items() if v[1].startswith(b"HTTP/1.1 "))
if b"HTTP/1.1 200 OK\r\n" not in answers or b'"transactionId"' not in answers:
    fail.append("no JSON answer with a transactionId")
vpcd = [v[1] for k, v in flows.items() if k[3] == 35963]
if not vpcd:
    fail.append("no vpcd stream to port 35963")
else:
    # 2-byte length frames, back to back
    b, frames = vpcd[0], 0
    while len(b) >= 2:
        ln = struct.unpack("!H", b[:2])[0]
        if ln == 0 or len(b) < 2 + ln:
            fail.append("a bad vpcd frame")
            break
        b, frames = b[2 + ln:], frames + 1
    if frames < 10 or b:
        fail.append("vpcd stream: %d frames, %d bytes left" % (frames, len(b)))
for f in fail[:20]:
    print("FAIL:", f)
if fail:
    sys.exit(1)
print("ok   the capture: %d packets, %d connections, %d HTTP requests, ES9+ in order" % (
    n, len(flows) // 2, len(reqs)))
EOF
then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

# Wireshark's dissectors, when tshark is there (never installed for this):
# the ES9+ requests in order, every checksum good, no TCP complaint
# (retransmission, lost or unacknowledged segment, ...)
if command -v tshark > /dev/null 2>&1; then
	printf '%s\n' /gsma/rsp2/es9plus/initiateAuthentication \
		/gsma/rsp2/es9plus/authenticateClient /gsma/rsp2/es9plus/getBoundProfilePackage \
		/gsma/rsp2/es9plus/handleNotification > "$tmp/want"
	tshark -r "$tmp/dl.pcap" -Y http.request -T fields -e http.request.uri \
		> "$tmp/tshark" 2> "$tmp/tshark.err"
	grep es9plus "$tmp/tshark" > "$tmp/es9"
	tshark -r "$tmp/dl.pcap" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-Y 'tcp.checksum.status != 1 || ip.checksum.status != 1 || tcp.analysis.flags' \
		> "$tmp/bad" 2>> "$tmp/tshark.err"
	if cmp -s "$tmp/want" "$tmp/es9" && [ ! -s "$tmp/bad" ] &&
		grep -q es2plus/downloadOrder "$tmp/tshark"; then
		ok "tshark: the requests in order, checksums good, no TCP analysis flag"
	else
		fail "tshark disagrees"
		cat "$tmp/tshark" "$tmp/bad" "$tmp/tshark.err"
	fi
else
	echo "skip tshark is not installed"
fi

# the closing line tools/test-summary.sh reads
echo "pcap: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
