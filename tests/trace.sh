#!/bin/sh
# `sgp32lab run --trace`: the page of a profile download holds the
# download's messages in the order of SGP.22 3.1.3 (ES2+ order, then the
# ES10/ES9+ exchange of the IPA) with both ends named, and is
# self-contained (nothing fetched from the network, no script to run).
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
L=$SGP32LAB

if ! command -v python3 > /dev/null 2>&1; then
	echo "SKIP: python3 is needed to parse the page"
	exit 77
fi

# an unwritable trace file is a usage error, before anything runs
"$L" run --trace "$tmp/no/such/dir/t.html" "$SGP_SCENARIOS/smdp/download-activation-code.scn" \
	> "$tmp/out" 2>&1
rc=$?
if [ "$rc" -ne 2 ] || ! grep -q "cannot write the trace" "$tmp/out"; then
	echo "FAIL: an unwritable --trace file gave exit $rc"
	cat "$tmp/out"
	exit 1
fi
echo "ok   unwritable --trace file refused"

if ! "$L" run --trace "$tmp/out.html" "$SGP_SCENARIOS/smdp/download-activation-code.scn" \
	> "$tmp/out" 2>&1; then
	echo "FAIL: the scenario failed"
	cat "$tmp/out"
	exit 1
fi
echo "ok   run --trace"

python3 - "$tmp/out.html" <<'EOF'
import json, re, sys
from html.parser import HTMLParser

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.data = None
        self.in_block = False
        self.bad = []
        self.svg = 0
        self.details = set()
        self.links = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href", "xlink:href", "action", "data"):
            v = a.get(k) or ""
            if re.match(r"\s*(https?:)?//", v, re.I):
                self.bad.append("<%s %s=%s>" % (tag, k, v))
        if tag == "script":
            if a.get("src"):
                self.bad.append("<script src=...>")
            if a.get("type") != "application/json":
                self.bad.append("a script that is not JSON data")
            self.in_block = a.get("id") == "sgp32lab-trace"
        if tag == "link":
            self.bad.append("<link>")
        if tag == "svg":
            self.svg += 1
        if tag == "details" and "id" in a:
            self.details.add(a["id"])
        if tag == "a" and (a.get("href") or "").startswith("#"):
            self.links.add(a["href"][1:])

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_block = False

    def handle_data(self, d):
        if self.in_block:
            self.data = (self.data or "") + d

html = open(sys.argv[1], encoding="utf-8").read()
p = Page()
p.feed(html)
p.close()
fail = []
if p.bad:
    fail.append("external or executable content: %s" % p.bad)
if "@import" in html or "url(http" in html:
    fail.append("CSS fetching a resource")
if p.svg != 1:
    fail.append("%d sequence diagrams" % p.svg)
if p.data is None:
    sys.exit("FAIL: no JSON block")
d = json.loads(p.data)
msgs = d["messages"]
for m in msgs:
    if m["id"] not in p.details:
        fail.append("message %s has no details" % m["id"])
    if m["id"] not in p.links:
        fail.append("no arrow links to %s" % m["id"])
    if not m["from"] or not m["to"] or m["from"] == m["to"]:
        fail.append("message %s from %r to %r" % (m["id"], m["from"], m["to"]))

# the download, requests only, in order
want = [
    ("ES2+", "downloadOrder", "operator", "smdp"),
    ("ES2+", "confirmOrder", "operator", "smdp"),
    ("ES10", "GetEUICCChallenge", "ipa", "euicc"),
    ("ES9+", "initiateAuthentication", "ipa", "smdp"),
    ("ES10", "AuthenticateServer", "ipa", "euicc"),
    ("ES9+", "authenticateClient", "ipa", "smdp"),
    ("ES10", "PrepareDownload", "ipa", "euicc"),
    ("ES9+", "getBoundProfilePackage", "ipa", "smdp"),
    ("ES10", "LoadBoundProfilePackage", "ipa", "euicc"),
    ("ES9+", "handleNotification", "ipa", "smdp"),
]
seen = [(m["interface"], m["function"], m["from"], m["to"]) for m in msgs if not m["response"]]
i = 0
for s in seen:
    if i < len(want) and s == want[i]:
        i += 1
if i < len(want):
    fail.append("expected %s after %s; the requests were:\n  %s" % (
        want[i], want[i - 1] if i else "the start", "\n  ".join(map(str, seen))))
# every request has its answer, from the other end
for k, m in enumerate(msgs):
    if not m["response"] and m["interface"] != "vpcd":
        if not any(r["response"] and (r["from"], r["to"]) == (m["to"], m["from"]) and
                   (r["interface"], r["function"]) == (m["interface"], m["function"])
                   for r in msgs[k + 1:]):
            fail.append("%s %s has no answer" % (m["interface"], m["function"]))
if d["participants"][:2] != ["operator", "smdp"] or set(d["participants"]) != {
        "operator", "smdp", "ipa", "euicc"}:
    fail.append("participants %s" % d["participants"])
if [s["name"] for s in d["scenarios"]] != ["download-activation-code"] or d["scenarios"][0]["outcome"] != "PASS":
    fail.append("scenarios %s" % d["scenarios"])
# the decoded content is there: an ES9+ JSON body and an ES10 value as XER
for needle in ("&quot;transactionId&quot;", "GetEuiccChallengeResponse", "&lt;euiccChallenge&gt;"):
    if needle not in html:
        fail.append("no %s in the page" % needle)
for f in fail:
    print("FAIL:", f)
if fail:
    sys.exit(1)
print("ok   the page: %d messages, %d participants, the download in order" % (
    len(msgs), len(d["participants"])))
EOF
rc=$?
# the closing line tools/test-summary.sh reads: three checks, all or nothing
if [ "$rc" -eq 0 ]; then
	echo "trace: 3 passed, 0 failed"
else
	echo "trace: 2 passed, 1 failed"
fi
exit "$rc"
