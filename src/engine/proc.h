/* proc.h - starting and stopping step processes.
 *
 * Each step runs in its own process group (so a timeout can end the
 * whole tree), with stdin from /dev/null and stdout+stderr into one
 * non-blocking pipe that the engine drains.  Processes are started with
 * posix_spawn (vfork-fast, safe from a large parent).
 */
#ifndef BATON_PROC_H
#define BATON_PROC_H

#include <stdbool.h>
#include <sys/types.h>

struct error;

struct proc {
	pid_t pid;	/* also the process group id */
	int out_fd;	/* read end of the output pipe, non-blocking */
};

/* True if cmd needs a shell (pipes, quotes, variables, globs...). */
bool proc_needs_shell(const char *cmd);
/* Splits a shell-free command on blanks into a NULL-terminated argv;
 * caller frees with proc_argv_free(). */
char **proc_split(const char *cmd);
void proc_argv_free(char **argv);
/* Remembers where commands were found in PATH, so that starting the
 * same command a thousand times searches PATH once. */
struct pathcache {
	char **names;
	char **paths;
	size_t n;
};

/* Returns the full path of a command without '/' found in PATH (as
 * execvp searches), or NULL when it is not there.  Borrowed from c;
 * release everything with pathcache_release(). */
const char *proc_which(struct pathcache *c, const char *name);
void pathcache_release(struct pathcache *c);
/* Starts the program at path (or argv[0], searched in PATH when it has
 * no '/', when path is NULL) with argv and envp in cwd.  On success
 * fills *p; caller closes p->out_fd and reaps p->pid. */
int proc_spawn(const char *path, char *const argv[], char *const envp[],
	       const char *cwd, struct proc *p, struct error *err);
/* Sends sig to the process group pgid; ignores groups already gone. */
void proc_kill_group(pid_t pgid, int sig);
/* Sends SIGKILL to every process whose environment holds name=value
 * (the leftovers of a run); returns how many were signalled. */
int proc_kill_tagged(const char *name, const char *value);
/* Reads field 22 (start time in clock ticks) of /proc/PID/stat; 0 if
 * the process does not exist or has ended (zombie). */
long long proc_start_time(pid_t pid);

#endif
