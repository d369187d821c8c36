/* gen.c - the server's project generations: references held by
 * requests and runs, and reloading the project when its files change. */
#include "server_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "pipeline/project.h"
#include "scheduler/scheduler.h"
#include "util/buf.h"

struct gen *server_gen(struct server *s)
{
	struct gen *g;

	pthread_mutex_lock(&s->gen_lock);
	g = s->gen;
	g->refs++;
	pthread_mutex_unlock(&s->gen_lock);
	return g;
}

/* Unlinks and frees g once nothing refers to it.  gen_lock held. */
static void gen_put_locked(struct server *s, struct gen *g)
{
	if (--g->refs > 0)
		return;
	for (struct gen **pp = &s->gens; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	gen_free(g);
}

void server_gen_ref(struct server *s, struct gen *g)
{
	pthread_mutex_lock(&s->gen_lock);
	g->refs++;
	pthread_mutex_unlock(&s->gen_lock);
}

void server_gen_put(struct server *s, struct gen *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&s->gen_lock);
	gen_put_locked(s, g);
	pthread_mutex_unlock(&s->gen_lock);
}

void server_gen_put_pipeline(struct server *s, const struct pipeline *p)
{
	pthread_mutex_lock(&s->gen_lock);
	for (struct gen *g = s->gens; g; g = g->next)
		for (size_t i = 0; i < g->p->n; i++)
			if (g->p->pipelines[i] == p) {
				gen_put_locked(s, g);
				goto out;
			}
out:
	pthread_mutex_unlock(&s->gen_lock);
}

void server_maybe_reload(struct server *s)
{
	uint64_t sig = gen_files_sig(&s->cfg);
	struct gen *g, *old;
	char *why = NULL;

	if (sig == s->files_sig)
		return;
	s->files_sig = sig;
	g = gen_load(&s->cfg, &why);
	pthread_mutex_lock(&s->gen_lock);
	if (g) {
		/* A pipeline that worked and now has errors keeps its last
		 * good version: refuse the whole change. */
		const char *id;
		json_t *msgs, *m;
		size_t i;
		struct buf b;

		buf_init(&b, 1 << 16);
		json_object_foreach(g->broken, id, msgs) {
			if (!project_find(s->gen->p, id))
				continue;
			json_array_foreach(msgs, i, m)
				buf_addf(&b, "%s\n", json_string_value(m));
		}
		if (b.len) {
			gen_free(g);
			g = NULL;
			why = buf_detach(&b);
		}
		buf_release(&b);
	}
	free(s->reload_error);
	s->reload_error = why;
	if (g) {
		old = s->gen;
		g->refs = 1;
		g->next = s->gens;
		s->gens = g;
		s->gen = g;
		gen_put_locked(s, old);
	}
	pthread_mutex_unlock(&s->gen_lock);
	if (g && s->sched) {
		/* Tenants may have moved to other preferred times. */
		struct scheduler_world w = {g->p, g->t, g->js, g};

		scheduler_set_world(s->sched, &w);
	}
	if (g)
		fprintf(stderr, "baton serve: reloaded the project%s%s\n",
			g->t ? " and tenants" : "", g->js ? " and jobs" : "");
	else
		fprintf(stderr, "baton serve: the change was not loaded, "
				"the last good version stays in use:\n%s",
			why);
}
