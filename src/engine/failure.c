/* failure.c - what a failed attempt's error says: how the step ended,
 * with the last line it printed. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine_int.h"
#include "pipeline/pipeline.h"
#include "util/alloc.h"
#include "util/timeutil.h"

/* The last non-empty line the step printed (at most 200 bytes), which
 * usually says why it failed; NULL if none.  Caller frees. */
static char *log_last_line(const char *path)
{
	char tail[4096];
	ssize_t n;
	off_t size;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *end, *start;

	if (fd < 0)
		return NULL;
	size = lseek(fd, 0, SEEK_END);
	n = size > 0 ? pread(fd, tail, sizeof(tail) - 1,
			     size > (off_t)sizeof(tail) - 1
				     ? size - (off_t)sizeof(tail) + 1
				     : 0)
		     : 0;
	close(fd);
	if (n <= 0)
		return NULL;
	tail[n] = '\0';
	end = tail + n;
	while (end > tail && (end[-1] == '\n' || end[-1] == '\r' ||
			      end[-1] == ' '))
		*--end = '\0';
	start = end;
	while (start > tail && start[-1] != '\n')
		start--;
	if (start == end || !strncmp(start, "--- baton:", 10) ||
	    !strncmp(start, "[baton:", 7))
		return NULL;
	/* The start of a line says what it is about. */
	return xstrndup(start, end - start > 200 ? 200 : (size_t)(end - start));
}

char *failure_text(struct step_rt *s, int *code)
{
	const struct step *def = &s->run->p->steps[s->idx];
	char d[32], *line, *msg;

	*code = -1;
	if (def->kind == STEP_KIND_HTTP) {
		*code = s->st.exit_code;
		return xstrdup(s->spawn_error ? s->spawn_error : "failed");
	}
	if (s->spawn_error) {
		*code = 127;
		return xstrdup(s->spawn_error);
	}
	if (s->timed_out) {
		duration_format(d, sizeof(d), def->timeout_ms);
		return xasprintf("timed out after %s", d);
	}
	if (WIFSIGNALED(s->wstatus))
		return xasprintf("killed by signal %d (%s)",
				 WTERMSIG(s->wstatus),
				 strsignal(WTERMSIG(s->wstatus)));
	*code = WEXITSTATUS(s->wstatus);
	line = s->log_bytes ? log_last_line(s->log_path) : NULL;
	msg = line ? xasprintf("exited with code %d: %s", *code, line)
		   : xasprintf("exited with code %d", *code);
	free(line);
	return msg;
}
