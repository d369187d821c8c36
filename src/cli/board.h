/* board.h - showing runs as they happen.
 *
 * On a terminal, a live board redraws each step's state, attempt and
 * elapsed time in place.  Otherwise one plain line is printed per event
 * (start, retry, end), which reads well in logs and CI.
 */
#ifndef BATON_BOARD_H
#define BATON_BOARD_H

#include <stdbool.h>
#include <stdio.h>

struct engine_listener;
struct board;

/* live: draw the board (else plain lines); quiet: print nothing.
 * Caller frees with board_free(). */
struct board *board_new(FILE *out, bool live, bool quiet);
/* Points l at the board's callbacks. */
void board_listen(struct board *b, struct engine_listener *l);
/* Draws the final state (live mode) and flushes. */
void board_finish(struct board *b);
void board_free(struct board *b);

#endif
