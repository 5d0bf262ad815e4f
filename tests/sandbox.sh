#!/bin/sh
# The sandbox (`sgp32lab serve --dir DIR`) keeps its state: a first console
# session downloads a profile and enables it through the eIM; after a
# restart a second session finds the profile enabled at the eUICC, installed
# at the SM-DP+ and recorded at the eIM, and goes on from there with the
# same PKI (the eUICC still trusts the eIM's key).
set -u
pass=0; fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; sed 's/^/     | /' "$tmp/out" | grep -v NOTICE | head -n 30; }

# session FILE NAME: run the console lines of FILE; every step must answer ok
session() {
	"$SGP32LAB" serve --dir "$tmp/lab" < "$1" > "$tmp/out" 2>&1
	rc=$?
	steps=$(grep -cv '^$' "$1")
	oks=$(grep -c '^ok' "$tmp/out")
	if [ $rc -eq 0 ] && [ "$oks" -eq "$((steps - 1))" ] && ! grep -q '^FAIL\|^error' "$tmp/out"; then
		ok "$2"
	else
		bad "$2 (exit $rc, $oks of $((steps - 1)) steps ok)"
	fi
}

cat > "$tmp/s1" <<'S'
lab roles=euicc,ipa,smdp,eim devices=1
smdp profile add iccid=89440000000000000011
smdp order iccid=89440000000000000011 eid=@1 mid=MID-SANDBOX
ipa @1 download mid=MID-SANDBOX
eim register @1
eim psmo @1 enable iccid=89440000000000000011
ipa @1 poll
expect euicc @1 profile 89440000000000000011 state=enabled
quit
S
session "$tmp/s1" "a console session downloads and enables a profile"
grep -q 'activation code LPA:1\$127.0.0.1:[0-9]*\$MID-SANDBOX' "$tmp/out" &&
	ok "the order prints its activation code" || bad "the order prints its activation code"
[ -f "$tmp/lab/lab.db" ] && [ -f "$tmp/lab/pki/ci.pem" ] &&
	ok "state and PKI are in the lab folder" || bad "state and PKI are in the lab folder"

cat > "$tmp/s2" <<'S'
lab roles=euicc,ipa,smdp,eim devices=1
lab endpoints
expect euicc @1 profile 89440000000000000011 state=enabled
expect smdp profile 89440000000000000011 state=installed
expect eim @1 packages count=1 results=1
eim psmo @1 disable iccid=89440000000000000011
ipa @1 poll
expect euicc @1 profile 89440000000000000011 state=disabled
expect eim @1 profile 89440000000000000011 state=disabled
quit
S
session "$tmp/s2" "after a restart the state is there and the eIM still manages the device"
grep -q "PKI .*/lab/pki (trust anchor" "$tmp/out" &&
	ok "lab endpoints names the PKI" || bad "lab endpoints names the PKI"
grep -q "eIM     https://127.0.0.1:[0-9]*/gsma/rsp2/asn1" "$tmp/out" &&
	ok "lab endpoints names the eIM" || bad "lab endpoints names the eIM"

# the console on a terminal: libedit's line editing and history
if command -v python3 >/dev/null 2>&1; then
	if python3 "$(dirname "$0")/console-pty.py" "$SGP32LAB" "$tmp/tty"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
fi

echo "sandbox: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
