/* sgp32lab: logging with one category per role or core module */
#include "core/log.h"

#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static const char *const cat_names[LOG_CAT_COUNT] = {
	[DLAB] = "DLAB", [DDER] = "DDER", [DCRYPTO] = "DCRYPTO", [DPKI] = "DPKI",
	[DSTORE] = "DSTORE", [DHTTP] = "DHTTP", [DFSM] = "DFSM",
	[DEUICC] = "DEUICC", [DIPA] = "DIPA", [DEIM] = "DEIM",
	[DSMDP] = "DSMDP", [DSMDS] = "DSMDS",
};

static const char *const level_names[] = {
	[LOGL_DEBUG] = "DEBUG", [LOGL_INFO] = "INFO",
	[LOGL_NOTICE] = "NOTICE", [LOGL_ERROR] = "ERROR", [LOGL_NONE] = "NONE",
};

static struct {
	enum log_level min[LOG_CAT_COUNT];
	bool deterministic;
	log_sink_fn sink;
	void *sink_arg;
} g_log = {
	.min = { [0 ... LOG_CAT_COUNT - 1] = LOGL_NOTICE },
};

void log_set_level(enum log_cat cat, enum log_level min_level)
{
	if ((unsigned)cat < LOG_CAT_COUNT)
		g_log.min[cat] = min_level;
}

void log_set_level_all(enum log_level min_level)
{
	for (int i = 0; i < LOG_CAT_COUNT; i++)
		g_log.min[i] = min_level;
}

void log_set_deterministic(bool on)
{
	g_log.deterministic = on;
}

void log_set_sink(log_sink_fn sink, void *arg)
{
	g_log.sink = sink;
	g_log.sink_arg = arg;
}

bool log_enabled(enum log_cat cat, enum log_level level)
{
	return (unsigned)cat < LOG_CAT_COUNT && level < LOGL_NONE && level >= g_log.min[cat];
}

const char *log_cat_name(enum log_cat cat)
{
	return (unsigned)cat < LOG_CAT_COUNT ? cat_names[cat] : "D?";
}

const char *log_level_name(enum log_level level)
{
	return (unsigned)level <= LOGL_NONE ? level_names[level] : "?";
}

int log_level_parse(const char *name)
{
	for (int i = 0; i <= LOGL_NONE; i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

void log_vprintf(enum log_cat cat, enum log_level level, const char *fmt, va_list ap)
{
	char line[1024];
	size_t off = 0;

	if (!log_enabled(cat, level))
		return;
	if (!g_log.deterministic) {
		struct timeval tv;
		struct tm tm;
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		off = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
		off += snprintf(line + off, sizeof(line) - off, ".%03ldZ ", (long)tv.tv_usec / 1000);
	}
	off += snprintf(line + off, sizeof(line) - off, "%s %s ",
			cat_names[cat], level_names[level]);
	if (off < sizeof(line))
		vsnprintf(line + off, sizeof(line) - off, fmt, ap);

	if (g_log.sink)
		g_log.sink(cat, level, line, g_log.sink_arg);
	else
		fprintf(stderr, "%s\n", line);
}

void log_printf(enum log_cat cat, enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vprintf(cat, level, fmt, ap);
	va_end(ap);
}
