/* sgp32lab: project-wide result codes.
 *
 * Functions return 0 on success or a negative sgp_err on failure and pass
 * the value straight up; the spec's own status codes (SGP.22 subject/reason
 * codes, ES10 error enums, status words) are mapped at the interface that
 * speaks them, not here. */
#ifndef SGP_CORE_ERR_H
#define SGP_CORE_ERR_H

enum sgp_err {
	SGP_OK = 0,
	SGP_ERR_NOMEM = -1,	/* allocation failed */
	SGP_ERR_INVAL = -2,	/* caller passed an invalid argument */
	SGP_ERR_PARSE = -3,	/* malformed input (DER, JSON, PEM, text) */
	SGP_ERR_TOOBIG = -4,	/* input exceeds a size limit */
	SGP_ERR_CRYPTO = -5,	/* a cryptographic operation failed */
	SGP_ERR_VERIFY = -6,	/* a signature, MAC or chain did not verify */
	SGP_ERR_IO = -7,	/* file or socket I/O failed */
	SGP_ERR_NOTFOUND = -8,	/* no such object */
	SGP_ERR_STATE = -9,	/* not allowed in the current state */
	SGP_ERR_TIMEOUT = -10,	/* a peer did not answer in time */
	SGP_ERR_UNSUPPORTED = -11, /* valid, but not implemented / supported */
	SGP_ERR_STORE = -12,	/* database error */
	SGP_ERR_EXISTS = -13,	/* object already exists */
	SGP_ERR_PEER = -14,	/* the peer answered with an error */
};

/* Human-readable text for an sgp_err value; never NULL. */
const char *sgp_strerror(int err);

#endif
