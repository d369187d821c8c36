/* server.h - `baton serve`: the REST API, the live event stream and the
 * embedded web UI over libmicrohttpd.
 *
 * A server drives one engine (keep_running mode) that the caller runs
 * on its own thread with engine_wait(); HTTP requests are handled on
 * libmicrohttpd's threads.  Writes to runs go through engine_call();
 * reads go straight to the store, one connection per HTTP thread.
 * docs/api.md describes every endpoint.
 */
#ifndef BATON_SERVER_H
#define BATON_SERVER_H

#include <stdbool.h>
#include <stdint.h>

struct engine_listener;
struct error;
struct server;
struct project;
struct tenants;

struct server_config {
	const char *listen;		/* "HOST:PORT"; port 0 = any free */
	const char *project_dir;	/* for reloads */
	const char *tenants_file;	/* for reloads, or NULL */
	bool tenants_required;		/* --tenants given */
	const char *store_location;	/* each HTTP thread opens its own */
	const char *port_file;		/* write the bound port here, or NULL */
	const char *jobs_file;		/* --jobs / BATON_JOBS, or NULL for
					 * the project's batch_config.json,
					 * else jobs.yaml, if there is one */
	bool scheduler;			/* fire schedules (src/scheduler/) */
	int max_runs;			/* the engine's: scheduled runs wait
					 * by priority beyond it (0 = none) */
	int64_t clock_offset_ms;	/* the scheduler's clock offset */
};

/* Creates a server around the project and tenants already loaded (it
 * takes ownership of both; t may be NULL), loading the jobs file.  Call
 * server_listener() to fill the engine's listener before engine_new(),
 * then server_start().  Returns NULL with err set when the token
 * settings or the jobs file are invalid. */
struct server *server_new(const struct server_config *cfg,
			  struct project *p, struct tenants *t,
			  struct error *err);
/* Sets l so that engine events reach the server's event stream,
 * metrics and batches. */
void server_listener(struct server *s, struct engine_listener *l);
/* Binds and starts serving requests for engine e, whose store is
 * engine_store (engine thread only), and starts the scheduler when
 * cfg.scheduler is set.  Returns 0, or a negative code with err set
 * (refusing a non-loopback address without tokens, a port in use...). */
struct engine;
struct store;
int server_start(struct server *s, struct engine *e,
		 struct store *engine_store, struct error *err);
/* The port bound by server_start(). */
int server_port(const struct server *s);
/* Stops the scheduler, closes every stream and stops serving; call it
 * once the engine has stopped.  Then server_free(). */
void server_stop(struct server *s);
void server_free(struct server *s);

#endif
