/* sgp32lab: scenario steps over the eIM operator API — POST /api/v1/steps
 * with {"step": "ipa @1 poll"} runs the step in the sandbox, in turn with
 * the console's lines, and answers when it is over:
 *
 *   200 {"ok": true,  "step": "...", "message": "..."}   it ran and passed
 *   422 {"ok": false, "step": "...", "message": "..."}   it ran and failed
 *   400 {"error": "..."}   no JSON object with one string member "step",
 *                          an unknown step, wrong arguments, `quit`
 *   503 {"error": "..."}   no console takes steps (`sgp32lab run`), or the
 *                          sandbox stopped before the step ran
 *
 * A client that goes away before the answer (or whose request times out:
 * the server then answers 503) leaves a step that already started running,
 * without an answer; a step still queued is dropped and never runs.  See
 * doc/eim-api.md. */
#include "lab/api_steps.h"
#include "lab/lab.h"
#include "core/http/http.h"
#include "lab/scenario.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* One request's step, from submit to its answer or its client's going
 * away (whichever comes first frees it). */
struct api_step {
	struct http_request *req;
	const struct lab_step_sink *sink;	/* the queue it joined */
	char *line;
};

static void reply_json(struct http_request *req, int status, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	if (text)
		http_request_reply(req, status, "application/json", NULL, (const uint8_t *)text,
				   strlen(text));
	else
		http_request_reply(req, 500, "application/json", NULL,
				   (const uint8_t *)"{\"error\":\"out of memory\"}", 25);
	free(text);
	json_decref(j);
}

static void reply_error(struct http_request *req, int status, const char *msg)
{
	reply_json(req, status, json_pack("{s:s}", "error", msg));
}

static void step_free(struct api_step *x)
{
	free(x->line);
	free(x);
}

static void step_reply(void *arg, enum lab_step_outcome outcome, const char *msg)
{
	struct api_step *x = arg;

	http_request_set_abort_cb(x->req, NULL, NULL);
	if (outcome == LAB_STEP_REFUSED || outcome == LAB_STEP_UNAVAILABLE)
		reply_error(x->req, outcome == LAB_STEP_REFUSED ? 400 : 503, msg);
	else
		reply_json(x->req, outcome == LAB_STEP_OK ? 200 : 422,
			   json_pack("{s:b,s:s,s:s}", "ok", outcome == LAB_STEP_OK,
				     "step", x->line, "message", msg));
	step_free(x);
}

/* The request is dead (client gone, request timeout, server freed): the
 * console drops the step if it is still queued, else forgets to answer. */
static void step_abort(struct http_request *req, void *arg)
{
	struct api_step *x = arg;

	(void)req;
	x->sink->cancel(x->sink->arg, x);
	step_free(x);
}

static void post_step(struct http_request *req, void *arg)
{
	struct lab *lab = arg;
	const struct lab_step_sink *sink = lab->step_sink;
	const uint8_t *body;
	size_t len;
	json_error_t jerr;
	json_t *j, *step;
	struct api_step *x;
	const char *line;

	if (!sink) {
		reply_error(req, 503, "no console takes steps here");
		return;
	}
	body = http_request_body(req, &len);
	if (len > SCN_MAX_LINE + 64) {
		reply_error(req, 400, "body too large for one step");
		return;
	}
	j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
	step = j ? json_object_get(j, "step") : NULL;
	if (!json_is_object(j) || json_object_size(j) != 1 || !json_is_string(step)) {
		json_decref(j);
		reply_error(req, 400, "the body is a JSON object with one member, \"step\": a string");
		return;
	}
	line = json_string_value(step);
	if (strlen(line) != json_string_length(step) || strpbrk(line, "\r\n")) {
		json_decref(j);
		reply_error(req, 400, "a step is one line of text");
		return;
	}
	x = calloc(1, sizeof(*x));
	if (!x || !(x->line = strdup(line))) {
		free(x);
		json_decref(j);
		reply_error(req, 500, "out of memory");
		return;
	}
	json_decref(j);
	x->req = req;
	x->sink = sink;
	http_request_set_abort_cb(req, step_abort, x);
	if (sink->submit(sink->arg, x->line, step_reply, x) < 0) {
		http_request_set_abort_cb(req, NULL, NULL);
		step_free(x);
		reply_error(req, 503, "the console does not take steps now");
	}
}

int lab_api_steps_attach(struct lab *lab, struct http_server *srv)
{
	return http_server_add_route(srv, LAB_API_STEPS_PATH, false, post_step, lab);
}
