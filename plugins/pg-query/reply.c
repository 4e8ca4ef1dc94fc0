/* pg-query: replies (reply.h). */
#include "reply.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static int64_t i64(const PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static char *finish(json_object *o)
{
    const char *s = o ? json_object_to_json_string_ext(o, JSON_FLAGS) : NULL;
    char *out = s ? strdup(s) : NULL;
    json_object_put(o);
    return out;
}

char *pgq_events_reply(const PGresult *res, const struct evl_query *q)
{
    int n = PQntuples(res);
    bool more = n > q->last_events_count;
    if (more)
        n = (int)q->last_events_count;
    json_object *reply = json_object_new_object(),
                *events = json_object_new_array();
    if (!reply || !events) {
        json_object_put(reply);
        json_object_put(events);
        return NULL;
    }
    json_object_object_add(reply, "events", events);
    for (int i = 0; i < n; i++) {
        json_object *ev = json_object_new_object();
        char ts[40] = "";
        evl_time_format_short(i64(res, i, 1), ts, sizeof ts);
        json_object_object_add(ev, "criticality",
                               json_object_new_int64(i64(res, i, 0)));
        json_object_object_add(ev, "timestamp", json_object_new_string(ts));
        json_object_object_add(
            ev, "eventMessage",
            json_object_new_string_len(PQgetvalue(res, i, 2),
                                       PQgetlength(res, i, 2)));
        json_object_array_add(events, ev);
    }
    char *out = finish(reply);
    if (out && more && !q->classic && n > 0) {
        struct evl_cursor c = {i64(res, n - 1, 1), i64(res, n - 1, 3)};
        out = evl_query_add_next(out, &c);
    }
    return out;
}

char *pgq_counts_reply(const PGresult *res, const struct evl_query *q)
{
    json_object *reply = json_object_new_object(),
                *counts = json_object_new_array();
    if (!reply || !counts) {
        json_object_put(reply);
        json_object_put(counts);
        return NULL;
    }
    json_object_object_add(reply, "counts", counts);
    for (int i = 0; i < PQntuples(res); i++) {
        json_object *c = json_object_new_object();
        int col = 0;
        if (q->every_ns > 0) {
            char ts[40] = "";
            evl_time_format_short(i64(res, i, col++), ts, sizeof ts);
            json_object_object_add(c, "time", json_object_new_string(ts));
        }
        if (q->count_by_criticality)
            json_object_object_add(c, "criticality",
                                   json_object_new_int64(i64(res, i, col++)));
        json_object_object_add(c, "count",
                               json_object_new_int64(i64(res, i, col)));
        json_object_array_add(counts, c);
    }
    return finish(reply);
}

char *pgq_error_reply(const char *code, const char *message)
{
    json_object *o = json_object_new_object(), *e = json_object_new_object();
    json_object_object_add(e, "code", json_object_new_string(code));
    json_object_object_add(e, "message", json_object_new_string(message));
    json_object_object_add(o, "error", e);
    return finish(o);
}

/* fit.c (compiled in from influx-query) makes its too_large reply with
 * request.h's name for this. */
char *query_error_reply(const char *code, const char *message);
char *query_error_reply(const char *code, const char *message)
{
    return pgq_error_reply(code, message);
}
