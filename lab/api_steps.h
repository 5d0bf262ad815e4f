/* sgp32lab: scenario steps over the eIM operator API (lab/api_steps.c) */
#ifndef SGP_LAB_API_STEPS_H
#define SGP_LAB_API_STEPS_H

struct lab;
struct http_server;

#define LAB_API_STEPS_PATH "/api/v1/steps"

/* Serve POST /api/v1/steps on srv (the operator API's server): steps go to
 * lab->step_sink, read when a request comes.  0 or a negative sgp_err. */
int lab_api_steps_attach(struct lab *lab, struct http_server *srv);

#endif
