#!/bin/sh
# Print one closing line for a finished `make check` in the build folders
# given: the Check unit tests' counts plus the scenario counts, as
# "tests: N passed, N failed".
passed=0; failed=0
for dir in "$@"; do
	for log in "$dir"/tests/unit/test_*.log; do
		[ -f "$log" ] || continue
		line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" | tail -n 1)
		if [ -z "$line" ]; then
			failed=$((failed + 1))	# the test program died before Check reported
			continue
		fi
		n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
		fl=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+),.*/\1/')
		er=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
		f=$((fl + er))
		passed=$((passed + n - f)); failed=$((failed + f))
	done
	for log in "$dir"/tests/*.sh.log; do
		[ -f "$log" ] || continue
		# a script that skipped (exit 77) counts neither way
		grep -q '^:test-result: SKIP' "${log%.log}.trs" 2>/dev/null && continue
		line=$(grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
		if [ -z "$line" ]; then
			failed=$((failed + 1))
			continue
		fi
		passed=$((passed + $(echo "$line" | sed -E 's/^[a-z0-9_-]+: ([0-9]+) passed.*/\1/')))
		failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
	done
done
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
