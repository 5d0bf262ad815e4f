#!/bin/sh
# doc/sgp32lab.1 renders without a warning, names every long option the
# commands' --help prints, and lists exactly the steps of
# `sgp32lab run --steps`: the page cannot go stale silently.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
L=$SGP32LAB
SRC=$SGP_SCENARIOS/..
PAGE=$SRC/doc/sgp32lab.1
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }

# 1. it renders cleanly: groff (Debian's groff-base, which man-db needs)
# with every warning on; mandoc's linter where that is what the machine has
if command -v groff > /dev/null 2>&1; then
	groff -man -ww -z "$PAGE" > "$tmp/render" 2>&1
	rc=$?
	renderer="groff -man -ww"
elif command -v mandoc > /dev/null 2>&1; then
	mandoc -T lint -W warning "$PAGE" > "$tmp/render" 2>&1
	rc=$?
	renderer="mandoc -T lint"
else
	rc=-1
fi
if [ "$rc" -eq -1 ]; then
	echo "skip neither groff nor mandoc is installed"
elif [ "$rc" -eq 0 ] && [ ! -s "$tmp/render" ]; then
	ok "$renderer: no warning"
else
	fail "$renderer reported:"
	cat "$tmp/render"
fi

# 2. every long option of every --help is in the page (as \-\-name)
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$PAGE" > "$tmp/page"
missing=""
for cmd in "" run serve decode "pki init" "pki verify" "pki show"; do
	# shellcheck disable=SC2086 # a subcommand is two words
	"$L" $cmd --help > "$tmp/help" 2>&1
	for opt in $(grep -oE -- '--[a-z][a-z0-9-]*' "$tmp/help" | sort -u); do
		grep -qE -- "$opt([^a-z0-9-]|\$)" "$tmp/page" ||
			missing="$missing sgp32lab${cmd:+ $cmd} $opt;"
	done
done
if [ -z "$missing" ]; then
	ok "every long option of the commands' --help is in the page"
else
	fail "not in doc/sgp32lab.1:$missing"
fi

# 3. the step list is the one the binary has
if ! command -v python3 > /dev/null 2>&1; then
	echo "skip python3 is needed to compare the step list"
elif python3 "$SRC/tools/man-steps.py" --check "$L" "$PAGE"; then
	ok "the step list is sgp32lab run --steps"
else
	fail "the step list is stale"
fi

# the closing line tools/test-summary.sh reads
echo "man: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
