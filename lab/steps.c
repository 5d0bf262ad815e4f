/* sgp32lab: the step registry — which area answers which scenario step */
#include "lab/lab.h"
#include "lab/step_ctx.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

static const struct step_table *const step_tables[] = {
	&steps_builtin,
	&steps_pki,
	&steps_decode,
	&steps_http,
	&steps_euicc,
	&steps_card,
	&steps_local_eim,
	&steps_smdp,
	&steps_ipa,
	&steps_eim,	/* after the IPAs: torn down before them */
	&steps_eim_ops,	/* the operator API goes before its eIM */
	&steps_endpoints,
	&steps_device,	/* the IPAds: torn down first */
	&steps_external_ipa,
	&steps_fault,	/* the SM-DP+'s proxy: before the IPAds and the SM-DP+ */
};
#define NUM_TABLES (sizeof(step_tables) / sizeof(step_tables[0]))

/* A step is found by its first two words ("pki verify"), the device
 * reference skipped ("euicc @1 power-cycle" is "euicc power-cycle"), else by
 * its first word alone ("wait"). */
const struct step_def *step_lookup(const struct scn_step *st)
{
	const struct step_def *by_keyword = NULL;
	int obj = st->argc > 2 && step_device(st->argv[1], UINT16_MAX) > 0 ? 2 : 1;

	for (size_t t = 0; t < NUM_TABLES; t++) {
		for (size_t i = 0; i < step_tables[t]->count; i++) {
			const struct step_def *d = &step_tables[t]->defs[i];
			if (strcmp(d->keyword, st->argv[0]) != 0)
				continue;
			if (!d->object)
				by_keyword = d;
			else if (st->argc > obj && strcmp(d->object, st->argv[obj]) == 0)
				return d;
		}
	}
	return by_keyword;
}

void step_registry_print(FILE *out)
{
	for (size_t t = 0; t < NUM_TABLES; t++)
		for (size_t i = 0; i < step_tables[t]->count; i++)
			fprintf(out, "  %s\n      %s\n", step_tables[t]->defs[i].usage,
				step_tables[t]->defs[i].help);
}

void step_tables_teardown(struct lab *lab)
{
	for (size_t t = NUM_TABLES; t-- > 0; )
		if (step_tables[t]->teardown)
			step_tables[t]->teardown(lab);
}

void step_msg(struct step_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
	va_end(ap);
}

void step_done(struct step_ctx *ctx, bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ctx->finished)
		return;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
		va_end(ap);
	}
	ctx->finished = true;
	ctx->on_done(ctx, ok);
}

void step_start(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	enum step_result sr = st->def->run(lab, st, ctx);

	if (sr != STEP_PENDING)
		step_done(ctx, sr == STEP_OK, NULL);
}
