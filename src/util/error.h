/* error.h - the error out-parameter every fallible function takes.
 *
 * Functions return 0 or a negative code and, when given a non-NULL
 * struct error, describe the failure there.  file/line/col are set when
 * the failure points into a file (line and col start at 1; 0 = unknown).
 */
#ifndef BATON_ERROR_H
#define BATON_ERROR_H

struct error {
	char msg[1024];
	char file[512];
	int line;
	int col;
};

/* Sets err's message (if err is not NULL) and returns code. */
int error_set(struct error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
