/*
 * The request conditions (query.h) as config keys of a plugin that asks
 * the reader (query-client) or filters the live stream (tail):
 *   since, until         RFC 3339 or a duration before now ("1h")
 *   max_criticality      integer
 *   criticality_in       list of integers
 *   contains             plain substring of eventMessage
 *   key                  the account key (http-ingest's)
 * Read with the plugin API's getters (every problem reported with
 * file:line), then checked by the one request parser, so a config accepts
 * exactly what the reader accepts.  Compiled into the plugins that use it
 * (it calls the host's evh_config_*), not into libevl.
 */
#ifndef EVL_QUERYCFG_H
#define EVL_QUERYCFG_H

#include <evhost/plugin.h>
#include <stdbool.h>

#include "buf.h"
#include "event.h"
#include "query.h"

/**
 * Read the condition keys of inst's config block and append them to
 * `members` as JSON members (",\"since\":\"1h\",..."; nothing when none is
 * set).  During configure only.  Returns EVH_OK, EVH_ECONFIG (reported) or
 * EVH_ENOMEM.
 */
int evl_querycfg_read(evh_instance *inst, evl_buf *members);

/**
 * Parse the request `json` with evl_query_parse (relative times against
 * the clock now) into *q; a refusal is reported as a config error on the
 * condition key it names.  Returns EVH_OK or EVH_ECONFIG.
 */
int evl_querycfg_check(evh_instance *inst, const char *json, int64_t max_count,
                       struct evl_query *q);

/**
 * Whether one event passes q's conditions: criticality (min, max,
 * criticality_in), instant in [since, until), contains in eventMessage,
 * and key equal to the string field `key_field` of ev->obj (an event
 * without ev->obj or without that field fails a key condition).
 */
bool evl_query_event_match(const struct evl_query *q, const evl_event *ev,
                           const char *key_field);

#endif /* EVL_QUERYCFG_H */
