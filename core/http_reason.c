/* sgp32lab: HTTP reason phrases (RFC 9110 section 15) for the status codes
 * the lab's servers answer, shared by core/http and the capture writer of
 * core/trace (which core/http depends on) */
#include "core/http_reason.h"

const char *sgp_http_reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default:
		return status >= 200 && status < 300 ? "OK" : "Error";
	}
}
