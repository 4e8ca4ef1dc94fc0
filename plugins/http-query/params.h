/*
 * http-query's query parameters as the reader's request JSON (query.h),
 * pure: GET /events?min_criticality=5&since=1h&limit=10&contains=sshd and
 * GET /events/counts?count_by=criticality&every=1m&since=1h.  Numbers are
 * checked for integer syntax and passed as JSON numbers; text is JSON-
 * escaped; the reader checks every value against its bounds.  An unknown
 * or repeated parameter is an error naming it.
 */
#ifndef EVH_HTTP_QUERY_PARAMS_H
#define EVH_HTTP_QUERY_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct hq_params hq_params;

/** A new, empty set for /events (counts false) or /events/counts. */
hq_params *hq_params_new(bool counts);
void hq_params_free(hq_params *p);

/**
 * Add one parameter (NUL-terminated, already URL-decoded; value NULL for
 * "?name" without '=').  Returns 0, or -1 with the reason in err.
 */
int hq_params_add(hq_params *p, const char *name, const char *value, char *err,
                  size_t errlen);

/**
 * The request JSON (malloc'd): limit (default 10) as last_events_count for
 * /events; count_by from count_by=criticality and every=DURATION for
 * /events/counts (at least one of them).  NULL with err set when the set
 * is incomplete, or out of memory.
 */
char *hq_params_request(const hq_params *p, char *err, size_t errlen);

#endif
