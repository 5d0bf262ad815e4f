/* sgp32lab: the lab — one event loop, one clock, one work folder, and the
 * models that a scenario or the sandbox brings up in it.
 *
 * lab/ is the wiring layer: it owns the role models and offers their steps
 * to the scenario runner.  Role folders know nothing about scenarios; each
 * lab/steps_<area>.c file turns scenario steps into calls of one area's
 * public API. */
#ifndef SGP_LAB_LAB_H
#define SGP_LAB_LAB_H

#include "lab/scenario.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct event_base;
struct sgp_clock;
struct lab_pki;
struct lab_http;
struct lab_euicc;
struct lab_local_eim;
struct lab_rsp;
struct lab_eim;
struct lab_devices;
struct lab_ext_ipa;
struct lab_proxy;
struct sgp_store;

/* 2026-01-01T00:00:00Z: where the simulated clock of every run starts, so
 * runs are reproducible. */
#define LAB_EPOCH_MS UINT64_C(1767225600000)

/* Where steps from elsewhere (the eIM operator API's POST /api/v1/steps)
 * join the sandbox console's queue (lab/cmd_serve.c).  submit: 0, or
 * -1 when there is no console; reply runs once, later, with the outcome
 * (see enum lab_step_outcome), unless cancel(reply_arg) came first. */
enum lab_step_outcome {
	LAB_STEP_OK, LAB_STEP_FAILED,	/* it ran */
	LAB_STEP_REFUSED,		/* not a step to run (msg: why) */
	LAB_STEP_UNAVAILABLE,		/* the sandbox stopped before it ran */
};
typedef void (*lab_step_reply_fn)(void *reply_arg, enum lab_step_outcome outcome,
				  const char *msg);
struct lab_step_sink {
	int (*submit)(void *arg, const char *line, lab_step_reply_fn reply, void *reply_arg);
	void (*cancel)(void *arg, void *reply_arg);
	void *arg;
};

struct lab {
	struct event_base *base;
	struct sgp_clock *clock;
	char *workdir;		/* private folder of this run, removed at the end */
	bool keep_workdir;
	char curve[8];		/* "nist" or "brp" */
	unsigned devices;
	uint32_t roles;		/* LAB_ROLE_* bits declared by `lab roles=` */
	bool declared;		/* a `lab` line was seen */
	/* `lab eim=URL eim-id=ID`: the user's eIM replaces the simulated one
	 * (lab/steps_eim.c); empty: none */
	char eim_url[256];
	char eim_id[129];
	/* `lab ipa=HOST:PORT`: the user's IPA replaces the simulated one; its
	 * card reader listens there (device N's eUICC connects to PORT+N-1,
	 * lab/steps_external_ipa.c); empty: none */
	char ipa_host[64];
	uint16_t ipa_port;
	/* `lab smdp=HOST:PORT`: the user's SM-DP+ replaces the simulated one
	 * (its address in activation codes, lab/steps_smdp.c); empty: none */
	char smdp_addr[64];

	/* the lab's database: ":memory:" for a scenario run, DIR/lab.db for
	 * the sandbox; opened on first use (lab_store()) */
	struct sgp_store *store;

	/* per-area state, owned by the steps_<area>.c that created it */
	struct lab_pki *pki;
	struct lab_http *http;
	struct lab_euicc *euicc;
	struct lab_local_eim *local_eim;
	struct lab_rsp *rsp;
	struct lab_eim *eim;
	struct lab_devices *ipads;
	struct lab_ext_ipa *ext_ipa;
	/* the sandbox console takes steps from the operator API; NULL in `run` */
	const struct lab_step_sink *step_sink;
	struct lab_proxy *proxy;	/* the SM-DP+'s fault proxy (steps_fault.c) */
};

enum lab_role {
	LAB_ROLE_EUICC,
	LAB_ROLE_IPA,
	LAB_ROLE_EIM,
	LAB_ROLE_SMDP,
	LAB_ROLE_SMDS,
	LAB_ROLE_COUNT
};

struct lab *lab_new(struct event_base *base, bool simulated_clock, const char *workdir);
void lab_free(struct lab *lab);
const char *lab_role_name(enum lab_role role);
/* The lab's database, opened on first use; NULL with a message in err. */
struct sgp_store *lab_store(struct lab *lab, char *err, size_t errlen);

/* --- steps --- */

enum step_result {
	STEP_OK,
	STEP_FAIL,
	STEP_PENDING,	/* finishes later through step_done() */
};

struct step_ctx;

struct step_def {
	const char *keyword;	/* first word: "pki", "expect", "wait", ... */
	const char *object;	/* second word, or NULL when the step has none */
	const char *usage;	/* e.g. "pki verify cert=NAME role=ROLE [result=REASON]" */
	const char *help;	/* one sentence */
	/* Check the arguments when the file is loaded (may be NULL). */
	int (*check)(const struct scn_step *st, char *err, size_t errlen);
	enum step_result (*run)(struct lab *lab, const struct scn_step *st,
				struct step_ctx *ctx);
};

/* Why a step failed, or a note on success (printed after the step). */
void step_msg(struct step_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Complete a STEP_PENDING step. */
void step_done(struct step_ctx *ctx, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The registry (lab/steps.c): every step the runner knows, area by area. */
const struct step_def *step_lookup(const struct scn_step *st);
void step_registry_print(FILE *out);
/* Let every area free what it set up in this lab. */
void step_tables_teardown(struct lab *lab);

/* Each area lists its steps (lab/steps_*.c). */
struct step_table {
	const struct step_def *defs;
	size_t count;
	void (*teardown)(struct lab *lab);	/* frees the area's state */
};
extern const struct step_table steps_builtin;
extern const struct step_table steps_pki;
extern const struct step_table steps_decode;
extern const struct step_table steps_http;
extern const struct step_table steps_euicc;
extern const struct step_table steps_card;
extern const struct step_table steps_local_eim;
extern const struct step_table steps_smdp;
extern const struct step_table steps_ipa;
extern const struct step_table steps_eim;
extern const struct step_table steps_eim_ops;
extern const struct step_table steps_endpoints;
extern const struct step_table steps_device;
extern const struct step_table steps_external_ipa;
extern const struct step_table steps_fault;

/* Shared argument helpers for step implementations. */
int step_check_keys(const struct scn_step *st, int first, const char *const *keys,
		    char *err, size_t errlen);
int step_parse_uint(const char *text, unsigned max, unsigned *out);
/* Judge a DER message by the step's as=TYPE, type=NAME, contains=TEXT...
 * and result=ok|error words (lab/steps_decode.c). */
enum step_result step_expect_der(const struct scn_step *st, const uint8_t *der, size_t len,
				 struct step_ctx *ctx);
/* "HOST:PORT" or "[V6]:PORT" (port 0 too): 0, or -1 when it is neither or
 * HOST does not fit hostlen (lab/steps_builtin.c). */
int lab_parse_hostport(const char *arg, char *host, size_t hostlen, uint16_t *port);
/* "@N": device number N (1-based); -1 if the word is no device reference. */
int step_device(const char *word, unsigned max);
/* A UTC time "2026-01-01T00:10:00Z" as seconds since the epoch. */
int step_parse_utc(const char *text, time_t *out);

#endif
