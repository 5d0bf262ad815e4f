#!/bin/sh
# External roles (issue 6): an SM-DP+ by address.  A sandbox (`sgp32lab
# serve`) with only the lab's SM-DP+ stands for a user's SM-DP+; a scenario
# declares the SM-DP+ external (`lab ... smdp=HOST:PORT`): the activation
# codes carry that address, the scenario's ES2+ orders go there, its IPA
# downloads from it, and the steps that look into the simulated SM-DP+ are
# refused.  The sandbox's console then sees the profiles installed.
set -u
pass=0; fail=0
tmp=$(mktemp -d)
pid=""
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; sed 's/^/     | /' "$tmp/body" 2>/dev/null | head -n 30; }

# console LINE PATTERN: send a step to the sandbox, wait for its answer
# (10 s at most): it must be ok and match PATTERN
answers=0
console() {
	echo "$1" >&3
	answers=$((answers + 1))
	i=0
	until [ "$(grep -c '^ok\|^FAIL\|^error' "$tmp/serve")" -ge $answers ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	grep '^ok\|^FAIL\|^error' "$tmp/serve" | sed -n "${answers}p" | grep -q '^ok' &&
		grep -q "$2" "$tmp/serve"
}

A=89440000000000000011; B=89440000000000000029
mkfifo "$tmp/in"
"$SGP32LAB" serve --dir "$tmp/dp" < "$tmp/in" > "$tmp/serve" 2>&1 &
pid=$!
exec 3> "$tmp/in"
if console "lab roles=smdp devices=1" '^ok' &&
   console "smdp profile add iccid=$A" "^ok: IMSI" &&
   console "smdp profile add iccid=$B" "^ok: IMSI" &&
   console "smdp order iccid=$A mid=MID-EXT-A" 'activation code' &&
   console "lab endpoints" 'SM-DP+  https://'; then
	ok "the sandbox serves an SM-DP+ with an order"
else
	cp "$tmp/serve" "$tmp/body"; bad "the sandbox serves an SM-DP+"
	echo "external-smdp: $pass passed, $fail failed"; exit 1
fi
DP=$(sed -n 's|.*SM-DP+  https://\([^/]*\)/gsma/rsp2/es9plus/.*|\1|p' "$tmp/serve" | head -n 1)
PKI="$tmp/dp/pki"

cat > "$tmp/device.scn" <<SCN
# the lab's device against an external SM-DP+
lab      roles=euicc,ipa devices=1 smdp=$DP
pki      load dir=$PKI
ipa      @1 download mid=MID-EXT-A
expect   euicc @1 profile $A state=disabled
# an order over ES2+ to the external SM-DP+, then its download
smdp     order iccid=$B eid=@1 mid=MID-EXT-B
ipa      @1 download mid=MID-EXT-B
expect   euicc @1 profile $B state=disabled
# a matching ID the external SM-DP+ does not know: its refusal (SGP.22 5.6.1)
ipa      @1 download mid=MID-NONE result=cancelled status=8.2.6/3.8
expect   euicc @1 profiles count=2
SCN
if "$SGP32LAB" run "$tmp/device.scn" > "$tmp/body" 2>&1; then
	ok "the lab's device downloaded from the external SM-DP+"
else
	bad "the lab's device downloaded from the external SM-DP+"
fi
if console "expect smdp profile $A state=installed" "^ok: installed" &&
   console "expect smdp profile $B state=installed" "^ok: installed"; then
	ok "the external SM-DP+ has both profiles installed"
else
	cp "$tmp/serve" "$tmp/body"; bad "the external SM-DP+ has both profiles installed"
fi

# the simulated SM-DP+'s steps are refused; smdp= and roles=smdp exclude
cat > "$tmp/refused.scn" <<SCN
lab      roles=euicc,ipa devices=1 smdp=$DP
smdp     profile add iccid=$A
SCN
"$SGP32LAB" run "$tmp/refused.scn" > "$tmp/body" 2>&1
[ $? -eq 1 ] && grep -q 'the SM-DP+ is external' "$tmp/body" && ok "smdp profile add refused" \
	|| bad "smdp profile add refused"
printf 'lab roles=euicc,smdp smdp=%s\n' "$DP" > "$tmp/both.scn"
"$SGP32LAB" run "$tmp/both.scn" > "$tmp/body" 2>&1
[ $? -eq 2 ] && grep -q 'exclude each other' "$tmp/body" && ok "roles=smdp and smdp= refused together" \
	|| bad "roles=smdp and smdp= refused together"
# nobody at the address: the download fails with the transport error, no hang
cat > "$tmp/down.scn" <<SCN
lab      roles=euicc,ipa devices=1 smdp=127.0.0.1:1
pki      load dir=$PKI
ipa      @1 download mid=MID-EXT-A result=failed
expect   euicc @1 profiles count=0
SCN
"$SGP32LAB" run "$tmp/down.scn" > "$tmp/body" 2>&1 && ok "an unreachable SM-DP+ fails the download" \
	|| bad "an unreachable SM-DP+ fails the download"

echo "external-smdp: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
