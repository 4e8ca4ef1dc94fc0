/* pg-sink's COPY rows and pg-query's statements: exact output, and no
 * request value ever in the SQL text. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event.h"
#include "query.h"
#include "rows.h"
#include "sql.h"
#include "tap.h"

static void row_of(const char *json, const char *writer, uint64_t seq,
                   const char *want, const char *what)
{
    evl_event ev;
    evl_buf b = {0};
    char err[256];
    int rc = evl_event_parse(json, strlen(json), 0, &ev, err, sizeof err);
    OK(rc == 0, "%s: parses (%s)", what, rc ? err : "ok");
    if (rc == 0) {
        OK(pgs_row(&b, &ev, "key", writer, seq, err, sizeof err) == 0,
           "%s: encoded", what);
        IS_STR(b.data, want, "%s: the COPY line", what);
        evl_event_free(&ev);
    }
    evl_buf_free(&b);
}

static void stmt_of(const char *req, const char *want_sql, int nparams,
                    const char *what)
{
    struct evl_query q;
    char err[256];
    pgq_stmt st;
    int rc = evl_query_parse(req, strlen(req), 1000, 1717203600000000000LL /* 2024-06-01T01:00:00Z */,
                             &q, err, sizeof err);
    OK(rc == 0, "%s: request parses (%s)", what, rc ? err : "ok");
    if (rc != 0)
        return;
    rc = q.counts ? pgq_build_counts("events", &q, &st)
                  : pgq_build_events("events", &q, &st);
    OK(rc == 0, "%s: built", what);
    if (rc != 0)
        return;
    IS_STR(st.sql, want_sql, "%s: SQL text", what);
    OK(st.nparams == nparams, "%s: %d parameters (got %d)", what, nparams,
       st.nparams);
    pgq_stmt_free(&st);
}

int main(void)
{
    char ts[40];
    pgs_timestamptz(-1, ts, sizeof ts);
    IS_STR(ts, "1969-12-31T23:59:59.999999Z",
           "1 ns before the epoch: floored to the microsecond");
    pgs_timestamptz(1717200000123456789LL, ts, sizeof ts);
    IS_STR(ts, "2024-06-01T00:00:00.123456Z", "truncated, not rounded");

    evl_buf b = {0};
    pgs_copy_field(&b, "a\\b\tc\nd\re", 9);
    IS_STR(b.data, "a\\\\b\\tc\\nd\\re", "COPY escapes: backslash, tab, LF, CR");
    evl_buf_free(&b);

    row_of("{\"criticality\":5,\"timestamp\":\"2024-06-01T00:00:01.5Z\","
           "\"eventMessage\":\"x'); DROP TABLE events; --\\t\\\\\"}",
           "", 42,
           "2024-06-01T00:00:01.500000Z\t1717200001500000000\t5\t"
           "x'); DROP TABLE events; --\\t\\\\\t\\N\t\\N\t\t42\n",
           "plain event, JetStream identity");
    row_of("{\"criticality\":-1,\"timestamp\":\"2024-06-01T00:00:00Z\","
           "\"eventMessage\":\"m\",\"key\":\"acct-1\",\"user\":\"o\\\"b\","
           "\"n\":[1,2]}",
           "host/1/w", 7,
           "2024-06-01T00:00:00.000000Z\t1717200000000000000\t-1\tm\t"
           "acct-1\t{\"user\":\"o\\\\\"b\",\"n\":[1,2]}\thost/1/w\t7\n",
           "key and extra members, core identity");

    stmt_of("{\"last_events_count\":10,\"min_criticality\":5}",
            "SELECT criticality, time_ns, message, seq FROM \"events\" "
            "WHERE true AND criticality > $1 ORDER BY time_ns DESC, seq DESC "
            "LIMIT $2",
            2, "classic");
    stmt_of("{\"last_events_count\":3,\"contains\":\"'); DROP TABLE x; --\","
            "\"key\":\"a-1\",\"criticality_in\":[1,2]}",
            "SELECT criticality, time_ns, message, seq FROM \"events\" "
            "WHERE true AND criticality = ANY($1::bigint[]) AND time_ns >= "
            "$2::bigint AND time >= to_timestamp($2::bigint / 1000000000) AND "
            "time_ns < $3::bigint AND time < to_timestamp($3::bigint / "
            "1000000000) AND strpos(message, $4) > 0 AND key = $5 ORDER BY "
            "time_ns DESC, seq DESC LIMIT $6",
            6, "contains (24 h before now), key, criticality_in: values only "
               "as parameters");
    stmt_of("{\"count_by\":{\"criticality\":true,\"every\":\"60s\"},"
            "\"since\":\"2024-06-01T00:00:00Z\"}",
            "SELECT (time_ns / $1::bigint - (time_ns % $1::bigint < 0)::int) "
            "* $1::bigint AS bucket, criticality, count(*) FROM \"events\" "
            "WHERE true AND time_ns >= $2::bigint AND time >= "
            "to_timestamp($2::bigint / 1000000000) AND time_ns < $3::bigint "
            "AND time < to_timestamp($3::bigint / 1000000000) GROUP BY "
            "bucket, criticality ORDER BY bucket, criticality",
            3, "counts per bucket and criticality (until: the second after "
               "now)");
    return tap_done();
}
