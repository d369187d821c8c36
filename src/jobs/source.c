/* source.c - the raw items of a category: tenants, a file, a command. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobs.h"
#include "jobs_int.h"
#include "pipeline/project.h"
#include "tenant/tenant.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/timeutil.h"

extern char **environ;

/* A tenant's preferences for the job's feature: preferences.features.F,
 * else preferences.F, else the job's default_preferences.  Borrowed;
 * NULL when there are none. */
static json_t *feature_prefs(const struct tenant *t, const struct job *j)
{
	json_t *f = NULL;

	if (j->feature_type && t->preferences) {
		f = json_object_get(json_object_get(t->preferences,
						    "features"),
				    j->feature_type);
		if (!f)
			f = json_object_get(t->preferences, j->feature_type);
	}
	return f ? f : j->default_preferences;
}

/* The tenant as an item: its fields, then id, name, platform, tags and
 * (for a preference-based job) its preferences; never credentials.
 * New reference. */
static json_t *tenant_item(const struct tenant *t, const struct job *j)
{
	json_t *o = json_deep_copy(t->fields), *tags = json_array();
	json_t *prefs = j->preference_based ? feature_prefs(t, j) : NULL;

	for (size_t i = 0; i < t->ntags; i++)
		json_array_append_new(tags, json_string(t->tags[i]));
	json_object_set_new(o, "id", json_string(t->id));
	json_object_set_new(o, "name", json_string(t->name));
	json_object_set_new(o, "platform", t->platform
						   ? json_string(t->platform)
						   : json_null());
	json_object_set_new(o, "tags", tags);
	if (j->preference_based)
		json_object_set_new(o, "preferences",
				    prefs ? json_deep_copy(prefs)
					  : json_object());
	return o;
}

static void load_tenants(const struct tenants *t, const char *platform,
			 char *const *tags, size_t ntags, const struct job *j,
			 json_t *items, const struct tenant ***tv)
{
	size_t n = 0;

	*tv = xcalloc(t->n + 1, sizeof(**tv));
	for (size_t i = 0; i < t->n; i++) {
		const struct tenant *x = &t->v[i];

		if (!x->enabled ||
		    !tenant_matches(x, platform, (const char *const *)tags,
				    ntags))
			continue;
		json_array_append_new(items, tenant_item(x, j));
		(*tv)[n++] = x;
	}
}

/* Kills the command's process group and reaps it. */
static void reap(pid_t pid, bool kill_it, int *status)
{
	if (kill_it)
		kill(-pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* Drains fd into out until EOF, the cap or the deadline.  Returns 0,
 * -ETIMEDOUT or -EFBIG. */
static int drain(int fd, struct buf *out, int64_t deadline)
{
	char tmp[65536];

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - time_mono_ms();
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		int ready = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));

		if (ready < 0 && errno != EINTR)
			return -errno;
		if (ready <= 0)
			continue;
		n = read(fd, tmp, sizeof(tmp));
		if (n == 0)
			return 0;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n > 0)
			buf_add(out, tmp, (size_t)n);
		if (out->truncated)
			return -EFBIG;
	}
}

static int spawn_sh(const char *cmd, const char *cwd, int outfd, pid_t *pid)
{
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, outfd, 1);
	posix_spawn_file_actions_addchdir_np(&fa, cwd);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&dfl);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
						POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return -rc;
}

/* Runs the source's command in the project root and collects its
 * standard output (stderr goes where baton's goes). */
static int run_command(const struct source_setting *src, const char *cwd,
		       struct buf *out, struct error *err)
{
	int fds[2], status = 0, rc;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return error_set(err, -errno, "cannot create a pipe: %s",
				 strerror(errno));
	rc = spawn_sh(src->command, cwd, fds[1], &pid);
	close(fds[1]);
	if (rc < 0) {
		close(fds[0]);
		return error_set(err, rc, "source '%s': cannot run /bin/sh: "
				 "%s", src->name, strerror(-rc));
	}
	rc = drain(fds[0], out, time_mono_ms() + src->timeout_ms);
	close(fds[0]);
	reap(pid, rc < 0, &status);
	if (rc == -ETIMEDOUT)
		return error_set(err, rc, "source '%s': the command did not "
				 "finish within its timeout", src->name);
	if (rc < 0)
		return error_set(err, rc, "source '%s': reading the command's "
				 "output failed: %s", src->name,
				 rc == -EFBIG ? "more than 64 MiB"
					      : strerror(-rc));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return error_set(err, -EIO, "source '%s': the command %s %d",
				 src->name, WIFEXITED(status)
						    ? "exited with status"
						    : "was killed by signal",
				 WIFEXITED(status) ? WEXITSTATUS(status)
						   : WTERMSIG(status));
	return 0;
}

/* A whole JSON file: an array of items, or {"items": [...]}. */
static json_t *parse_json(const char *name, const char *text, size_t len,
			  struct error *err)
{
	json_error_t je;
	json_t *v = json_loadb(text, len, 0, &je), *items;

	if (!v) {
		error_set(err, -EINVAL, "%s:%d:%d: invalid JSON: %s", name,
			  je.line, je.column, je.text);
		return NULL;
	}
	if (json_is_array(v))
		return v;
	items = json_incref(json_object_get(v, "items"));
	json_decref(v);
	if (!json_is_array(items)) {
		json_decref(items);
		error_set(err, -EINVAL, "%s: expected a JSON array of items "
			  "(or an object with an \"items\" array)", name);
		return NULL;
	}
	return items;
}

static int check_objects(const char *name, const json_t *items,
			 struct error *err)
{
	size_t i;
	json_t *v;

	if (json_array_size(items) > JOB_SOURCE_MAX_ITEMS)
		return error_set(err, -EFBIG, "%s: more than %d items", name,
				 JOB_SOURCE_MAX_ITEMS);
	json_array_foreach(items, i, v)
		if (!json_is_object(v))
			return error_set(err, -EINVAL, "%s: item %zu is not a "
					 "JSON object", name, i + 1);
	return 0;
}

/* The items of a file or command source; NULL with err set. */
static json_t *load_data(const struct project *p,
			 const struct source_setting *src, struct error *err)
{
	const char *fmt = src->format ? src->format : "jsonl";
	const char *name = src->path ? src->path : src->name;
	json_t *items = NULL;
	struct buf b;
	int rc;

	buf_init(&b, JOB_SOURCE_MAX_BYTES);
	if (src->kind == SOURCE_COMMAND) {
		rc = run_command(src, p->root, &b, err);
	} else {
		rc = buf_read_file(&b, src->path);
		if (rc < 0)
			error_set(err, rc, "source '%s': cannot read %s: %s",
				  src->name, src->path, strerror(-rc));
		else if (b.truncated)
			rc = error_set(err, -EFBIG, "source '%s': %s is larger "
				       "than 64 MiB", src->name, src->path);
	}
	if (rc < 0)
		goto out;
	if (!strcmp(fmt, "json"))
		items = parse_json(name, b.data, b.len, err);
	else if (!strcmp(fmt, "csv"))
		items = job_csv_parse(name, b.data, b.len, err);
	else
		items = job_jsonl_parse(name, b.data, b.len, err);
	if (items && check_objects(name, items, err) < 0) {
		json_decref(items);
		items = NULL;
	}
out:
	buf_release(&b);
	return items;
}

int job_source_load(const struct project *p, const struct tenants *t,
		    const struct job *j, const char *name, json_t **items,
		    const struct tenant ***tenants,
		    const struct source_setting **src, struct error *err)
{
	const struct source_setting *s = project_source(p, name);
	json_t *v;

	*src = s;
	if (!s && !job_builtin_tenants(p, name))
		return error_set(err, -ENOENT, "unknown category '%s'", name);
	if (!s || s->kind == SOURCE_TENANTS) {
		if (!t)
			return error_set(err, -ENOENT, "category '%s' selects "
					 "tenants, but there is no tenants "
					 "file", name);
		v = json_array();
		load_tenants(t, s ? s->platform : NULL, s ? s->tags : NULL,
			     s ? s->ntags : 0, j, v, tenants);
		*items = v;
		return 0;
	}
	v = load_data(p, s, err);
	if (!v)
		return -EINVAL;
	*tenants = xcalloc(json_array_size(v) + 1, sizeof(**tenants));
	*items = v;
	return 0;
}
