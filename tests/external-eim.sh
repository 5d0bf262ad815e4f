#!/bin/sh
# External roles (issue 6): the lab's eIM served on its own
# (`sgp32lab serve --role eim`) stands for a user's eIM; a scenario points
# its IPA at it (`lab eim=URL eim-id=ID`, `pki load` of its PKI), curl
# registers the device and queues an enable through the eIM's operator API,
# the scenario's IPA polls and the eUICC's profile must end up enabled; curl
# then reads the signed result back from the eIM.
set -u
command -v curl >/dev/null 2>&1 || { echo "SKIP: no curl"; exit 77; }
pass=0; fail=0
tmp=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; sed 's/^/     | /' "$tmp/body" 2>/dev/null | head -n 10; }

ICCID=89440000000000000011
EID=89001012000000000000000000000150	# device 1 of a lab PKI

# start_eim: serve the eIM in $tmp/eim, read its endpoints
start_eim() {
	"$SGP32LAB" serve --role eim --dir "$tmp/eim" --listen 127.0.0.1:0 --api 127.0.0.1:0 \
		< /dev/null > "$tmp/serve" 2>&1 &
	pid=$!
	i=0
	until grep -q '^eim api ' "$tmp/serve" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "FAIL the eIM did not come up"; cat "$tmp/serve"; exit 1
		fi
		sleep 0.1
	done
	ESIPA=$(sed -n 's/^eim esipa //p' "$tmp/serve")
	U=$(sed -n 's/^eim api //p' "$tmp/serve")
	EIMID=$(sed -n 's/^eim id //p' "$tmp/serve")
	PKI=$(sed -n 's/^eim pki //p' "$tmp/serve")
}

# wrong options are refused before anything starts
"$SGP32LAB" serve --role eim --dir "$tmp/x" --eid $EID < /dev/null > /dev/null 2>&1
[ $? -eq 2 ] && ok "--eid refused with --role eim" || bad "--eid refused with --role eim"
"$SGP32LAB" serve --role eim --dir "$tmp/x" --api nowhere < /dev/null > /dev/null 2>&1
[ $? -eq 2 ] && ok "--api without a port refused" || bad "--api without a port refused"
"$SGP32LAB" serve --dir "$tmp/x" --api 127.0.0.1:0 < /dev/null > /dev/null 2>&1
[ $? -eq 2 ] && ok "--api without --role refused" || bad "--api without --role refused"

start_eim
case "$ESIPA" in https://127.0.0.1:*/gsma/rsp2/asn1) ok "ESipa endpoint printed";; *) bad "ESipa endpoint ($ESIPA)";; esac
case "$U" in https://127.0.0.1:*/api/v1) ok "API endpoint printed";; *) bad "API endpoint ($U)";; esac
[ -f "$PKI/euicc-$EID.pem" ] && ok "the PKI holds device 1's certificate" || bad "no eUICC certificate in $PKI"

# call NAME WANT_STATUS METHOD PATH [BODY]: body in $tmp/body
call() {
	name=$1; want=$2; method=$3; path=$4; shift 4
	if [ $# -gt 0 ]; then
		code=$(curl -sk -o "$tmp/body" -w '%{http_code}' -X "$method" \
			-H 'Content-Type: application/json' --data-binary "$1" "$U$path")
	else
		code=$(curl -sk -o "$tmp/body" -w '%{http_code}' -X "$method" "$U$path")
	fi
	if [ "$code" = "$want" ]; then ok "$name"; else bad "$name (HTTP $code, wanted $want)"; fi
}
has() {
	if grep -qF -- "$1" "$tmp/body"; then ok "$2"; else bad "$2 (no '$1')"; fi
}

# the platform's side: the device with its certificate (base64 DER: the
# PEM's body), then an enable
CERT=$(sed -e '/-----/d' "$PKI/euicc-$EID.pem" | tr -d '\n')
call "register the device" 201 POST /devices "{\"eid\":\"$EID\",\"certificate\":\"$CERT\"}"
call "queue an enable" 201 POST "/devices/$EID/psmo" "{\"op\":\"enable\",\"iccid\":\"$ICCID\"}"
call "it waits for the device" 200 GET "/devices/$EID/packages"
has '"state":"queued"' "the package is queued"

# the device's side: the lab's eUICC and IPA against the external eIM
cat > "$tmp/device.scn" <<SCN
# the lab's device against an external eIM
lab      roles=euicc,ipa devices=1 eim=$ESIPA eim-id=$EIMID
pki      load dir=$PKI
euicc    @1 install-profile iccid=$ICCID
eim      register @1
expect   euicc @1 profile $ICCID state=disabled
ipa      @1 poll
expect   euicc @1 profile $ICCID state=enabled
expect   euicc @1 eim $EIMID counter=1
# nothing more queued
ipa      @1 poll result=none
SCN
if "$SGP32LAB" run "$tmp/device.scn" > "$tmp/run" 2>&1; then
	ok "the scenario's device ran the enable"
else
	fail=$((fail + 1)); echo "FAIL the scenario"; sed 's/^/     | /' "$tmp/run"
fi

call "read back the packages" 200 GET "/devices/$EID/packages"
has '"state":"result-received"' "the eIM got the result"
has '"result":"ok"' "the result is ok"
has '"resultVerified":true' "the result's signature verified"
call "read the device" 200 GET "/devices/$EID"
has "\"iccid\":\"$ICCID\",\"state\":\"enabled\"" "the eIM sees the profile enabled"

# the registry survives a restart of the eIM
kill "$pid"; wait "$pid" 2>/dev/null; pid=""
start_eim
call "read the device after a restart" 200 GET "/devices/$EID"
has "\"iccid\":\"$ICCID\",\"state\":\"enabled\"" "the eIM still knows the profile enabled"

# the simulated eIM's steps are refused, an unreachable eIM fails the poll
cat > "$tmp/refused.scn" <<SCN
lab      roles=euicc,ipa devices=1 eim=$ESIPA eim-id=$EIMID
pki      load dir=$PKI
eim      psmo @1 enable iccid=$ICCID
SCN
"$SGP32LAB" run "$tmp/refused.scn" > "$tmp/body" 2>&1
if [ $? -ne 0 ] && grep -q 'the eIM is external' "$tmp/body"; then
	ok "eim psmo refused with an external eIM"
else
	bad "eim psmo refused with an external eIM"
fi
cat > "$tmp/both.scn" <<SCN
lab      roles=euicc,ipa,eim devices=1 eim=$ESIPA eim-id=$EIMID
SCN
"$SGP32LAB" run "$tmp/both.scn" > "$tmp/body" 2>&1
if [ $? -ne 0 ] && grep -q 'exclude each other' "$tmp/body"; then
	ok "roles=eim and eim= refused together"
else
	bad "roles=eim and eim= refused together"
fi
# a port nobody listens on: the server's own API port after it is gone
# would race; the ESipa port with a wrong path is reachable, so use port 1
cat > "$tmp/down.scn" <<SCN
lab      roles=euicc,ipa devices=1 eim=https://127.0.0.1:1/gsma/rsp2/asn1 eim-id=$EIMID
pki      load dir=$PKI
eim      register @1
ipa      @1 poll result=failed
SCN
if "$SGP32LAB" run "$tmp/down.scn" > "$tmp/body" 2>&1; then
	ok "an unreachable eIM fails the poll"
else
	bad "an unreachable eIM fails the poll"
fi

echo "external-eim: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
