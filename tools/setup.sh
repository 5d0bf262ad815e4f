#!/bin/sh
# Set up sgp32lab on a Debian bookworm machine: install the packages it
# needs (apt-get, through sudo when not root), build it in ./build, and run
# the bundled scenarios.  Safe to run again: it installs only what is
# missing and rebuilds only what changed.
set -eu
cd "$(dirname "$0")/.."

# pcscd, vsmartcard-vpcd and python3-pyscard: tests/pcsc.sh puts the
# simulated eUICC behind a real PC/SC stack (skipped without them)
PACKAGES="build-essential autoconf automake libtool pkg-config asn1c check
	libevent-dev libssl-dev libsqlite3-dev libjansson-dev libedit-dev openssl python3 curl
	pcscd vsmartcard-vpcd python3-pyscard"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "== installing:$missing"
	if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

jobs=$(nproc 2>/dev/null || echo 2)
echo "== building in ./build"
[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi
mkdir -p build
cd build
[ -f Makefile ] || ../configure --enable-werror
make -j"$jobs"

echo "== running the bundled scenarios"
# scenarios that check the GSMA SGP.26 test PKI read it from beside the checkout
if [ -z "${SGP_REFERENCE_DIR:-}" ] && [ -d ../../shared/reference ]; then
	SGP_REFERENCE_DIR=$(cd ../../shared/reference && pwd)
	export SGP_REFERENCE_DIR
fi
./lab/sgp32lab run --junit scenarios-report.xml ../scenarios
echo "== done: the JUnit report is build/scenarios-report.xml; run the tests with: make -C build check"
