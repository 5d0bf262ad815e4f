/* sgp32lab: the eIM's operator API — HTTPS JSON under /api/v1/ (see
 * doc/eim-api.md): register devices, queue PSMOs, eCOs, data requests and
 * download triggers, read back devices, profiles, packages and results.
 *
 * Ownership: borrows the eim_server (must outlive the API); the HTTP
 * configuration is copied. */
#ifndef SGP_EIM_API_H
#define SGP_EIM_API_H

#include "core/http/http.h"

#include <stdint.h>

struct event_base;
struct eim_server;
struct eim_api;

/* The largest request body the API reads (larger: 400). */
#define EIM_API_MAX_BODY 8192

struct eim_api *eim_api_new(struct event_base *base, struct eim_server *eim,
			    const struct http_server_cfg *http, int *err);
void eim_api_free(struct eim_api *a);
uint16_t eim_api_port(const struct eim_api *a);
/* The API's HTTPS server, for a host that serves more under /api/v1/ (an
 * exact route wins over the API's prefix route). */
struct http_server *eim_api_http(struct eim_api *a);

#endif
