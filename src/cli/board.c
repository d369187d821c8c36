#include "board.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "pipeline/pipeline.h"
#include "util/alloc.h"
#include "util/timeutil.h"

struct board {
	FILE *out;
	bool live;
	bool quiet;
	const struct run **runs;
	size_t nruns;
	size_t cap;
	int drawn;		/* lines drawn by the last redraw */
	bool dirty;
	unsigned frame;
};

static const char *const icons[] = {
	[STEP_PENDING] = "\033[2m·\033[0m",
	[STEP_RUNNING] = "\033[36m▶\033[0m",
	[STEP_RETRYING] = "\033[33m↻\033[0m",
	[STEP_SUCCEEDED] = "\033[32m✔\033[0m",
	[STEP_FAILED] = "\033[31m✘\033[0m",
	[STEP_SKIPPED] = "\033[2m–\033[0m",
	[STEP_CANCELLED] = "\033[35m⊘\033[0m",
};

struct board *board_new(FILE *out, bool live, bool quiet)
{
	struct board *b = xcalloc(1, sizeof(*b));

	b->out = out;
	b->live = live;
	b->quiet = quiet;
	return b;
}

void board_free(struct board *b)
{
	if (!b)
		return;
	free(b->runs);
	free(b);
}

static void stamp(struct board *b)
{
	char ts[16];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	fprintf(b->out, "%s ", ts);
}

static void plain_event(struct board *b, const struct run *r,
			const struct event *ev)
{
	const struct pipeline *p = run_pipeline(r);
	const struct step_state *s = ev->step >= 0 ? run_step(r, (size_t)ev->step)
						   : NULL;
	const char *name = s ? p->steps[ev->step].name : NULL;
	char d[32];

	stamp(b);
	if (run_tenant(r))
		fprintf(b->out, "[%s] ", run_tenant(r));
	switch (ev->type) {
	case EV_RUN_START:
		fprintf(b->out, "run %s started: pipeline %s\n", run_id(r),
			p->id);
		break;
	case EV_STEP_START:
		fprintf(b->out, "step %s started", name);
		if (p->steps[ev->step].retry.max_attempts > 1)
			fprintf(b->out, " (attempt %d/%d)", s->attempt,
				p->steps[ev->step].retry.max_attempts);
		fputc('\n', b->out);
		break;
	case EV_STEP_RETRY:
		duration_format(d, sizeof(d), ev->delay_ms);
		fprintf(b->out, "step %s attempt %d failed: %s; retrying in %s\n",
			name, s->attempt, ev->error ? ev->error : "", d);
		break;
	case EV_STEP_END:
		duration_format(d, sizeof(d), s->elapsed_ms);
		fprintf(b->out, "step %s %s", name, step_status_name(s->status));
		if (s->status == STEP_SUCCEEDED || s->status == STEP_FAILED)
			fprintf(b->out, " in %s", d);
		if (ev->error && s->status != STEP_SUCCEEDED)
			fprintf(b->out, ": %s", ev->error);
		fputc('\n', b->out);
		break;
	case EV_RUN_END:
		duration_format(d, sizeof(d), run_elapsed_ms(r));
		fprintf(b->out, "run %s %s in %s%s%s\n", run_id(r),
			run_status_name(run_status(r)), d,
			ev->error ? ": " : "", ev->error ? ev->error : "");
		break;
	}
}

static int term_rows(void)
{
	struct winsize ws;

	if (ioctl(fileno(stdout), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 4)
		return ws.ws_row;
	return 24;
}

static bool worth_showing(const struct step_state *s, bool crowded)
{
	if (!s->included)
		return false;
	if (!crowded)
		return true;
	return s->status == STEP_RUNNING || s->status == STEP_RETRYING ||
	       s->status == STEP_FAILED;
}

static void draw_step(struct board *b, const struct pipeline *p, size_t i,
		      const struct step_state *s)
{
	char d[32] = "";
	int64_t ms = s->status == STEP_RUNNING
			     ? time_mono_ms() - s->started_mono
			     : s->elapsed_ms;

	if (s->status != STEP_PENDING && s->status != STEP_SKIPPED && !s->reused)
		duration_format(d, sizeof(d), ms);
	fprintf(b->out, "\033[K  %s %-24s %-10s", icons[s->status],
		p->steps[i].name, s->reused ? "reused" : step_status_name(s->status));
	if (p->steps[i].retry.max_attempts > 1 && s->attempt)
		fprintf(b->out, " attempt %d/%d", s->attempt,
			p->steps[i].retry.max_attempts);
	fprintf(b->out, " %s\n", d);
}

static int draw_run(struct board *b, const struct run *r, int budget)
{
	const struct pipeline *p = run_pipeline(r);
	size_t n = run_nsteps(r), done = 0, total = 0, shown = 0;
	int lines = 1;
	bool crowded;
	char d[32];

	for (size_t i = 0; i < n; i++) {
		const struct step_state *s = run_step(r, i);

		total += s->included;
		done += s->included && step_status_final(s->status);
	}
	crowded = (int)total + 1 > budget;
	duration_format(d, sizeof(d), run_elapsed_ms(r));
	fprintf(b->out, "\033[K\033[1m%s\033[0m  %s  %zu/%zu done  %s\n", p->id,
		run_id(r), done, total, d);
	for (size_t i = 0; i < n && lines < budget - 1; i++) {
		const struct step_state *s = run_step(r, i);

		if (!worth_showing(s, crowded))
			continue;
		draw_step(b, p, i, s);
		lines++;
		shown++;
	}
	if (shown < total) {
		fprintf(b->out, "\033[K  \033[2m… %zu more steps\033[0m\n",
			total - shown);
		lines++;
	}
	return lines;
}

/* The step a running run is busy with, or NULL. */
static const char *current_step(const struct run *r, int *attempt)
{
	for (size_t i = 0; i < run_nsteps(r); i++) {
		const struct step_state *s = run_step(r, i);

		if (s->status == STEP_RUNNING || s->status == STEP_RETRYING) {
			*attempt = s->attempt;
			return run_pipeline(r)->steps[i].name;
		}
	}
	return NULL;
}

static void draw_batch_run(struct board *b, const struct run *r)
{
	enum run_status st = run_status(r);
	const char *step;
	int attempt = 0;
	char d[32];

	duration_format(d, sizeof(d), run_elapsed_ms(r));
	fprintf(b->out, "\033[K  %s %-20s %-20s",
		st == RUN_RUNNING ? icons[STEP_RUNNING] : icons[STEP_FAILED],
		run_tenant(r) ? run_tenant(r) : "-", run_pipeline(r)->id);
	step = st == RUN_RUNNING ? current_step(r, &attempt) : NULL;
	if (step)
		fprintf(b->out, " %s (attempt %d) %s\n", step, attempt, d);
	else
		fprintf(b->out, " %s %s\n", run_status_name(st), d);
}

/* Many runs (a batch): counts, then what runs now, then failures. */
static int draw_batch(struct board *b, int budget)
{
	size_t done = 0, ok = 0, bad = 0, running = 0;
	int lines = 1;

	for (size_t i = 0; i < b->nruns; i++) {
		enum run_status st = run_status(b->runs[i]);

		running += st == RUN_RUNNING;
		if (!run_status_final(st))
			continue;
		done++;
		ok += st == RUN_SUCCEEDED;
		bad += st != RUN_SUCCEEDED;
	}
	fprintf(b->out, "\033[K\033[1mbatch\033[0m  %zu/%zu done  %s %zu  %s "
		"%zu  %s %zu running\n",
		done, b->nruns, icons[STEP_SUCCEEDED], ok, icons[STEP_FAILED],
		bad, icons[STEP_RUNNING], running);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = b->nruns; i-- > 0 && lines < budget;) {
			enum run_status st = run_status(b->runs[i]);

			if ((pass == 0 && st != RUN_RUNNING) ||
			    (pass == 1 && (st != RUN_FAILED &&
					   st != RUN_CANCELLED)))
				continue;
			draw_batch_run(b, b->runs[i]);
			lines++;
		}
	return lines;
}

static void redraw(struct board *b)
{
	int budget = term_rows() - 2, lines = 0;

	if (b->drawn)
		fprintf(b->out, "\033[%dF", b->drawn);
	if (b->nruns > 1)
		lines = draw_batch(b, budget);
	for (size_t i = 0; b->nruns == 1 && i < b->nruns && lines < budget;
	     i++)
		lines += draw_run(b, b->runs[i], budget - lines);
	fprintf(b->out, "\033[J");
	b->drawn = lines;
	b->dirty = false;
	fflush(b->out);
}

static void on_event(void *arg, const struct run *r, const struct event *ev)
{
	struct board *b = arg;

	if (b->quiet)
		return;
	if (ev->type == EV_RUN_START) {
		xgrow((void **)&b->runs, &b->cap, b->nruns + 1,
		      sizeof(*b->runs));
		b->runs[b->nruns++] = r;
	}
	if (!b->live) {
		plain_event(b, r, ev);
		return;
	}
	b->dirty = true;
	if (ev->type == EV_RUN_START || ev->type == EV_RUN_END)
		redraw(b);
}

static void on_tick(void *arg)
{
	struct board *b = arg;

	if (b->quiet)
		return;
	if (b->live)
		redraw(b);
	else
		fflush(b->out);
}

void board_listen(struct board *b, struct engine_listener *l)
{
	l->on_event = on_event;
	l->on_tick = on_tick;
	l->tick_ms = b->live ? 100 : 250;
	l->arg = b;
}

void board_finish(struct board *b)
{
	if (!b->quiet && b->live && b->nruns)
		redraw(b);
	fflush(b->out);
}
