/* sgp32lab: ESipa error codes (SGP.32 v1.2 6.3.2) and the ES9+
 * statusCodeData they stand for (SGP.22 v2.5 5.6.1 - 5.6.5) */
#include "core/esipa/esipa_map.h"
#include "core/err.h"

#include "AuthenticateClientResponseEsipa.h"
#include "CancelSessionResponseEsipa.h"
#include "GetBoundProfilePackageResponseEsipa.h"
#include "InitiateAuthenticationResponseEsipa.h"

#include <string.h>

#define IA(n) InitiateAuthenticationResponseEsipa__initiateAuthenticationErrorEsipa_##n, #n
#define AC(n) AuthenticateClientResponseEsipa__authenticateClientErrorEsipa_##n, #n
#define GBPP(n) GetBoundProfilePackageResponseEsipa__getBoundProfilePackageErrorEsipa_##n, #n
#define CS(n) CancelSessionResponseEsipa__cancelSessionError_##n, #n

struct esipa_error {
	long code;
	const char *name;
	const char *subject, *reason;	/* NULL: no ES9+ counterpart */
};

/* Code and name of each row come from the ASN.1 module (SGP32Definitions:
 * the named numbers of each ...ErrorEsipa INTEGER), so they cannot drift
 * apart.  A code listed twice maps several ES9+ pairs to one ESipa code; the
 * first row of a code is the pair it maps back to. */

/* InitiateAuthenticationResponseEsipa (6.3.2.1), ES9+ 5.6.1 */
static const struct esipa_error ia_errors[] = {
	{ IA(invalidDpAddress), "8.8.1", "3.8" },
	{ IA(euiccVersionNotSupportedByDp), "8.8.3", "3.1" },
	{ IA(ciPKIdNotSupported), "8.8.2", "3.1" },
	{ IA(ciPKIdNotSupported), "8.8.4", "3.7" },	/* no CERT.DPauth for its CIs */
	{ IA(smdpAddressMismatch), NULL, NULL },
	{ IA(smdpOidMismatch), NULL, NULL },
	{ IA(invalidEimTransactionId), NULL, NULL },
	{ IA(undefinedError), NULL, NULL },
};

/* AuthenticateClientResponseEsipa (6.3.2.2), ES9+ 5.6.3 */
static const struct esipa_error ac_errors[] = {
	{ AC(eumCertificateInvalid), "8.1.2", "6.1" },
	{ AC(eumCertificateExpired), "8.1.2", "6.3" },
	{ AC(euiccCertificateInvalid), "8.1.3", "6.1" },
	{ AC(euiccCertificateExpired), "8.1.3", "6.3" },
	{ AC(euiccSignatureInvalid), "8.1", "6.1" },
	{ AC(matchingIdRefused), "8.2.6", "3.8" },
	{ AC(eidMismatch), "8.1.1", "3.8" },
	{ AC(noEligibleProfile), "8.2.5", "4.3" },
	{ AC(ciPKUnknown), "8.11.1", "3.9" },
	{ AC(invalidTransactionId), "8.10.1", "3.9" },
	{ AC(insufficientMemory), NULL, NULL },
	{ AC(pprNotAllowed), NULL, NULL },
	{ AC(eventIdUnknown), NULL, NULL },
	{ AC(undefinedError), NULL, NULL },
};

/* GetBoundProfilePackageResponseEsipa (6.3.2.3), ES9+ 5.6.2 */
static const struct esipa_error gbpp_errors[] = {
	{ GBPP(euiccSignatureInvalid), "8.1", "6.1" },
	{ GBPP(confirmationCodeMissing), "8.2.7", "2.2" },
	{ GBPP(confirmationCodeRefused), "8.2.7", "3.8" },
	{ GBPP(confirmationCodeRetriesExceeded), "8.2.7", "6.4" },
	{ GBPP(bppRebindingRefused), NULL, NULL },
	{ GBPP(downloadOrderExpired), "8.8.5", "4.10" },
	{ GBPP(metadataMismatch), NULL, NULL },
	{ GBPP(invalidTransactionId), "8.10.1", "3.9" },
	{ GBPP(undefinedError), NULL, NULL },
};

/* CancelSessionResponseEsipa (6.3.2.5), ES9+ 5.6.5 */
static const struct esipa_error cs_errors[] = {
	{ CS(invalidTransactionId), "8.10.1", "3.9" },
	{ CS(euiccSignatureInvalid), "8.1", "6.1" },
	{ CS(undefinedError), NULL, NULL },
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
