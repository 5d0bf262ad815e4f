/* sgp32lab: project-wide result codes */
#include "core/err.h"

const char *sgp_strerror(int err)
{
	switch (err) {
	case SGP_OK:		return "success";
	case SGP_ERR_NOMEM:	return "out of memory";
	case SGP_ERR_INVAL:	return "invalid argument";
	case SGP_ERR_PARSE:	return "malformed input";
	case SGP_ERR_TOOBIG:	return "input too large";
	case SGP_ERR_CRYPTO:	return "cryptographic operation failed";
	case SGP_ERR_VERIFY:	return "verification failed";
	case SGP_ERR_IO:	return "I/O error";
	case SGP_ERR_NOTFOUND:	return "not found";
	case SGP_ERR_STATE:	return "not allowed in this state";
	case SGP_ERR_TIMEOUT:	return "timed out";
	case SGP_ERR_UNSUPPORTED: return "not supported";
	case SGP_ERR_STORE:	return "database error";
	case SGP_ERR_EXISTS:	return "already exists";
	case SGP_ERR_PEER:	return "peer reported an error";
	}
	return "unknown error";
}
