/* server_int.h - what the server's files share: the server itself,
 * project generations, requests, replies and the route table.
 * Private to src/server/. */
#ifndef BATON_SERVER_INT_H
#define BATON_SERVER_INT_H

#include <jansson.h>
#include "mhd_dl.h"
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

struct auth;
struct diags;
struct hub;
struct jobs;
struct scheduler;
struct pipeline;
struct store;
struct tenant;

/* Request bodies larger than this are refused with 413. */
#define SERVER_BODY_MAX (1 << 20)

/* One loaded version of the project, tenants and tokens.  Requests and
 * runs hold references; a reload installs a new generation and the old
 * one is freed when its last reference goes. */
struct gen {
	int refs;			/* guarded by server.gen_lock */
	struct project *p;
	struct tenants *t;		/* NULL when there is no tenants file */
	struct jobs *js;		/* NULL when there is no jobs file */
	struct auth *auth;
	json_t *broken;			/* {pipeline id: [messages]} */
	struct gen *next;		/* server.gens list */
};

enum role { ROLE_NONE, ROLE_VIEWER, ROLE_OPERATOR };

#define HIST_NB 12
struct hist {
	const double *bounds;		/* HIST_NB upper bounds, seconds */
	uint64_t counts[HIST_NB + 1];	/* last: +Inf */
	double sum;
	uint64_t n;
};

struct metrics {
	pthread_mutex_t lock;
	uint64_t runs[8];		/* by enum run_status */
	uint64_t steps[8];		/* by enum step_status */
	struct hist run_h;
	struct hist step_h;
};

struct api_batch;

struct server {
	struct server_config cfg;	/* strings owned */
	struct engine *engine;
	struct store *estore;		/* the engine's: engine thread only */
	struct MHD_Daemon *mhd;
	int port;
	pthread_mutex_t gen_lock;
	struct gen *gen;		/* current */
	struct gen *gens;		/* every generation still referenced */
	char *reload_error;		/* why the last reload was refused */
	uint64_t files_sig;		/* of the files the current gen read */
	struct hub *hub;
	struct metrics m;
	pthread_t ticker;
	bool ticker_started;
	pthread_mutex_t tick_lock;
	pthread_cond_t tick_cond;
	bool stopping;
	pthread_key_t store_key;
	struct api_batch *batches;	/* engine thread only */
	struct scheduler *sched;	/* NULL without cfg.scheduler */
};

/* One HTTP request being answered. */
struct req {
	struct server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	const char *param[4];		/* {} segments of the route, in order */
	const char *body;		/* NUL-terminated, or NULL */
	size_t body_len;
	struct gen *gen;		/* referenced for the request */
	const char *who;		/* token name, or "local" */
};

typedef enum MHD_Result (*route_fn)(struct req *rq);

struct route {
	const char *method;
	const char *pattern;		/* "/api/v1/runs/{}/stop" */
	route_fn fn;
};

/* Route groups, one file each. */
extern const struct route routes_pipelines[], routes_runs[],
	routes_batches[], routes_misc[], routes_schedules[];

/* reply.c: replies.  Every reply_* queues a response and returns
 * MHD's result.  reply_json takes ownership of j. */
enum MHD_Result reply_json(struct req *rq, unsigned status, json_t *j);
enum MHD_Result reply_error(struct req *rq, unsigned status,
			    const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A store failure: -ENOENT is 404, -EEXIST (ambiguous prefix) 400,
 * anything else 500. */
enum MHD_Result reply_store_error(struct req *rq, int rc, const char *msg);
enum MHD_Result reply_text(struct req *rq, unsigned status,
			   const char *mime, char *data, size_t len);
/* Adds CORS headers when the origin is allowed; queues resp. */
enum MHD_Result reply_queue(struct req *rq, unsigned status,
			    struct MHD_Response *resp);
/* A query string argument, or NULL. */
const char *req_query(struct req *rq, const char *key);
/* The body parsed as a JSON object; NULL after replying 400. */
json_t *req_json(struct req *rq, enum MHD_Result *ret);
/* This thread's store connection (opened on first use), or NULL. */
struct store *req_store(struct req *rq);
struct store *server_store(struct server *srv);
/* JSON helpers: a string or null; epoch ms as RFC 3339 UTC or null. */
json_t *jstr(const char *s);
json_t *jtime(int64_t ms);

/* gen.c: generations. */
struct gen *server_gen(struct server *s);	/* referenced */
/* One more reference on g, which the caller holds already. */
void server_gen_ref(struct server *s, struct gen *g);
void server_gen_put(struct server *s, struct gen *g);
/* Finds the generation holding pipeline p and drops one reference. */
void server_gen_put_pipeline(struct server *s, const struct pipeline *p);
/* reload.c: loads a generation; NULL with *why set (caller frees). */
struct gen *gen_load(const struct server_config *cfg, char **why);
struct gen *gen_wrap(struct project *p, struct tenants *t, struct jobs *js,
		     struct diags *d, char **why);
/* Loads the jobs file cfg names, or the project's default one, into
 * *out (NULL when there is none).  Returns 0, or -1 with *why set
 * (caller frees). */
int gen_load_jobs(const struct server_config *cfg, const struct project *p,
		  struct jobs **out, char **why);
void gen_free(struct gen *g);
/* A signature of every file a generation reads (mtimes, sizes). */
uint64_t gen_files_sig(const struct server_config *cfg);
/* gen.c: reloads when the files changed; logs a refused change. */
void server_maybe_reload(struct server *s);

/* auth.c */
/* Reads tokens and cors from ROOT/baton.yaml and BATON_TOKENS.
 * Returns 0 and sets *out (caller frees with auth_free()), or -1 with
 * errors added to d. */
int auth_load(const char *root, struct auth **out, struct diags *d);
void auth_free(struct auth *a);
bool auth_has_tokens(const struct auth *a);
/* The role of bearer token tok (constant-time compares), and its name
 * in *name (borrowed from a).  ROLE_NONE when unknown. */
enum role auth_check(const struct auth *a, const char *tok,
		     const char **name);
/* True when origin may make cross-origin requests. */
bool auth_cors_allowed(const struct auth *a, const char *origin);

/* events.c: the live event hub. */
struct hub *hub_new(size_t cap);
void hub_free(struct hub *h);
/* Publishes an event; takes ownership of data.  Any thread. */
void hub_publish(struct hub *h, const char *kind, json_t *data);
/* Answers GET /api/v1/events. */
enum MHD_Result hub_serve(struct hub *h, struct req *rq);
/* Ends every stream (shutdown). */
void hub_close(struct hub *h);
/* Wakes log followers, and SSE streams due for a heartbeat. */
void hub_tick(struct hub *h);
size_t hub_nclients(struct hub *h);

/* A suspended connection waiting for news (SSE or a followed log). */
struct waiter {
	struct MHD_Connection *conn;
	bool suspended;
	bool is_log;
	int64_t last_write;		/* mono ms */
	struct waiter *prev, *next;
};
void hub_add_waiter(struct hub *h, struct waiter *w);
void hub_remove_waiter(struct hub *h, struct waiter *w);
/* From a content reader with nothing to send: suspends w's connection
 * until the next event or tick.  Returns -1 when the hub is closing. */
int hub_park(struct hub *h, struct waiter *w);

/* routes_batches.c: engine-thread hooks for API batches. */
struct run;
struct event;
void batches_on_event(struct server *s, const struct run *r,
		      const struct event *ev);
void batches_on_tick(struct server *s);
void batches_free(struct server *s);

/* routes_runs.c: a run spec for pipeline and tenant, with the tenant's
 * context and secrets; used by runs and batches. */
struct run_spec;
struct kv;
void spec_for_tenant(struct run_spec *spec, const struct tenant *t,
		     json_t **ctx, const char ***secrets);
/* params from a JSON object of strings/numbers/bools; NULL + *bad set
 * to the offending key when a value is not a scalar. */
struct kv *params_from_json(json_t *o, size_t *n, const char **bad);
void params_free(struct kv *v, size_t n);
/* Commits what an engine call wrote so that readers see it at once. */
void engine_store_flush(struct server *s);

#endif
