/* sgp32lab: logging with one category per role or core module.
 *
 * Lines look like "DHTTP NOTICE server listening on 127.0.0.1:4433".  In
 * deterministic mode (tests, scenario runs) no timestamp is printed, so a
 * log can be compared against an expected file.  Role code prefixes its
 * messages with "role(id){STATE}: " through the FSM helpers (core/fsm.h). */
#ifndef SGP_CORE_LOG_H
#define SGP_CORE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

enum log_cat {
	DLAB,		/* the binary, scenario runner, reports */
	DDER,		/* ASN.1/DER codec */
	DCRYPTO,	/* core/crypto */
	DPKI,		/* certificates and chains */
	DSTORE,		/* SQLite store */
	DHTTP,		/* HTTP(S) transport */
	DFSM,		/* state machine engine */
	DEUICC,		/* eUICC model */
	DIPA,		/* IPA model */
	DEIM,		/* eIM model */
	DSMDP,		/* SM-DP+ model */
	DSMDS,		/* SM-DS model */
	LOG_CAT_COUNT
};

enum log_level {
	LOGL_DEBUG,
	LOGL_INFO,
	LOGL_NOTICE,
	LOGL_ERROR,
	LOGL_NONE,	/* as a threshold: print nothing */
};

/* Where log lines go; the default writes to stderr. */
typedef void (*log_sink_fn)(enum log_cat cat, enum log_level level,
			    const char *line, void *arg);

void log_set_level(enum log_cat cat, enum log_level min_level);
void log_set_level_all(enum log_level min_level);
void log_set_deterministic(bool on);
void log_set_sink(log_sink_fn sink, void *arg);	/* NULL: back to stderr */
bool log_enabled(enum log_cat cat, enum log_level level);

const char *log_cat_name(enum log_cat cat);
const char *log_level_name(enum log_level level);
/* Parse "error", "notice", "info", "debug", "none"; -1 if unknown. */
int log_level_parse(const char *name);

void log_printf(enum log_cat cat, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_vprintf(enum log_cat cat, enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#define LOGP(cat, level, ...) \
	do { if (log_enabled(cat, level)) log_printf(cat, level, __VA_ARGS__); } while (0)

#endif
