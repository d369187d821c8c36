/* recover.c - finding runs whose baton process died (SIGKILL, power
 * loss) and accounting for them. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "proc.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/timeutil.h"

static bool owner_alive(const struct run_rec *r)
{
	if (r->pid <= 0)
		return false;
	if (r->pid == getpid())
		return true;
	if (kill(r->pid, 0) < 0 && errno == ESRCH)
		return false;
	return proc_start_time(r->pid) == r->pid_start;
}

static void recover_steps(struct store *s, const struct run_rec *r)
{
	struct step_rec *steps = NULL;
	size_t n = 0;

	if (store_steps_list(s, r->id, &steps, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct step_rec *st = &steps[i];

		if (step_status_final(st->status))
			continue;
		st->status = STEP_CANCELLED;
		st->pgid = 0;
		if (!st->finished_at)
			st->finished_at = time_wall_ms();
		free(st->error);
		st->error = xasprintf("interrupted: baton (pid %d) stopped "
				      "before the step finished",
				      r->pid);
		store_step_put(s, st);
	}
	step_recs_free(steps, n);
}

static int recover_status(struct store *s, enum run_status status,
			  struct buf *notes)
{
	struct run_filter f = {.status = (int)status};
	struct run_rec *runs = NULL;
	size_t n = 0;
	int count = 0;

	if (store_runs_list(s, &f, &runs, &n) < 0)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		struct run_rec *r = &runs[i];
		int killed;

		if (owner_alive(r))
			continue;
		killed = proc_kill_tagged("BATON_RUN_ID", r->id);
		if (!r->parent_run)
			killed += proc_kill_tagged("BATON_ROOT_RUN", r->id);
		store_begin(s);
		recover_steps(s, r);
		r->status = RUN_INTERRUPTED;
		r->finished_at = time_wall_ms();
		r->exit_code = 130;
		free(r->error);
		r->error = xasprintf("baton (pid %d) was stopped while the run "
				     "was in progress",
				     r->pid);
		store_run_put(s, r);
		store_commit(s);
		buf_addf(notes, "run %s (%s) was interrupted: marked "
			 "interrupted%s\n",
			 r->id, r->pipeline,
			 killed ? ", leftover processes killed" : "");
		count++;
	}
	run_recs_free(runs, n);
	return count;
}

int engine_recover(struct store *s, char **notes)
{
	struct buf b;
	int a, q;

	buf_init(&b, 0);
	/* A second pass catches sub-pipeline runs whose baton the first
	 * pass had to kill. */
	a = recover_status(s, RUN_RUNNING, &b);
	if (a > 0) {
		int again = recover_status(s, RUN_RUNNING, &b);

		a = again < 0 ? again : a + again;
	}
	q = recover_status(s, RUN_QUEUED, &b);
	if (notes)
		*notes = b.len ? buf_detach(&b) : NULL;
	buf_release(&b);
	if (a < 0 || q < 0)
		return -EIO;
	return a + q;
}
