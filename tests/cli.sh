#!/bin/sh
# Command-line behaviour of the sgp32lab binary: exit codes, help texts,
# error messages, and the user-facing flows of decode and pki.
set -u
pass=0; fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok()  { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && sed 's/^/     | /' "$tmp/out" | head -n 20; }

# expect_exit CODE NAME CMD...: run CMD, check its exit code; output in $tmp/out
expect_exit() {
	want=$1; name=$2; shift 2
	"$@" > "$tmp/out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$name"; else bad "$name (exit $got, wanted $want)"; fi
}
# expect_out TEXT NAME: the last command's output contains TEXT
expect_out() {
	if grep -qF -- "$1" "$tmp/out"; then ok "$2"; else bad "$2 (no '$1' in output)"; fi
}

L=$SGP32LAB

expect_exit 0 "--help" $L --help
expect_out "Commands:" "--help lists the commands"
expect_exit 0 "--version" $L --version
expect_out "sgp32lab " "--version names the program"
expect_exit 2 "no command" $L
expect_exit 2 "unknown command" $L frobnicate
expect_out "unknown command 'frobnicate'" "unknown command is named"
for c in run serve decode pki; do
	expect_exit 0 "$c --help" $L $c --help
	expect_out "Usage: sgp32lab $c" "$c --help shows its usage"
done

# run: usage and file errors are exit 2 and name file:line
expect_exit 2 "run without a path" $L run
expect_exit 2 "run on a missing file" $L run "$tmp/none.scn"
printf 'lab\nwait 1m\nfrobnicate\n' > "$tmp/bad.scn"
expect_exit 2 "run with an unknown step" $L run "$tmp/bad.scn"
expect_out "$tmp/bad.scn:3: unknown step 'frobnicate'" "unknown step names file:line"
printf 'lab\nwait 1m\nexpect clock at=2026-01-01T00:02:00Z\n' > "$tmp/fail.scn"
expect_exit 1 "a failing scenario exits 1" $L run --junit "$tmp/r.xml" "$tmp/fail.scn"
expect_out "the lab clock shows 2026-01-01T00:01:00Z" "the failure says why"
if grep -q '<failure message=' "$tmp/r.xml" 2>/dev/null; then ok "JUnit report has the failure"; else bad "JUnit report has the failure"; fi
printf 'lab\nwait 1m\nexpect clock at=2026-01-01T00:01:00Z\n' > "$tmp/pass.scn"
expect_exit 0 "a passing scenario exits 0" $L run "$tmp/pass.scn"
expect_out "scenarios: 1 passed, 0 failed, 0 skipped" "summary line"
expect_exit 0 "run --steps" $L run --steps
expect_out "wait DURATION" "run --steps lists the steps"
printf '# Checks the lab clock (SGP.32 nothing).\nlab\nwait 1m\n' > "$tmp/list.scn"
expect_exit 0 "run --list" $L run --list "$tmp/pass.scn" "$tmp/list.scn"
expect_out "Checks the lab clock (SGP.32 nothing)." "run --list shows the description"
expect_out "2 scenarios" "run --list counts the scenarios"
if grep -q "PASS" "$tmp/out"; then bad "run --list runs nothing"; else ok "run --list runs nothing"; fi
expect_exit 2 "run --list checks the files" $L run --list "$tmp/bad.scn"

# serve: the console takes steps from standard input
printf 'help\nexpect clock at=1999-01-01T00:00:00Z\nwait 1m\nquit\n' |
	(cd "$tmp" && $L serve --dir lab1) > "$tmp/out" 2>&1
if [ $? -eq 0 ]; then ok "serve runs a console session"; else bad "serve runs a console session"; fi
expect_out "FAIL: the lab clock shows" "serve reports a failing step"
expect_out "wait needs the simulated clock" "serve refuses wait on the real-time clock"
[ -d "$tmp/lab1" ] && ok "serve creates its lab folder" || bad "serve creates its lab folder"

# serve: lines that arrive while a step runs wait their turn, from a pipe
# and from a regular file alike, and end of input waits for the last step
printf 'http serve name=a tls=off\nhttp post name=a path=/echo body=1 reply=1\n\n# c\nhttp post name=a path=/echo body=2 reply=2\n' > "$tmp/steps.txt"
(cd "$tmp" && $L serve --dir lab2 < steps.txt) > "$tmp/out" 2>&1
[ "$(grep -c '^ok: HTTP 200' "$tmp/out")" -eq 2 ] && ok "serve < file runs every step" || bad "serve < file runs every step"
(cd "$tmp" && cat steps.txt | $L serve --dir lab2) > "$tmp/out" 2>&1
[ "$(grep -c '^ok: HTTP 200' "$tmp/out")" -eq 2 ] && ok "serve from a pipe runs every step" || bad "serve from a pipe runs every step"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
