/* sgp32lab: HTTP reason phrases (RFC 9110 section 15) */
#ifndef SGP_CORE_HTTP_REASON_H
#define SGP_CORE_HTTP_REASON_H

/* "OK", "Not Found", ...; "OK" or "Error" for a code not listed. */
const char *sgp_http_reason_phrase(int status);

#endif
