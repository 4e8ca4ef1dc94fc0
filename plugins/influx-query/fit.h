/*
 * A reply that fits in one NATS message: a pure function of the reply
 * text and the limit, tested on its own (t/unit/test-reply-fit.c).
 */
#ifndef EVH_QUERY_FIT_H
#define EVH_QUERY_FIT_H

#include <stddef.h>

/**
 * `reply` (a {"events":[...]} reply, malloc'd; consumed) made to fit in
 * `max` bytes.  Unchanged when it fits.  Otherwise the newest events that
 * fit, in order, marked:
 *     {"events":[...],"truncated":true,"returned":K,"matched":N}
 * and *trimmed = 1; when not even one event fits, an error reply (code
 * "too_large") saying so.  Returns malloc'd text, or NULL (out of memory).
 */
char *query_reply_fit(char *reply, size_t max, int *trimmed);

#endif /* EVH_QUERY_FIT_H */
