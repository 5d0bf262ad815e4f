/* sgp32lab: statement helpers shared by the registry's files only
 * (registry.c, registry_profiles.c, registry_push.c) */
#ifndef SGP_EIM_REGISTRY_INT_H
#define SGP_EIM_REGISTRY_INT_H

#include <stddef.h>

struct sgp_store;
struct sgp_stmt;

/* Prepare sql and bind eid to its first parameter. */
int eim_reg_prepare_eid(struct sgp_store *st, const char *sql, const char *eid,
			struct sgp_stmt **s);
/* Step the INSERT/UPDATE prepared in s (rc: the result of preparing and
 * binding it): 0 when a row changed, none_err when none did. */
int eim_reg_step_changed(struct sgp_store *st, struct sgp_stmt *s, int rc, int none_err);
/* Step the SELECT COUNT(*) prepared in s (rc as above) and read it. */
int eim_reg_count(struct sgp_stmt *s, int rc, size_t *n);

#endif
