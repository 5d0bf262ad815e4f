#!/bin/sh
# The eIM's operator API (eim/api.c, doc/eim-api.md) driven by a plain HTTP
# client: `sgp32lab serve` brings up a lab (eUICC, IPA, SM-DP+, eIM) through
# its console on a FIFO, curl registers, queues and reads back, the IPA
# polls through the console, curl checks the results.
set -u
command -v curl >/dev/null 2>&1 || { echo "SKIP: no curl"; exit 77; }
pass=0; fail=0
tmp=$(mktemp -d)
pid=""
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; sed 's/^/     | /' "$tmp/body" 2>/dev/null | head -n 10; }

mkfifo "$tmp/in"
"$SGP32LAB" serve --dir "$tmp/lab" < "$tmp/in" > "$tmp/out" 2>&1 &
pid=$!
exec 3> "$tmp/in"

# step LINE: send a console line, wait for its answer (the next "ok"/"FAIL"
# line; the API's steps print theirs too)
step() {
	answers=$(( $(grep -cE '^(ok|FAIL|error)' "$tmp/out") + 1 ))
	echo "$1" >&3
	i=0
	while [ "$(grep -cE '^(ok|FAIL|error)' "$tmp/out")" -lt "$answers" ]; do
		i=$((i + 1))
		[ $i -gt 600 ] && { echo "FAIL no answer to: $1"; cat "$tmp/out"; exit 1; }
		sleep 0.1
	done
	grep -E '^(ok|FAIL|error)' "$tmp/out" | sed -n "${answers}p" > "$tmp/last"
	grep -q '^ok' "$tmp/last" || { echo "FAIL step: $1"; cat "$tmp/out"; exit 1; }
}

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
# has TEXT NAME: the last body contains TEXT
has() {
	if grep -qF -- "$1" "$tmp/body"; then ok "$2"; else bad "$2 (no '$1')"; fi
}

step "lab roles=euicc,ipa,smdp,eim devices=1"
step "smdp profile add iccid=89440000000000000011"
step "smdp order iccid=89440000000000000011 eid=@1 mid=MID-A"
step "ipa @1 download mid=MID-A"
step "eim api"
U=$(grep -o 'https://127.0.0.1:[0-9]*/api/v1' "$tmp/last")
[ -n "$U" ] || { echo "FAIL no API URL"; cat "$tmp/out"; exit 1; }
# AddInitialEim on the card; the registry entry is what the API shows
step "eim register @1"
# the ESipa listener (the eIM address the registration printed): the JSON
# binding (SGP.32 6.4) beside the ASN.1 one
E=$(grep -o 'at 127.0.0.1:[0-9]*' "$tmp/last" | cut -d' ' -f2)
esipa_json() {
	code=$(curl -sk -o "$tmp/body" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data-binary "$3" \
		"https://$E/gsma/rsp2/esipa/$2")
	if [ "$code" = "$4" ]; then ok "$1"; else bad "$1 (HTTP $code, wanted $4)"; fi
}
esipa_json "ESipa JSON: getEimPackage, unknown EID" getEimPackage \
	'{"eidValue":"89001012012341234012345678901224"}' 200
has '{"eimPackageError":2}' "eidNotFound in JSON"
esipa_json "ESipa JSON: unknown member" getEimPackage \
	'{"eidValue":"89001012012341234012345678901224","colour":1}' 400
has '"error"' "a JSON error"

call "list devices" 200 GET /devices
EID=$(tr -d '[]"' < "$tmp/body" | cut -d, -f1)
[ ${#EID} -eq 32 ] && ok "one device listed" || bad "one device listed"
call "read a device" 200 GET "/devices/$EID"
has '"bootstrap":false' "the device's certificate is known"

# strict input
call "unknown device" 404 GET /devices/89001012012341234012345678901224
call "malformed JSON" 400 POST "/devices/$EID/psmo" '{"op":'
call "not an object" 400 POST "/devices/$EID/psmo" '["enable"]'
call "unknown member" 400 POST "/devices/$EID/psmo" '{"op":"enable","iccid":"89440000000000000011","colour":1}'
has '"error"' "a JSON error"
call "wrong type" 400 POST "/devices/$EID/psmo" '{"op":"enable","iccid":"89440000000000000011","rollback":"yes"}'
call "unknown PSMO" 400 POST "/devices/$EID/psmo" '{"op":"format"}'
call "missing ICCID" 400 POST "/devices/$EID/psmo" '{"op":"enable"}'
big=$(head -c 9000 /dev/zero | tr '\0' 'a')
call "oversized body" 400 POST "/devices/$EID/data" "{\"tags\":\"$big\"}"
call "no such path" 404 GET "/devices/$EID/nothing"
call "bad method" 405 DELETE "/devices/$EID"
call "duplicate registration" 409 POST /devices "{\"eid\":\"$EID\"}"
call "invalid EID" 400 POST /devices '{"eid":"123"}'
call "two download kinds" 400 POST "/devices/$EID/download" '{"contactDefaultSmdp":true,"contactSmds":true}'

# queue, poll, read back
call "queue enable" 201 POST "/devices/$EID/psmo" '{"op":"enable","iccid":"89440000000000000011","rollback":true}'
has '"id":' "the package id"
step "ipa @1 poll"
call "read back the packages" 200 GET "/devices/$EID/packages"
has '"state":"result-received"' "the result is recorded"
has '"result":"ok"' "the result is ok"
has '"resultVerified":true' "the result verified"
call "read the device" 200 GET "/devices/$EID"
has '"iccid":"89440000000000000011","state":"enabled"' "the eIM sees the profile enabled"
call "queue listProfileInfo" 201 POST "/devices/$EID/psmo" '{"op":"listProfileInfo"}'
step "ipa @1 poll"
call "queue listEim" 201 POST "/devices/$EID/eco" '{"op":"listEim"}'
step "ipa @1 poll"
call "queue disable" 201 POST "/devices/$EID/psmo" '{"op":"disable","iccid":"89440000000000000011"}'
step "ipa @1 poll"
call "read the device again" 200 GET "/devices/$EID"
has '"state":"disabled"' "the eIM sees the profile disabled"
call "queue a data request" 201 POST "/devices/$EID/data" '{"tags":"BF22A8"}'
call "queue a download trigger" 201 POST "/devices/$EID/download" '{"activationCode":"1$smdp.example.com$MATCHING-ID"}'
call "packages" 200 GET "/devices/$EID/packages"
has '"kind":"ipaEuiccDataRequest"' "the data request is queued"
has '"kind":"profileDownloadTriggerRequest"' "the download trigger is queued"
call "EID-only registration" 201 POST /devices '{"eid":"89001012012341234012345678901224"}'
has '"bootstrap":true' "registered by its EID only"

# scenario steps through the API (POST /api/v1/steps), in turn with the console
call "a check through the API" 200 POST /steps '{"step":"expect euicc @1 profile 89440000000000000011 state=disabled"}'
has '"ok":true' "the step ran"
has '"message":"disabled' "the step's message comes back"
call "a failing check" 422 POST /steps '{"step":"expect euicc @1 profile 89440000000000000011 state=enabled"}'
has '"ok":false' "the step failed"
call "a step that queues" 200 POST /steps '{"step":"eim psmo @1 listProfileInfo"}'
has '"message":"package ' "the package is named"
call "an unknown step" 400 POST /steps '{"step":"frobnicate @1"}'
has "unknown step 'frobnicate'" "the refusal says why"
call "wrong arguments" 400 POST /steps '{"step":"ipa @1 poll result=maybe"}'
call "quit is the console's" 400 POST /steps '{"step":"quit"}'
call "two lines" 400 POST /steps '{"step":"ipa @1 poll\nquit"}'
call "not a step object" 400 POST /steps '{"step":1}'
call "an extra member" 400 POST /steps '{"step":"ipa @1 poll","x":1}'
call "not JSON" 400 POST /steps 'step=ipa'
call "GET is not a step" 405 GET /steps
grep -q '^api> eim psmo @1 listProfileInfo' "$tmp/out" && ok "the console shows the API's steps" \
	|| { cp "$tmp/out" "$tmp/body"; bad "the console shows the API's steps"; }
# the sandbox is still up: a console step goes on
step "expect euicc @1 profile 89440000000000000011 state=disabled"

echo quit >&3
echo "eim-api: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
