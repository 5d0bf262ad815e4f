#!/bin/sh
# sgp32lab: the simulated eUICC as a real PC/SC card.
#
# pcscd with vsmartcard's vpcd driver offers the reader "Virtual PCD 00 00"
# and waits for a card on 127.0.0.1:35963; `sgp32lab serve --role euicc`
# connects to it, and Debian's python3 with pyscard talks to the card the
# way a device does: MANAGE CHANNEL, SELECT ISD-R, STORE DATA (GetEID,
# ProfileInfoList), MANAGE CHANNEL close.
#
# Needs root, pcscd, the vpcd driver (Debian vsmartcard-vpcd) and
# /usr/bin/python3 with pyscard (python3-pyscard).  Without them the test is
# skipped (exit 77) — unless CI=true, where a missing prerequisite fails.
# A pcscd that already runs is used as it is; otherwise one is started here
# (pcscd -f -a) and stopped at the end, like everything else started here.
set -u

EID=89001012055881437509094499555164	# lab EUM prefix 89001012, valid check digits
PY=/usr/bin/python3
SGP32LAB=${SGP32LAB:-../lab/sgp32lab}

skip() {
	if [ "${CI:-}" = true ]; then
		echo "pcsc: FAIL (CI=true and a prerequisite is missing: $1)"
		exit 1
	fi
	echo "pcsc: skipped ($1)"
	exit 77
}

[ "$(id -u)" -eq 0 ] || skip "not root: pcscd must be started as root"
PCSCD=$(command -v pcscd 2>/dev/null || true)
[ -n "$PCSCD" ] || { [ -x /usr/sbin/pcscd ] && PCSCD=/usr/sbin/pcscd; } ||
	skip "pcscd not installed (Debian package pcscd)"
driver=""
for d in /usr/lib/pcsc/drivers/serial/libifdvpcd.so* /usr/lib/*/pcsc/drivers/serial/libifdvpcd.so* \
	 /usr/local/lib/pcsc/drivers/serial/libifdvpcd.so*; do
	[ -e "$d" ] && { driver=$d; break; }
done
[ -n "$driver" ] || skip "vpcd driver not installed (Debian package vsmartcard-vpcd)"
[ -x "$PY" ] && "$PY" -c 'import smartcard' 2>/dev/null ||
	skip "$PY without pyscard (Debian package python3-pyscard)"
[ -x "$SGP32LAB" ] || skip "no sgp32lab binary at $SGP32LAB"

tmp=$(mktemp -d /tmp/sgp32lab-pcsc-XXXXXX)
pcscd_pid=""
serve_pid=""
cleanup() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	[ -n "$pcscd_pid" ] && kill "$pcscd_pid" 2>/dev/null && wait "$pcscd_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if pgrep -x pcscd >/dev/null 2>&1; then
	echo "pcsc: using the pcscd that already runs"
else
	"$PCSCD" -f -a >"$tmp/pcscd.log" 2>&1 &
	pcscd_pid=$!
fi

"$SGP32LAB" serve --role euicc --eid "$EID" --vpcd 127.0.0.1:35963 --dir "$tmp/lab" \
	</dev/null >"$tmp/serve.log" 2>&1 &
serve_pid=$!

# what both card scripts below share: the first card in reader
# "Virtual PCD 00 00" (pcscd polls the vpcd socket: it shows up within a few
# seconds), and an exchange that fetches 61xx parts with GET RESPONSE
cat >"$tmp/vpcd_card.py" <<'PYEOF'
import time
from smartcard.System import readers
from smartcard.Exceptions import CardConnectionException, NoCardException

ISDR = "A0000005591010FFFFFFFF8900000100"

def first_card(timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for r in readers():
            if str(r).startswith("Virtual PCD 00 00"):
                c = r.createConnection()
                try:
                    c.connect()
                    return c
                except (CardConnectionException, NoCardException):
                    pass
        time.sleep(0.2)
    return None

def xmit(conn, apdu, ch):
    """Send, then fetch 61xx parts with GET RESPONSE on channel ch."""
    data, sw1, sw2 = conn.transmit(list(bytes.fromhex(apdu)))
    while sw1 == 0x61:
        cla = ch if ch < 4 else 0x40 | (ch - 4)
        more, sw1, sw2 = conn.transmit([cla, 0xC0, 0, 0, sw2])
        data += more
    return bytes(data), sw1 << 8 | sw2
PYEOF

cat >"$tmp/card.py" <<'PYEOF'
import sys
from vpcd_card import ISDR, first_card, xmit as xmit_on

EID = sys.argv[1]
ATR = "3B9796803FC7828031807380211F07"
passed = failed = 0

def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print("  ok:", what)
    else:
        failed += 1
        print("  FAIL:", what)

def h(b):
    return bytes(b).hex().upper()

def done():
    print("pcsc: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)

conn = first_card()
check(conn is not None, "a card in reader 'Virtual PCD 00 00'")
if conn is None:
    done()
check(h(conn.getATR()) == ATR, "ATR " + h(conn.getATR()))

def xmit(apdu, ch):
    return xmit_on(conn, apdu, ch)

data, sw = xmit("0070000001", 0)
ch = data[0] if sw == 0x9000 and len(data) == 1 else 0
check(sw == 0x9000 and 1 <= ch <= 3, "MANAGE CHANNEL open: channel %d (SW %04X)" % (ch, sw))
if not ch:
    done()
# no Le (case 3): the FCI comes back through 61xx + GET RESPONSE
data, sw = xmit("%02XA4040010%s" % (ch, ISDR), ch)
check(sw == 0x9000 and data[:1] == b"\x6F" and bytes.fromhex(ISDR) in data,
      "SELECT ISD-R on channel %d (SW %04X, FCI %s)" % (ch, sw, h(data)))
data, sw = xmit("%02XE2910006BF3E035C015A00" % (0x80 | ch), ch)
eid = h(data[5:21]) if data[:5] == bytes.fromhex("BF3E125A10") else ""
check(sw == 0x9000 and eid == EID, "GetEID: %s (SW %04X)" % (eid or h(data), sw))
data, sw = xmit("%02XE2910003BF2D0000" % (0x80 | ch), ch)
# a fresh eUICC answers an empty profile list
check(sw == 0x9000 and data[:2] == b"\xBF\x2D",
      "ProfileInfoList: BF2D response (SW %04X, %s)" % (sw, h(data[:8])))
data, sw = xmit("007080%02X00" % ch, 0)
check(sw == 0x9000, "MANAGE CHANNEL close %d (SW %04X)" % (ch, sw))
conn.disconnect()
done()
PYEOF

PYTHONPATH="$tmp" "$PY" "$tmp/card.py" "$EID" >"$tmp/card.out"
rc=$?
cat "$tmp/card.out"
n1=$(sed -n 's/^pcsc: \([0-9]*\) passed.*/\1/p' "$tmp/card.out")
if [ $rc -ne 0 ]; then
	echo "--- serve log"; cat "$tmp/serve.log"
	[ -f "$tmp/pcscd.log" ] && { echo "--- pcscd log (tail)"; tail -n 40 "$tmp/pcscd.log"; }
	kill -0 "$serve_pid" 2>/dev/null || echo "pcsc: sgp32lab serve is not running any more"
	exit $rc
fi
kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
serve_pid=""

# An IPA on PC/SC against a lab's eUICC (`lab ... ipa=127.0.0.1:35963`, the
# way a user's IPA is tested): a sandbox with an eIM registers device 1,
# whose card connects to pcscd's vpcd reader; over PC/SC the eUICC names
# the sandbox's eIM in its eIM configuration (ES10b.GetEimConfigurationData).
mkfifo "$tmp/in"
"$SGP32LAB" serve --dir "$tmp/sandbox" <"$tmp/in" >"$tmp/sandbox.log" 2>&1 &
serve_pid=$!
exec 3>"$tmp/in"
printf 'lab roles=euicc,eim devices=1 ipa=127.0.0.1:35963\neim register @1\n' >&3
i=0
until grep -q '^ok: eim-lab-1 at ' "$tmp/sandbox.log" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "pcsc: FAIL the sandbox did not register device 1"; cat "$tmp/sandbox.log"; exit 1
	fi
	sleep 0.1
done
want=$(sed -n 's/^ok: eim-lab-1 at //p' "$tmp/sandbox.log")
cat >"$tmp/ipa.py" <<'PYEOF'
import sys
from vpcd_card import ISDR, first_card, xmit as xmit_on

conn = first_card()
if conn is None:
    print("no card in reader 'Virtual PCD 00 00'")
    sys.exit(1)

def xmit(apdu, ch):
    return xmit_on(conn, apdu, ch)

data, sw = xmit("0070000001", 0)
ch = data[0]
xmit("%02XA4040010%s" % (ch, ISDR), ch)
data, sw = xmit("%02XE2910003BF550000" % (0x80 | ch), ch)
xmit("007080%02X00" % ch, 0)
# eimFqdn [1] UTF8String of the first entry: tag 81
i = data.find(b"\x81")
if sw != 0x9000 or data[:2] != b"\xBF\x55" or i < 0:
    print("GetEimConfigurationData: SW %04X %s" % (sw, data.hex()))
    sys.exit(1)
print(data[i + 2:i + 2 + data[i + 1]].decode())
PYEOF
got=$(PYTHONPATH="$tmp" "$PY" "$tmp/ipa.py")
echo quit >&3
exec 3>&-
if [ "$got" = "$want" ]; then
	echo "  ok: over PC/SC the scenario's eUICC names its eIM ($got)"
	echo "pcsc: $((n1 + 1)) passed, 0 failed"
else
	echo "  FAIL: over PC/SC the eUICC named '$got', the sandbox's eIM is '$want'"
	cat "$tmp/sandbox.log"
	echo "pcsc: $n1 passed, 1 failed"
	exit 1
fi
exit 0
