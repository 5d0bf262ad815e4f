/* sgp32lab: throw-away test PKI for the HTTP tests (OpenSSL only, so that
 * test_http does not depend on core/pki). */
#ifndef SGP_TEST_HTTP_TESTCERTS_H
#define SGP_TEST_HTTP_TESTCERTS_H

struct tc_pki {
	char ca[512];		/* CA certificate (PEM) */
	char cert[512];		/* server certificate (PEM) */
	char key[512];		/* server key (PEM) */
};

/* Create a CA and a server certificate signed by it, both on curve
 * ("prime256v1" or "brainpoolP256r1"), the server certificate with the
 * given subjectAltName (e.g. "IP:127.0.0.1,DNS:localhost"); files are
 * written into dir with prefix.  0 on success. */
int tc_make_pki(const char *dir, const char *prefix, const char *curve, const char *san,
		struct tc_pki *out);

#endif
