/* sgp32lab: the eUICC model — ES10b functions of the profile download
 * (SGP.22 section 5.7: GetEUICCChallenge, GetEUICCInfo1/2,
 * AuthenticateServer, PrepareDownload, LoadBoundProfilePackage,
 * CancelSession) and the ES10a addresses.
 *
 * The download session is volatile: a reset drops it, as on a real card. */
#include "sim/euicc_int.h"
#include "core/crypto/random.h"
#include "core/err.h"

#include <openssl/crypto.h>

#include "GetEuiccChallengeRequest.h"
#include "GetEuiccChallengeResponse.h"

#include <stdlib.h>
#include <string.h>

struct download_session {
	uint8_t euicc_challenge[16];	/* from GetEUICCChallenge */
	bool have_challenge;
};

void download_session_free(struct download_session *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

static struct download_session *session(struct euicc *e)
{
	if (!e->dl)
		e->dl = calloc(1, sizeof(*e->dl));
	return e->dl;
}

/* ES10b.GetEUICCChallenge (SGP.22 5.7.7): a fresh 16-byte challenge; a new
 * one replaces any session in progress. */
static int get_euicc_challenge(struct euicc *e, const uint8_t *cmd, size_t len,
			       struct sgp_buf *resp)
{
	GetEuiccChallengeRequest_t *req = NULL;
	GetEuiccChallengeResponse_t rsp;
	struct download_session *s;
	int rc = es10_decode(e, &asn_DEF_GetEuiccChallengeRequest, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	ASN_STRUCT_FREE(asn_DEF_GetEuiccChallengeRequest, req);
	download_session_free(e->dl);
	e->dl = NULL;
	s = session(e);
	if (!s)
		return SGP_ERR_NOMEM;
	rc = sgp_random_bytes(s->euicc_challenge, sizeof(s->euicc_challenge));
	if (rc < 0)
		return rc;
	s->have_challenge = true;
	memset(&rsp, 0, sizeof(rsp));
	rsp.euiccChallenge.buf = s->euicc_challenge;
	rsp.euiccChallenge.size = sizeof(s->euicc_challenge);
	return es10_encode(e, &asn_DEF_GetEuiccChallengeResponse, &rsp, resp);
}

static const struct es10_function download_fns[] = {
	{ 0xBF2E, "GetEUICCChallenge", get_euicc_challenge },
};

const struct es10_table es10_download = {
	.fns = download_fns,
	.count = sizeof(download_fns) / sizeof(download_fns[0]),
};
