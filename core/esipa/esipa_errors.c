/* sgp32lab: ESipa error codes (SGP.32 v1.2 6.3.2) and the ES9+
 * statusCodeData they stand for (SGP.22 v2.5 5.6.1 - 5.6.5) */
#include "core/esipa/esipa_map.h"
#include "core/err.h"

#include <string.h>

struct esipa_error {
	long code;
	const char *name;
	const char *subject, *reason;	/* NULL: no ES9+ counterpart */
};

/* A code listed twice maps several ES9+ pairs to one ESipa code; the
 * first row of a code is the pair it maps back to. */

/* InitiateAuthenticationResponseEsipa (6.3.2.1), ES9+ 5.6.1 */
static const struct esipa_error ia_errors[] = {
	{ 1, "invalidDpAddress", "8.8.1", "3.8" },
	{ 2, "euiccVersionNotSupportedByDp", "8.8.3", "3.1" },
	{ 3, "ciPKIdNotSupported", "8.8.2", "3.1" },
	{ 3, "ciPKIdNotSupported", "8.8.4", "3.7" },	/* no CERT.DPauth for its CIs */
	{ 50, "smdpAddressMismatch", NULL, NULL },
	{ 51, "smdpOidMismatch", NULL, NULL },
	{ 52, "invalidEimTransactionId", NULL, NULL },
	{ 127, "undefinedError", NULL, NULL },
};

/* AuthenticateClientResponseEsipa (6.3.2.2), ES9+ 5.6.3 */
static const struct esipa_error ac_errors[] = {
	{ 1, "eumCertificateInvalid", "8.1.2", "6.1" },
	{ 2, "eumCertificateExpired", "8.1.2", "6.3" },
	{ 3, "euiccCertificateInvalid", "8.1.3", "6.1" },
	{ 4, "euiccCertificateExpired", "8.1.3", "6.3" },
	{ 5, "euiccSignatureInvalid", "8.1", "6.1" },
	{ 6, "matchingIdRefused", "8.2.6", "3.8" },
	{ 7, "eidMismatch", "8.1.1", "3.8" },
	{ 8, "noEligibleProfile", "8.2.5", "4.3" },
	{ 9, "ciPKUnknown", "8.11.1", "3.9" },
	{ 10, "invalidTransactionId", "8.10.1", "3.9" },
	{ 11, "insufficientMemory", NULL, NULL },
	{ 50, "pprNotAllowed", NULL, NULL },
	{ 56, "eventIdUnknown", NULL, NULL },
	{ 127, "undefinedError", NULL, NULL },
};

/* GetBoundProfilePackageResponseEsipa (6.3.2.3), ES9+ 5.6.2 */
static const struct esipa_error gbpp_errors[] = {
	{ 1, "euiccSignatureInvalid", "8.1", "6.1" },
	{ 2, "confirmationCodeMissing", "8.2.7", "2.2" },
	{ 3, "confirmationCodeRefused", "8.2.7", "3.8" },
	{ 4, "confirmationCodeRetriesExceeded", "8.2.7", "6.4" },
	{ 5, "bppRebindingRefused", NULL, NULL },
	{ 6, "downloadOrderExpired", "8.8.5", "4.10" },
	{ 50, "metadataMismatch", NULL, NULL },
	{ 95, "invalidTransactionId", "8.10.1", "3.9" },
	{ 127, "undefinedError", NULL, NULL },
};

/* CancelSessionResponseEsipa (6.3.2.5), ES9+ 5.6.5 */
static const struct esipa_error cs_errors[] = {
	{ 1, "invalidTransactionId", "8.10.1", "3.9" },
	{ 2, "euiccSignatureInvalid", "8.1", "6.1" },
	{ 127, "undefinedError", NULL, NULL },
};

static const struct esipa_error *table(enum es9_function f, size_t *n)
{
#define T(x) do { *n = sizeof(x) / sizeof((x)[0]); return (x); } while (0)
	switch (f) {
	case ES9_INITIATE_AUTHENTICATION: T(ia_errors);
	case ES9_AUTHENTICATE_CLIENT: T(ac_errors);
	case ES9_GET_BOUND_PROFILE_PACKAGE: T(gbpp_errors);
	case ES9_CANCEL_SESSION: T(cs_errors);
	default:
		*n = 0;
		return NULL;	/* handleNotification has no ESipa answer */
	}
#undef T
}

long esipa_error_from_status(enum es9_function f, const char *subject_code,
			     const char *reason_code)
{
	size_t n;
	const struct esipa_error *t = table(f, &n);

	for (size_t i = 0; subject_code && reason_code && i < n; i++)
		if (t[i].subject && !strcmp(t[i].subject, subject_code) &&
		    !strcmp(t[i].reason, reason_code))
			return t[i].code;
	return ESIPA_UNDEFINED_ERROR;
}

int esipa_error_to_status(enum es9_function f, long code, const char **subject_code,
			  const char **reason_code)
{
	size_t n;
	const struct esipa_error *t = table(f, &n);

	for (size_t i = 0; i < n; i++)
		if (t[i].code == code) {
			if (!t[i].subject)
				return SGP_ERR_NOTFOUND;
			*subject_code = t[i].subject;
			*reason_code = t[i].reason;
			return SGP_OK;
		}
	return SGP_ERR_NOTFOUND;
}

const char *esipa_error_name(enum es9_function f, long code)
{
	size_t n;
	const struct esipa_error *t = table(f, &n);

	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return "?";
}

int esipa_error_at(enum es9_function f, size_t i, long *code)
{
	size_t n, k = 0;
	const struct esipa_error *t = table(f, &n);

	for (size_t j = 0; j < n; j++) {
		if (j && t[j].code == t[j - 1].code)
			continue;	/* a second ES9+ pair of the same code */
		if (k++ == i) {
			*code = t[j].code;
			return SGP_OK;
		}
	}
	return SGP_ERR_NOTFOUND;
}
