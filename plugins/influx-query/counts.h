/*
 * count_by (query.h): counts instead of events, as pure functions.
 *
 * InfluxDB counts by tag and by time, not by field, so a count per
 * criticality is the count per criticality band (lineproto.h): exact for
 * 0..99, where a band is one value.  The two outer bands ("lt0", "ge100")
 * hold many values; their points' criticality is read (at most
 * QUERY_OUTER_MAX of them, else the request is refused, naming the bound)
 * and counted here.  Buckets of `every` are InfluxDB's GROUP BY time(),
 * aligned to the epoch; a point's time stays within its event's second and
 * `every` is whole seconds, so a point falls in its event's bucket.
 */
#ifndef EVH_QUERY_COUNTS_H
#define EVH_QUERY_COUNTS_H

#include "request.h"

#define QUERY_OUTER_MAX 10000

/**
 * SELECT COUNT("criticality") ... GROUP BY [time(every)][,band] fill(none)
 * over the given bands (the inner ones only, when counting by criticality;
 * none with a NULL band tag).  malloc'd.
 */
char *query_build_counts(const query_store *st, char bands[][EVL_CRIT_BAND_LEN],
                         size_t nbands, const query_request *req);

/**
 * SELECT "criticality" of the outer bands among `bands` (up to
 * QUERY_OUTER_MAX + 1 points), or NULL with *none set when no outer band
 * is among them.
 */
char *query_build_outer(const query_store *st, char bands[][EVL_CRIT_BAND_LEN],
                        size_t nbands, const query_request *req, bool *none);

/** Keep only the bands 0..99 of bands (in place); returns how many. */
size_t query_inner_bands(char bands[][EVL_CRIT_BAND_LEN], size_t nbands);

/**
 * The reply {"counts":[...]} (query.h) from InfluxDB's answers to
 * query_build_counts (`counted`, NULL: none asked) and query_build_outer
 * (`outer`, NULL: none asked).  Returns malloc'd text, or NULL with a
 * reason in err; *too_many set when the outer bands held more than
 * QUERY_OUTER_MAX points (a bad request, not a failure).
 */
char *query_counts_reply(const char *counted, const char *outer,
                         const query_store *st, const query_request *req,
                         bool *too_many, char *err, size_t errlen);

#endif
