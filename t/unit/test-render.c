/* query-client rendering: exact output for known answers. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render.h"
#include "table.h"
#include "tap.h"

/* What an operator sees (TZ=UTC): a header, aligned columns, '*' on rows
 * that were not in the previous answer, control characters escaped. */
#define EXPECT_TABLE1                                                          \
    "== 2026-11-22 14:00:05  last 10 events with criticality > 5: 2 shown, "   \
    "2 new ==\n"                                                               \
    "   TIME                     CRIT  MESSAGE\n"                              \
    " * 2026-11-22 14:00:02.500     9  Failed password for root from "          \
    "10.0.0.7\n"                                                               \
    " * 2026-11-22 14:00:01.000     7  line1\\nline2\\t\\x07 \"q\" \xc3\xa9\n"
#define EXPECT_TABLE2                                                          \
    "== 2026-11-22 14:00:15  last 10 events with criticality > 5: 2 shown, "   \
    "1 new ==\n"                                                               \
    "   TIME                     CRIT  MESSAGE\n"                              \
    " * 2026-11-22 14:00:03.000    10  Malware signature detected\n"           \
    "   2026-11-22 14:00:02.500     9  Failed password for root from "          \
    "10.0.0.7\n"
#define EXPECT_JSON                                                            \
    "{\"criticality\":10,\"timestamp\":\"2026-11-22T14:00:03Z\","             \
    "\"eventMessage\":\"Malware signature detected\"}\n"                      \
    "{\"criticality\":9,\"timestamp\":\"2026-11-22T14:00:02.5Z\","            \
    "\"eventMessage\":\"Failed password for root from 10.0.0.7\"}\n"
#define EXPECT_EMPTY                                                           \
    "== 2026-11-22 14:00:05  last 10 events with criticality > 5: 0 shown, "   \
    "0 new ==\n"                                                               \
    "   (no events match)\n"

static const char *REPLY1 =
    "{\"events\":["
    "{\"criticality\":9,\"timestamp\":\"2026-11-22T14:00:02.5Z\","
    "\"eventMessage\":\"Failed password for root from 10.0.0.7\"},"
    "{\"criticality\":7,\"timestamp\":\"2026-11-22T16:00:01+02:00\","
    "\"eventMessage\":\"line1\\nline2\\t\\u0007 \\\"q\\\" \\u00e9\"}]}";
static const char *REPLY2 =
    "{\"events\":["
    "{\"criticality\":10,\"timestamp\":\"2026-11-22T14:00:03Z\","
    "\"eventMessage\":\"Malware signature detected\"},"
    "{\"criticality\":9,\"timestamp\":\"2026-11-22T14:00:02.5Z\","
    "\"eventMessage\":\"Failed password for root from 10.0.0.7\"}]}";

static void parse_ok(const char *json, client_answer *a, const char *what)
{
    char err[256] = "";
    int rc = client_answer_parse(json, strlen(json), a, err, sizeof err);
    OK(rc == 0, "parses: %s", what);
    if (rc != 0)
        printf("#   err=[%s]\n", err);
}

static void parse_bad(const char *json, const char *what)
{
    client_answer a;
    char err[256] = "";
    int rc = client_answer_parse(json, strlen(json), &a, err, sizeof err);
    OK(rc == -1 && err[0], "refused: %s (%s)", what, err);
    if (rc == 0)
        client_answer_free(&a);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    client_answer a1, a2, e;
    evl_buf out = {0};

    parse_ok(REPLY1, &a1, "two events");
    parse_ok(REPLY2, &a2, "two events, one new");
    OK(a1.nrows == 2 && a1.rows[0].criticality == 9 &&
           strcmp(a1.rows[1].message, "line1\nline2\t\a \"q\" \xc3\xa9") == 0,
       "rows decoded");

    client_render_table(&out, &a1, NULL, 10, 5, "2026-11-22 14:00:05");
    IS_STR(out.data, EXPECT_TABLE1, "first table: exact output");
    evl_buf_free(&out);

    client_render_table(&out, &a2, &a1, 10, 5, "2026-11-22 14:00:15");
    IS_STR(out.data, EXPECT_TABLE2, "second table marks only the new row");
    evl_buf_free(&out);

    client_render_json(&out, &a2);
    IS_STR(out.data, EXPECT_JSON, "json lines: exact output");
    evl_buf_free(&out);

    OK(!client_answer_equal(&a1, &a2), "different answers differ");
    client_answer b;
    parse_ok(REPLY1, &b, "same reply again");
    OK(client_answer_equal(&a1, &b), "same answers are equal (no reprint)");
    client_answer_free(&b);

    parse_ok("{\"events\":[]}", &e, "empty answer");
    client_render_table(&out, &e, NULL, 10, 5, "2026-11-22 14:00:05");
    IS_STR(out.data, EXPECT_EMPTY, "empty answer: exact output");
    evl_buf_free(&out);
    client_answer_free(&e);

    parse_ok("{\"error\":{\"code\":\"unavailable\",\"message\":\"InfluxDB "
             "down\"}}",
             &e, "error reply");
    OK(e.is_error && strcmp(e.error_code, "unavailable") == 0 &&
           strcmp(e.error_message, "InfluxDB down") == 0,
       "error reply decoded");
    client_answer_free(&e);

    parse_bad("", "empty");
    parse_bad("not json", "not JSON");
    parse_bad("[]", "array");
    parse_bad("{\"events\":5}", "events not an array");
    parse_bad("{\"events\":[{\"criticality\":\"9\",\"timestamp\":\"x\","
              "\"eventMessage\":\"m\"}]}",
              "string criticality");
    parse_bad("{\"events\":[{\"timestamp\":\"x\",\"eventMessage\":\"m\"}]}",
              "missing criticality");
    parse_bad("{}", "neither events nor error");

    char t[64];
    evl_table_local_time("2026-11-22T16:00:01.123456+02:00", t, sizeof t);
    IS_STR(t, "2026-11-22 14:00:01.123", "local time from an offset timestamp");
    evl_table_local_time("garbage", t, sizeof t);
    IS_STR(t, "garbage", "unparsable timestamp shown as is");

    client_answer_free(&a1);
    client_answer_free(&a2);
    return tap_done();
}
