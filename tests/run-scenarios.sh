#!/bin/sh
# Run every bundled scenario and check that the JUnit report parses.
set -u
[ -d "$SGP_REFERENCE_DIR" ] || unset SGP_REFERENCE_DIR
"$SGP32LAB" run --junit scenarios-report.xml "$SGP_SCENARIOS"
rc=$?
if command -v python3 >/dev/null 2>&1; then
	python3 - scenarios-report.xml <<'PY' || rc=1
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.findall('./testsuite/testcase')
assert root.tag == 'testsuites' and cases, 'no test cases in the JUnit report'
assert int(root.get('tests')) == len(cases), 'tests= does not match the test cases'
print('JUnit report: %d test cases, well-formed' % len(cases))
PY
fi
exit $rc
