/* sgp32lab: table-driven finite state machines */
#include "core/fsm.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fsm_timer_expired(void *arg);
static void fsm_free(struct sgp_fsm_inst *fi);

int sgp_fsm_validate(const struct sgp_fsm *fsm)
{
	uint32_t reached = SGP_FSM_BIT(0);
	int rc = SGP_OK;

	if (fsm->num_states == 0 || fsm->num_states > 32 || fsm->num_events > 32) {
		LOGP(DFSM, LOGL_ERROR, "%s: %u states / %u events: 1..32 supported",
		     fsm->name, fsm->num_states, fsm->num_events);
		return SGP_ERR_INVAL;
	}
	for (unsigned i = 0; i < fsm->num_states; i++) {
		const struct sgp_fsm_state *st = &fsm->states[i];
		if (!st->name) {
			LOGP(DFSM, LOGL_ERROR, "%s: state %u has no name", fsm->name, i);
			rc = SGP_ERR_INVAL;
			continue;
		}
		if (fsm->num_states < 32 && (st->out_state_mask >> fsm->num_states)) {
			LOGP(DFSM, LOGL_ERROR, "%s: state %s leads to an unknown state",
			     fsm->name, st->name);
			rc = SGP_ERR_INVAL;
		}
		if (fsm->num_events < 32 && (st->in_event_mask >> fsm->num_events)) {
			LOGP(DFSM, LOGL_ERROR, "%s: state %s accepts an unknown event",
			     fsm->name, st->name);
			rc = SGP_ERR_INVAL;
		}
		if (st->in_event_mask && !st->action) {
			LOGP(DFSM, LOGL_ERROR, "%s: state %s accepts events but has no action",
			     fsm->name, st->name);
			rc = SGP_ERR_INVAL;
		}
	}
	/* every state must be reachable from the initial state 0 */
	for (unsigned pass = 0; pass < fsm->num_states; pass++)
		for (unsigned i = 0; i < fsm->num_states; i++)
			if (reached & SGP_FSM_BIT(i))
				reached |= fsm->states[i].out_state_mask;
	for (unsigned i = 0; i < fsm->num_states; i++) {
		if (!(reached & SGP_FSM_BIT(i))) {
			LOGP(DFSM, LOGL_ERROR, "%s: state %s is unreachable", fsm->name,
			     fsm->states[i].name ? fsm->states[i].name : "?");
			rc = SGP_ERR_INVAL;
		}
	}
	return rc;
}

struct sgp_fsm_inst *sgp_fsm_inst_alloc(const struct sgp_fsm *fsm,
					struct sgp_clock *clock,
					const char *id, void *priv)
{
	struct sgp_fsm_inst *fi = calloc(1, sizeof(*fi));

	if (!fi)
		return NULL;
	fi->fsm = fsm;
	fi->priv = priv;
	snprintf(fi->id, sizeof(fi->id), "%s", id ? id : "0");
	sgp_timer_init(&fi->timer, clock, fsm_timer_expired, fi);
	LOGPFSM(fi, LOGL_DEBUG, "allocated");
	return fi;
}

const char *sgp_fsm_state_name(const struct sgp_fsm_inst *fi)
{
	return fi->state < fi->fsm->num_states ? fi->fsm->states[fi->state].name : "?";
}

const char *sgp_fsm_event_name(const struct sgp_fsm *fsm, uint32_t event)
{
	if (fsm->event_names && event < fsm->num_events && fsm->event_names[event])
		return fsm->event_names[event];
	return "?";
}

void sgp_fsm_log(const struct sgp_fsm_inst *fi, enum log_level level,
		 const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_printf(fi->fsm->log_cat, level, "%s(%s){%s}: %s", fi->fsm->name, fi->id,
		   sgp_fsm_state_name(fi), msg);
}

int sgp_fsm_dispatch(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	const struct sgp_fsm_state *st = &fi->fsm->states[fi->state];

	if (fi->terminating) {
		LOGPFSM(fi, LOGL_ERROR, "event %s after termination",
			sgp_fsm_event_name(fi->fsm, event));
		return SGP_ERR_STATE;
	}
	if (event >= 32 || !(st->in_event_mask & SGP_FSM_BIT(event))) {
		LOGPFSM(fi, LOGL_ERROR, "event %s not permitted",
			sgp_fsm_event_name(fi->fsm, event));
		return SGP_ERR_STATE;
	}
	LOGPFSM(fi, LOGL_DEBUG, "received event %s", sgp_fsm_event_name(fi->fsm, event));
	fi->dispatch_depth++;
	st->action(fi, event, data);
	fi->dispatch_depth--;
	if (fi->dispatch_depth == 0 && fi->free_pending)
		fsm_free(fi);
	return SGP_OK;
}

int sgp_fsm_state_chg(struct sgp_fsm_inst *fi, uint32_t new_state,
		      uint64_t timeout_ms, int T)
{
	const struct sgp_fsm *fsm = fi->fsm;
	uint32_t old = fi->state;

	if (new_state >= fsm->num_states ||
	    !(fsm->states[old].out_state_mask & SGP_FSM_BIT(new_state))) {
		LOGPFSM(fi, LOGL_ERROR, "transition to state %s not permitted",
			new_state < fsm->num_states ? fsm->states[new_state].name : "?");
		return SGP_ERR_STATE;
	}
	sgp_timer_cancel(&fi->timer);
	fi->T = 0;
	if (fsm->states[old].onleave)
		fsm->states[old].onleave(fi, new_state);
	fi->state = new_state;
	LOGPFSM(fi, LOGL_DEBUG, "state %s -> %s", fsm->states[old].name,
		fsm->states[new_state].name);
	if (timeout_ms) {
		int rc = sgp_timer_schedule(&fi->timer, timeout_ms);
		if (rc < 0)
			return rc;
		fi->T = T;
	}
	if (fsm->states[new_state].onenter)
		fsm->states[new_state].onenter(fi, old);
	return SGP_OK;
}

static void fsm_free(struct sgp_fsm_inst *fi)
{
	LOGPFSM(fi, LOGL_DEBUG, "freed");
	free(fi);
}

void sgp_fsm_term(struct sgp_fsm_inst *fi, enum sgp_fsm_term_cause cause)
{
	if (fi->terminating)
		return;
	fi->terminating = true;
	sgp_timer_cancel(&fi->timer);
	LOGPFSM(fi, cause == SGP_FSM_TERM_REGULAR ? LOGL_DEBUG : LOGL_INFO,
		"terminating (%s)",
		cause == SGP_FSM_TERM_REGULAR ? "regular" :
		cause == SGP_FSM_TERM_ERROR ? "error" :
		cause == SGP_FSM_TERM_TIMEOUT ? "timeout" : "request");
	if (fi->fsm->cleanup)
		fi->fsm->cleanup(fi, cause);
	if (fi->dispatch_depth > 0)
		fi->free_pending = true;
	else
		fsm_free(fi);
}

static void fsm_timer_expired(void *arg)
{
	struct sgp_fsm_inst *fi = arg;
	int T = fi->T;
	bool term = true;

	LOGPFSM(fi, LOGL_INFO, "timeout of T%d", T);
	fi->T = 0;
	fi->dispatch_depth++;
	if (fi->fsm->timer_cb)
		term = fi->fsm->timer_cb(fi, T);
	fi->dispatch_depth--;
	if (fi->free_pending)		/* timer_cb terminated it itself */
		fsm_free(fi);
	else if (term)
		sgp_fsm_term(fi, SGP_FSM_TERM_TIMEOUT);
}
