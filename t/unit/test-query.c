/* plugins/lib/query.c: the request contract, member by member. */
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "tap.h"

/* 2024-06-01T12:00:00.5Z */
static const int64_t NOW = 1717243200500000000LL;
#define S 1000000000LL

static int parse(const char *s, struct evl_query *q, char *err)
{
    return evl_query_parse(s, strlen(s), 1000, NOW, q, err, 256);
}

static void refused(const char *s, const char *why)
{
    struct evl_query q;
    char err[256];
    int rc = parse(s, &q, err);
    OK(rc == -1 && strstr(err, why), "refused %s: %s", s, err);
}

static void classic(void)
{
    struct evl_query q;
    char err[256];
    OK(parse("{\"last_events_count\":10,\"min_criticality\":5}", &q, err) == 0 &&
           q.classic && q.last_events_count == 10 && q.has_min &&
           q.min_criticality == 5 && !q.has_max && !q.counts && !q.has_since,
       "classic request: classic, N=10, X=5, nothing else");
    OK(parse("{\"last_events_count\":10,\"min_criticality\":5,\"max_criticality\":7}",
             &q, err) == 0 && !q.classic && q.has_max && q.max_criticality == 7,
       "a third member: not classic");
    refused("{\"last_events_count\":10}", "min_criticality");
    refused("{\"min_criticality\":5}", "last_events_count");
    refused("{}", "min_criticality");
    refused("{\"last_events_count\":0,\"min_criticality\":5}", "1..1000");
    refused("{\"last_events_count\":1001,\"min_criticality\":5}", "1..1000");
    refused("{\"last_events_count\":10,\"min_criticality\":5.5}", "min_criticality");
    refused("{\"last_events_count\":10,\"min_criticality\":5} x", "single JSON");
    refused("[]", "JSON object");
}

static void unknown(void)
{
    refused("{\"last_events_count\":10,\"min_criticality\":5,\"extra\":1,\"limit\":2}",
            "unknown member in request: \"extra\", \"limit\"");
}

static void ranges(void)
{
    struct evl_query q;
    char err[256];
    OK(parse("{\"last_events_count\":5,\"since\":\"1h\",\"until\":\"2024-06-01T11:30:00.9Z\"}",
             &q, err) == 0 && !q.has_min && q.has_since && q.has_until &&
           q.since_ns == 1717239600LL * S && q.until_ns == 1717241400LL * S,
       "since 1h (floored to the second), until RFC 3339 (floored): %s", err);
    OK(parse("{\"last_events_count\":5,\"since\":\"2024-06-01T02:00:00+02:00\"}", &q,
             err) == 0 && q.since_ns == 1717200000LL * S && !q.has_until,
       "since with an offset");
    refused("{\"last_events_count\":5,\"since\":\"1h\",\"until\":\"2h\"}", "before until");
    refused("{\"last_events_count\":5,\"since\":\"yesterday\"}", "since must be");
    refused("{\"last_events_count\":5,\"since\":\"0m\"}", "since must be");
    refused("{\"last_events_count\":5,\"since\":\"3651d\"}", "since must be");
    refused("{\"last_events_count\":5,\"since\":3600}", "since must be");
    refused("{\"last_events_count\":5,\"until\":\"1w\"}", "until must be");
}

static void criticality(void)
{
    struct evl_query q;
    char err[256];
    OK(parse("{\"last_events_count\":5,\"criticality_in\":[9,3,3,-1]}", &q, err) == 0 &&
           q.n_in == 3 && q.criticality_in[0] == -1 && q.criticality_in[1] == 3 &&
           q.criticality_in[2] == 9,
       "criticality_in sorted, duplicates dropped");
    OK(evl_query_crit_match(&q, 3) && !evl_query_crit_match(&q, 4), "in-list match");
    OK(parse("{\"last_events_count\":5,\"min_criticality\":2,\"max_criticality\":7}",
             &q, err) == 0 && !evl_query_crit_match(&q, 2) &&
           evl_query_crit_match(&q, 3) && evl_query_crit_match(&q, 7) &&
           !evl_query_crit_match(&q, 8),
       "min strict, max inclusive");
    refused("{\"last_events_count\":5,\"criticality_in\":[]}", "criticality_in");
    refused("{\"last_events_count\":5,\"criticality_in\":[1,\"2\"]}", "criticality_in[1]");
    refused("{\"last_events_count\":5,\"criticality_in\":5}", "criticality_in");
    refused("{\"last_events_count\":5,\"max_criticality\":\"7\"}", "max_criticality");
}

static void text(void)
{
    struct evl_query q;
    char err[256];
    OK(parse("{\"last_events_count\":5,\"contains\":\"a'/\\\\.*\"}", &q, err) == 0 &&
           q.contains_len == 6 && strcmp(q.contains, "a'/\\.*") == 0 &&
           q.has_since && q.has_until && q.until_ns == 1717243201LL * S &&
           q.since_ns == q.until_ns - 86400 * S,
       "contains kept as bytes; without a range: the 24 h before now");
    OK(parse("{\"last_events_count\":5,\"contains\":\"x\",\"since\":\"2h\"}", &q, err) == 0 &&
           q.since_ns == 1717236000LL * S,
       "contains with since: until is now");
    refused("{\"last_events_count\":5,\"contains\":\"x\",\"since\":\"25h\"}", "24 h");
    refused("{\"last_events_count\":5,\"contains\":\"\"}", "contains");
    refused("{\"last_events_count\":5,\"contains\":\"a\\nb\"}", "control");
    OK(parse("{\"last_events_count\":5,\"key\":\"acct-1.x_Y\"}", &q, err) == 0 &&
           strcmp(q.key, "acct-1.x_Y") == 0, "key");
    refused("{\"last_events_count\":5,\"key\":\"a'b\"}", "key must be");
    refused("{\"last_events_count\":5,\"key\":\"..\"}", "key must be");
    refused("{\"last_events_count\":5,\"key\":7}", "key must be");
}

static void counts(void)
{
    struct evl_query q;
    char err[256];
    OK(parse("{\"count_by\":\"criticality\"}", &q, err) == 0 && q.counts &&
           q.count_by_criticality && !q.every_ns && !q.last_events_count,
       "count_by criticality, no min needed");
    OK(parse("{\"count_by\":[\"criticality\",{\"every\":\"1m\"}],\"since\":\"1h\"}", &q,
             err) == 0 && q.count_by_criticality && q.every_ns == 60 * S,
       "count_by list: criticality and every");
    OK(parse("{\"count_by\":{\"criticality\":true,\"every\":\"1h\"},\"since\":\"1d\"}", &q,
             err) == 0 && q.count_by_criticality && q.every_ns == 3600 * S,
       "count_by object");
    refused("{\"count_by\":{\"every\":\"1m\"}}", "needs since");
    refused("{\"count_by\":{\"every\":\"1s\"},\"since\":\"3h\"}", "buckets");
    refused("{\"count_by\":\"severity\"}", "count_by must");
    refused("{\"count_by\":{\"every\":\"367d\"},\"since\":\"1h\"}", "count_by must");
    refused("{\"count_by\":[\"criticality\",\"criticality\"]}", "count_by must");
    refused("{\"count_by\":\"criticality\",\"last_events_count\":5}", "do not go");
}

static void cursors(void)
{
    struct evl_cursor c = {-5, INT64_MAX}, d;
    char buf[EVL_QUERY_CURSOR_LEN], req[200], err[256];
    int n = evl_cursor_encode(&c, buf, sizeof buf);
    OK(n == 36 && evl_cursor_decode(buf, (size_t)n, &d) == 0 &&
           d.instant_ns == -5 && d.tie == INT64_MAX,
       "cursor round trip: %s", buf);
    OK(evl_cursor_decode("c1.00000000000000zz.0000000000000000", 36, &d) == -1,
       "a bad cursor is refused");
    snprintf(req, sizeof req, "{\"last_events_count\":5,\"before\":\"%s\"}", buf);
    struct evl_query q;
    OK(parse(req, &q, err) == 0 && q.has_before && q.before.tie == INT64_MAX,
       "before carries the cursor");
    refused("{\"last_events_count\":5,\"before\":\"c1.x\"}", "before must");
    char *r = evl_query_add_next(strdup("{\"events\":[]}"), &c);
    char want[100];
    snprintf(want, sizeof want, "{\"events\":[],\"next\":\"%s\"}", buf);
    IS_STR(r, want, "next appended to a reply");
    free(r);
}

int main(void)
{
    classic();
    unknown();
    ranges();
    criticality();
    text();
    counts();
    cursors();
    return tap_done();
}
