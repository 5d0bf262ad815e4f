/* sgp32lab: table-driven finite state machines (in the manner of osmo_fsm).
 *
 * A procedure is described by a struct sgp_fsm: a table of states, each
 * naming the events it accepts and the states it may move to.  An event that
 * the current state does not accept is a protocol error: it is logged and
 * refused with SGP_ERR_STATE, never acted upon.  Each instance has one timer
 * on the lab clock; when it expires the fsm's timer_cb decides what happens
 * (typically: move to a failure state and terminate).
 *
 * Log lines of an instance carry the "name(id){STATE}: " prefix. */
#ifndef SGP_CORE_FSM_H
#define SGP_CORE_FSM_H

#include "core/clock.h"
#include "core/log.h"

#include <stdbool.h>
#include <stdint.h>

struct sgp_fsm_inst;

#define SGP_FSM_BIT(x) (UINT32_C(1) << (x))

struct sgp_fsm_state {
	const char *name;
	uint32_t in_event_mask;		/* events this state accepts */
	uint32_t out_state_mask;	/* states it may move to */
	/* Handles an accepted event; data is owned by the caller. */
	void (*action)(struct sgp_fsm_inst *fi, uint32_t event, void *data);
	void (*onenter)(struct sgp_fsm_inst *fi, uint32_t prev_state);
	void (*onleave)(struct sgp_fsm_inst *fi, uint32_t next_state);
};

enum sgp_fsm_term_cause {
	SGP_FSM_TERM_REGULAR,	/* the procedure completed */
	SGP_FSM_TERM_ERROR,	/* the procedure failed */
	SGP_FSM_TERM_TIMEOUT,	/* a timer expired */
	SGP_FSM_TERM_REQUEST,	/* the owner tore it down */
};

struct sgp_fsm {
	const char *name;
	enum log_cat log_cat;
	const struct sgp_fsm_state *states;
	unsigned num_states;
	const char *const *event_names;	/* indexed by event, may be NULL */
	unsigned num_events;
	/* Timer expiry in the current state; T is the number given to
	 * sgp_fsm_state_chg().  Return true to terminate with TIMEOUT. */
	bool (*timer_cb)(struct sgp_fsm_inst *fi, int T);
	/* Called once before the instance is freed. */
	void (*cleanup)(struct sgp_fsm_inst *fi, enum sgp_fsm_term_cause cause);
};

struct sgp_fsm_inst {
	const struct sgp_fsm *fsm;
	char id[48];
	uint32_t state;
	void *priv;			/* owned by the user of the instance */
	struct sgp_timer timer;
	int T;				/* number of the running timer, 0 if none */
	bool terminating;
	unsigned dispatch_depth;	/* free deferred while inside a dispatch */
	bool free_pending;
};

struct sgp_fsm_inst *sgp_fsm_inst_alloc(const struct sgp_fsm *fsm,
					struct sgp_clock *clock,
					const char *id, void *priv);
/* Check the table (every state reachable, masks within range); returns
 * SGP_OK or SGP_ERR_INVAL and logs what is wrong.  Tests call this. */
int sgp_fsm_validate(const struct sgp_fsm *fsm);

/* Deliver an event.  SGP_ERR_STATE if the current state does not accept it. */
int sgp_fsm_dispatch(struct sgp_fsm_inst *fi, uint32_t event, void *data);

/* Move to new_state; a non-zero timeout_ms arms timer T (T may be 0 too, as
 * a plain number); timeout_ms 0 stops the timer.  SGP_ERR_STATE if the
 * table does not permit the transition. */
int sgp_fsm_state_chg(struct sgp_fsm_inst *fi, uint32_t new_state,
		      uint64_t timeout_ms, int T);

/* Terminate: run cleanup and free the instance (deferred until the current
 * dispatch returns when called from inside an action). */
void sgp_fsm_term(struct sgp_fsm_inst *fi, enum sgp_fsm_term_cause cause);

const char *sgp_fsm_state_name(const struct sgp_fsm_inst *fi);
const char *sgp_fsm_event_name(const struct sgp_fsm *fsm, uint32_t event);

/* Log with the instance prefix: "name(id){STATE}: ..." */
void sgp_fsm_log(const struct sgp_fsm_inst *fi, enum log_level level,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define LOGPFSM(fi, level, ...) \
	do { if (log_enabled((fi)->fsm->log_cat, level)) sgp_fsm_log(fi, level, __VA_ARGS__); } while (0)

#endif
