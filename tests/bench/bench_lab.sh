#!/bin/sh
# sgp32lab end-to-end figures: whole procedures over the lab's real sockets
# (HTTPS, the vpcd APDU socket) with real crypto, timed through the binary.
#
#   bench_lab.sh SGP32LAB [N]
#
# Each figure is (time of a scenario that runs N procedures - time of the
# same scenario without them) / N, so PKI generation and the set-up steps
# are left out.  Prints figures only; never fails on speed.
set -u
SGP32LAB=${1:?usage: bench_lab.sh SGP32LAB [N]}
N=${2:-50}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now_ms() { date +%s%3N; }

# run_ms FILE: wall time of `sgp32lab run FILE` in ms (the scenario must pass)
run_ms() {
	t0=$(now_ms)
	if ! "$SGP32LAB" run "$1" > "$tmp/out" 2>&1; then
		echo "bench_lab: $1 failed:" >&2
		tail -n 5 "$tmp/out" >&2
		exit 1
	fi
	echo $(( $(now_ms) - t0 ))
}

iccid() { printf '894400000000000%05d' "$1"; }

# figure NAME COUNT BASE FULL: per-procedure time and rate of COUNT procedures
figure() {
	base=$(run_ms "$3")
	full=$(run_ms "$4")
	d=$((full - base))
	[ "$d" -gt 0 ] || d=1
	printf '%-58s %7.2f ms each, %7.1f/s  (%d)\n' "$1" \
		"$(echo "$d $2" | awk '{print $1 / $2}')" "$(echo "$d $2" | awk '{print $2 * 1000 / $1}')" "$2"
}

# profile downloads: ES9+ (4 functions) + ES10 over vpcd + BSP + the notification
{
	echo "lab roles=euicc,ipa,smdp devices=$N"
	for i in $(seq 1 "$N"); do
		echo "smdp profile add iccid=$(iccid "$i")"
		echo "smdp order iccid=$(iccid "$i") eid=@$i mid=MID-$i"
	done
} > "$tmp/dl-base.scn"
cp "$tmp/dl-base.scn" "$tmp/dl.scn"
for i in $(seq 1 "$N"); do echo "ipa @$i download mid=MID-$i" >> "$tmp/dl.scn"; done
figure "profile download (ES9+, ES10, BSP, notification)" "$N" "$tmp/dl-base.scn" "$tmp/dl.scn"

# eIM round trips: a signed PSMO (enable, then disable, 4 times a device)
# queued, polled, run, its signed result verified and acknowledged
{
	echo "lab roles=euicc,ipa,eim devices=$N"
	for i in $(seq 1 "$N"); do
		echo "euicc @$i install-profile iccid=$(iccid "$i")"
		echo "eim register @$i"
		echo "ipa @$i poll result=none"
	done
} > "$tmp/eim-base.scn"
cp "$tmp/eim-base.scn" "$tmp/eim.scn"
for r in 1 2; do
	for i in $(seq 1 "$N"); do
		echo "eim psmo @$i enable iccid=$(iccid "$i")" >> "$tmp/eim.scn"
		echo "ipa @$i poll" >> "$tmp/eim.scn"
		echo "eim psmo @$i disable iccid=$(iccid "$i")" >> "$tmp/eim.scn"
		echo "ipa @$i poll" >> "$tmp/eim.scn"
	done
done
figure "eIM PSMO round trip (ESipa, ES10b, signed result verified)" $((N * 4)) \
	"$tmp/eim-base.scn" "$tmp/eim.scn"
