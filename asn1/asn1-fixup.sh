#!/bin/sh
# Post-process asn1c 0.9.28 output in the folder given as $1 (run by
# asn1/Makefile right after asn1c).  Each fix names what it changes and
# why; a pattern that is not found is an error, so an asn1c update that
# moves the code fails the build instead of silently losing a fix.  Running
# the script twice leaves the result unchanged.
set -eu
gen=${1:?usage: asn1-fixup.sh GENDIR}
cd "$gen"

die() { echo "asn1-fixup: $*" >&2; exit 1; }

# patch FILE OLD NEW: in the first line that contains the fixed string OLD,
# replace it by NEW; nothing to do when NEW is already in the file.
patch_line() {
	f=$1
	[ -f "$f" ] || die "$f: missing"
	if grep -qF -- "$3" "$f"; then return 0; fi
	OLD=$2 NEW=$3 awk '
		!done && (i = index($0, ENVIRON["OLD"])) {
			$0 = substr($0, 1, i - 1) ENVIRON["NEW"] \
				substr($0, i + length(ENVIRON["OLD"])); done = 1 }
		{ print }
		END { exit !done }' "$f" > "$f.tmp" || { rm -f "$f.tmp"; die "$f: pattern not found: $2"; }
	mv "$f.tmp" "$f"
}

# 1. Example program and sample makefile: not part of the library.
rm -f converter-sample.c Makefile.am.sample

# 2. CertificateSerialNumber: RFC 5280 4.1.2.2 allows 20 octets, asn1c
#    makes it a C long.  Use the arbitrary-length INTEGER_t instead.
patch_line CertificateSerialNumber.h '#include "NativeInteger.h"' '#include "INTEGER.h"'
patch_line CertificateSerialNumber.h 'typedef long' 'typedef INTEGER_t'
if grep -q asn_DEF_NativeInteger CertificateSerialNumber.c; then
	sed 's/asn_DEF_NativeInteger/asn_DEF_INTEGER/g' CertificateSerialNumber.c \
		> CertificateSerialNumber.c.tmp
	mv CertificateSerialNumber.c.tmp CertificateSerialNumber.c
fi
grep -q 'asn_DEF_INTEGER\.ber_decoder' CertificateSerialNumber.c ||
	die "CertificateSerialNumber.c: not switched to INTEGER"

# 3. UBSan: left shift of a negative / overflowing signed length value
#    while reading a long-form BER length.
patch_line ber_tlv_length.c 'len = (len << 8) | *buf;' \
	'len = (ber_tlv_len_t)(((size_t)len << 8) | *buf);	/* sgp32lab: no signed shift */'

# 4. UBSan: left shift of a negative value when a negative INTEGER is
#    converted to long (asn_INTEGER2long; the first such line in INTEGER.c).
patch_line INTEGER.c 'l = (l << 8) | *b;' \
	'l = (long)(((unsigned long)l << 8) | *b);	/* sgp32lab: no signed shift */'

# 5. A BIT STRING whose unused-bits octet is above 7 (X.690 8.6.2.2) was
#    accepted, and the shift by it that follows is undefined.  Reject it.
patch_line OCTET_STRING.c 'if(type_variant == ASN_OSUBV_BIT && st->size) {' \
	'if(type_variant == ASN_OSUBV_BIT && (st->bits_unused < 0 || st->bits_unused > 7)) RETURN(RC_FAIL); /* sgp32lab */ if(type_variant == ASN_OSUBV_BIT && st->size) {'

# 6. Constraints of derived types were lost: the generated
#    *_inherit_TYPE_descriptor() copies the base type's checker over the
#    type's own one (e.g. Octet16_constraint) on the first decode or free,
#    after which asn_check_constraints() no longer sees SIZE constraints.
#    Keep the type's own checker (unconstrained types delegate to the base
#    type from their *_constraint function anyway).
n=0
for f in *.c; do
	grep -q 'td->print_struct   = asn_DEF_' "$f" || continue
	awk '
		/^\ttd->check_constraints = asn_DEF_[A-Za-z0-9_]*\.check_constraints;$/ &&
		prev ~ /^\ttd->print_struct   = asn_DEF_/ {
			print "\t/* sgp32lab: keeps its own constraint checker */"; prev = $0; next }
		{ print; prev = $0 }' "$f" > "$f.tmp"
	if cmp -s "$f" "$f.tmp"; then rm -f "$f.tmp"; else mv "$f.tmp" "$f"; fi
	grep -q 'sgp32lab: keeps its own constraint checker' "$f" && n=$((n + 1))
done
grep -q 'sgp32lab: keeps its own constraint checker' Octet16.c ||
	die "Octet16.c: inherited constraint checker not found"
[ "$n" -gt 20 ] || die "only $n derived types patched for constraints"

# 7. UBSan (clang's pointer-overflow check): an empty UTF8String has buf
#    NULL, and NULL + 0 is undefined in C.  Found by tests/fuzz/fuzz_der.
patch_line UTF8String.c 'uint8_t *end = buf + st->size;' \
	'uint8_t *end = buf ? buf + st->size : buf;	/* sgp32lab: no NULL + 0 */'
patch_line UTF8String.c 'uint32_t *dstend = dst + dstlen;' \
	'uint32_t *dstend = dst ? dst + dstlen : dst;	/* sgp32lab: no NULL + 0 */'
