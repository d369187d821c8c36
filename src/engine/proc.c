#include "proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"

/* Words only a shell understands: builtins and keywords. */
static bool shell_word(const char *cmd)
{
	static const char *const words[] = {
		"exit", "cd", "export", "set", "unset", "source", ".", "alias",
		"eval", "exec", "if", "for", "while", "until", "case", "trap",
		"ulimit", "umask", "wait", "read", "local", "readonly", "let",
		"shift", "return", "function", "declare", "typeset", ":",
	};
	size_t n;

	while (*cmd == ' ' || *cmd == '\t')
		cmd++;
	n = strcspn(cmd, " \t");
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && !strncmp(cmd, words[i], n))
			return true;
	return false;
}

bool proc_needs_shell(const char *cmd)
{
	/* Anything a shell would interpret: run it through /bin/sh -c. */
	return strpbrk(cmd, "|&;<>()$`\\\"'*?[]#~=%{}\n!") != NULL ||
	       shell_word(cmd);
}

char **proc_split(const char *cmd)
{
	char **argv = NULL;
	size_t n = 0, cap = 0;
	const char *p = cmd;

	for (;;) {
		const char *start;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		xgrow((void **)&argv, &cap, n + 2, sizeof(*argv));
		argv[n++] = xstrndup(start, (size_t)(p - start));
	}
	xgrow((void **)&argv, &cap, n + 1, sizeof(*argv));
	argv[n] = NULL;
	return argv;
}

void proc_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

int proc_spawn(const char *path, char *const argv[], char *const envp[],
	       const char *cwd, struct proc *p, struct error *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int pipefd[2], rc;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return error_set(err, -errno, "cannot create a pipe: %s",
				 strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	if (cwd)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGCHLD);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGHUP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
						POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	if (path || strchr(argv[0], '/'))
		rc = posix_spawn(&pid, path ? path : argv[0], &fa, &attr, argv,
				 envp);
	else
		rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc) {
		close(pipefd[0]);
		return error_set(err, -rc, "cannot run '%s': %s", argv[0],
				 strerror(rc));
	}
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	p->pid = pid;
	p->out_fd = pipefd[0];
	return 0;
}

#define PATHCACHE_MAX 256

static char *search_path(const char *name)
{
	const char *path = getenv("PATH"), *p;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *full = len ? xasprintf("%.*s/%s", (int)len, p, name)
				 : xasprintf("./%s", name);
		struct stat st;

		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(full, X_OK) == 0)
			return full;
		free(full);
		if (!end)
			return NULL;
		p = end;
	}
}

const char *proc_which(struct pathcache *c, const char *name)
{
	char *found;

	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->names[i], name))
			return c->paths[i];
	found = search_path(name);
	if (!found || c->n >= PATHCACHE_MAX)
		return NULL; /* let posix_spawnp search and report */
	c->names = xrealloc(c->names, (c->n + 1) * sizeof(*c->names));
	c->paths = xrealloc(c->paths, (c->n + 1) * sizeof(*c->paths));
	c->names[c->n] = xstrdup(name);
	c->paths[c->n] = found;
	return c->paths[c->n++];
}

void pathcache_release(struct pathcache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->names[i]);
		free(c->paths[i]);
	}
	free(c->names);
	free(c->paths);
	memset(c, 0, sizeof(*c));
}

void proc_kill_group(pid_t pgid, int sig)
{
	if (pgid > 1)
		kill(-pgid, sig);
}

/* True if /proc/PID/environ contains the exact entry tag. */
static bool environ_has(const char *pid, const char *tag, size_t taglen)
{
	char path[300];
	struct buf b;
	bool found = false;

	snprintf(path, sizeof(path), "/proc/%s/environ", pid);
	buf_init(&b, 1 << 20);
	if (buf_read_file(&b, path) == 0)
		for (size_t i = 0; i < b.len; i += strlen(b.data + i) + 1)
			if (b.len - i >= taglen &&
			    !memcmp(b.data + i, tag, taglen + 1)) {
				found = true;
				break;
			}
	buf_release(&b);
	return found;
}

int proc_kill_tagged(const char *name, const char *value)
{
	char *tag = xasprintf("%s=%s", name, value);
	size_t taglen = strlen(tag);
	DIR *dh = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();
	int n = 0;

	while (dh && (de = readdir(dh))) {
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)strtol(de->d_name, NULL, 10);
		if (pid == self || !environ_has(de->d_name, tag, taglen))
			continue;
		if (kill(pid, SIGKILL) == 0)
			n++;
	}
	if (dh)
		closedir(dh);
	free(tag);
	return n;
}

long long proc_start_time(pid_t pid)
{
	char path[64];
	struct buf b;
	long long start = 0;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	buf_init(&b, 4096);
	if (buf_read_file(&b, path) == 0 && (p = strrchr(b.data, ')'))) {
		/* Fields after the command name; start time is field 22. */
		int field = 2;

		if (p[1] && (p[2] == 'Z' || p[2] == 'X')) {
			buf_release(&b);
			return 0; /* a zombie has already ended */
		}
		for (; *p && field < 22; p++)
			if (*p == ' ')
				field++;
		start = strtoll(p, NULL, 10);
	}
	buf_release(&b);
	return start;
}
