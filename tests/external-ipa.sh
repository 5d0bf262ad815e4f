#!/bin/sh
# External roles (issue 6): the lab's IPA served on its own
# (`sgp32lab serve --role ipa`) stands for a user's IPA.  Its card reader
# listens (vpcd framing, as pcscd's vpcd driver does); a scenario declares
# the IPA external (`lab ... ipa=HOST:PORT`), so its eUICC connects to that
# reader and its eIM and SM-DP+ serve the IPA, which finds the eIM in the
# eUICC's eIM configuration and polls on its own.  The scenario queues an
# enable and a download trigger and waits for the results in real time.
set -u
pass=0; fail=0
tmp=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; sed 's/^/     | /' "$tmp/body" 2>/dev/null | head -n 30; }

# wait_for FILE PATTERN PID: until PATTERN is in FILE (10 s at most)
wait_for() {
	i=0
	until grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$3" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
}

# wrong options are refused before anything starts
for args in "--eim https://127.0.0.1:1/gsma/rsp2/asn1" "--interval 5" \
	    "--role ipa --interval 0" "--role ipa --eim http://x/" "--role ipa --eid 1" \
	    "--role ipa --listen nowhere" "--role ipa --api 127.0.0.1:0" \
	    "--role eim --interval 5"; do
	# shellcheck disable=SC2086
	"$SGP32LAB" serve --dir "$tmp/x" $args < /dev/null > "$tmp/body" 2>&1
	[ $? -eq 2 ] && ok "serve $args refused" || bad "serve $args refused"
done

# the IPA, polling every second of real time
"$SGP32LAB" serve --role ipa --dir "$tmp/ipa" --interval 1 < /dev/null > "$tmp/ipa.out" 2>&1 &
ipa_pid=$!
pids="$ipa_pid"
if ! wait_for "$tmp/ipa.out" '^ipa pki ' "$ipa_pid"; then
	cp "$tmp/ipa.out" "$tmp/body"; bad "the IPA came up"
	echo "external-ipa: $pass passed, $fail failed"; exit 1
fi
READER=$(sed -n 's/^ipa vpcd //p' "$tmp/ipa.out")
PKI=$(sed -n 's/^ipa pki //p' "$tmp/ipa.out")
case "$READER" in 127.0.0.1:[0-9]*) ok "reader address printed";; *) bad "reader address ($READER)";; esac
[ -f "$PKI/ci.pem" ] && ok "the PKI is in $PKI" || bad "no PKI in $PKI"

A=89440000000000000011; B=89440000000000000029; C=89440000000000000037
cat > "$tmp/device.scn" <<SCN
# the lab's eUICC, eIM and SM-DP+ serve an external IPA
lab      roles=euicc,eim,smdp devices=1 ipa=$READER
pki      load dir=$PKI
euicc    @1 install-profile iccid=$A
euicc    @1 install-profile iccid=$B
eim      register @1
eim      psmo @1 enable iccid=$A
eim      @1 wait-results
expect   euicc @1 profile $A state=enabled
expect   eim @1 package last result=ok
expect   eim @1 profile $A state=enabled
# a download trigger: the IPA fetches the profile from the SM-DP+ itself
smdp     profile add iccid=$C
smdp     order iccid=$C eid=@1 mid=MID-EXT-1
eim      download @1 mid=MID-EXT-1
eim      @1 wait-results
expect   eim @1 package last result=ok iccid=$C
expect   euicc @1 profile $C state=disabled
expect   smdp profile $C state=installed
expect   eim @1 packages count=2 results=2
SCN
if "$SGP32LAB" run "$tmp/device.scn" > "$tmp/body" 2>&1; then
	ok "the external IPA ran an enable and a triggered download"
else
	bad "the external IPA ran an enable and a triggered download"
fi
cp "$tmp/ipa.out" "$tmp/body"
grep -q '^ipa card linked' "$tmp/ipa.out" && ok "the IPA saw the card" || bad "the IPA saw the card"
grep -q '^ipa eim https://127.0.0.1:[0-9]*/gsma/rsp2/asn1 (eIM eim-lab-1, from the eUICC' \
	"$tmp/ipa.out" && ok "the IPA found the eIM in the eUICC" || bad "the IPA found the eIM in the eUICC"
grep -q '^ipa run: ran an eUICC package' "$tmp/ipa.out" && ok "the IPA reported the package" \
	|| bad "the IPA reported the package"

# a second scenario: a new card links to the same IPA, which starts over
cat > "$tmp/again.scn" <<SCN
lab      roles=euicc,eim devices=1 ipa=$READER
pki      load dir=$PKI
euicc    @1 install-profile iccid=$A
eim      register @1
eim      psmo @1 enable iccid=$A
eim      @1 wait-results
expect   euicc @1 profile $A state=enabled
# the simulated IPA's steps are refused
ipa      @1 poll
SCN
"$SGP32LAB" run "$tmp/again.scn" > "$tmp/body" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q 'ok .*expect   euicc @1 profile' "$tmp/body" && \
   grep -q 'the IPA is external' "$tmp/body"; then
	ok "a second card served, the simulated IPA's steps refused"
else
	bad "a second card served, the simulated IPA's steps refused (rc $rc)"
fi
[ "$(grep -c '^ipa card linked' "$tmp/ipa.out")" -ge 2 ] && ok "the IPA saw the second card" \
	|| { cp "$tmp/ipa.out" "$tmp/body"; bad "the IPA saw the second card"; }

# the scenario refuses an IPA both simulated and external, and a bad reader
printf 'lab roles=euicc,ipa ipa=%s\n' "$READER" > "$tmp/both.scn"
"$SGP32LAB" run "$tmp/both.scn" > "$tmp/body" 2>&1
[ $? -eq 2 ] && grep -q 'exclude each other' "$tmp/body" && ok "roles=ipa and ipa= refused together" \
	|| bad "roles=ipa and ipa= refused together"
printf 'lab roles=euicc ipa=localhost\n' > "$tmp/noport.scn"
"$SGP32LAB" run "$tmp/noport.scn" > "$tmp/body" 2>&1
[ $? -eq 2 ] && grep -q 'noport.scn:1:' "$tmp/body" && ok "ipa= without a port refused" \
	|| bad "ipa= without a port refused"

# no IPA behind the address: the wait ends with what is still open
cat > "$tmp/absent.scn" <<SCN
lab      roles=euicc,eim devices=1 ipa=127.0.0.1:1
pki      load dir=$PKI
eim      register @1
eim      psmo @1 listProfileInfo
eim      @1 wait-results timeout=1s
SCN
"$SGP32LAB" run "$tmp/absent.scn" > "$tmp/body" 2>&1
[ $? -eq 1 ] && grep -q 'is still queued: the IPA has not fetched it.*not linked to the IPA' "$tmp/body" \
	&& ok "no IPA: the wait times out naming the package" || bad "no IPA: the wait times out"

# the IPA's reader connects to a card that listens (`serve --role euicc
# --listen`): with no eIM in that eUICC it says so and asks again
EID=89001012000000000000000000000150
"$SGP32LAB" serve --role euicc --dir "$tmp/card" --eid $EID --listen 127.0.0.1:0 \
	< /dev/null > "$tmp/card.out" 2>&1 &
card_pid=$!
pids="$pids $card_pid"
if wait_for "$tmp/card.out" 'listening on' "$card_pid"; then
	CARD=$(sed -n 's/.*listening on \(127.0.0.1:[0-9]*\).*/\1/p' "$tmp/card.out")
	"$SGP32LAB" serve --role ipa --dir "$tmp/ipa2" --vpcd "$CARD" --interval 1 \
		< /dev/null > "$tmp/ipa2.out" 2>&1 &
	ipa2_pid=$!
	pids="$pids $ipa2_pid"
	if wait_for "$tmp/ipa2.out" '^ipa no eIM to poll yet: the eUICC has 0 eIM configuration entries' \
		"$ipa2_pid"; then
		ok "the IPA connected to a listening card and read its eIM configuration"
	else
		cp "$tmp/ipa2.out" "$tmp/body"; bad "the IPA connected to a listening card"
	fi
else
	cp "$tmp/card.out" "$tmp/body"; bad "the card came up"
fi

echo "external-ipa: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
