/* Unit tests: event parsing/validation, RFC 3339 time, JSON formatting. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>

#include "event.h"
#include "tap.h"

static int parses(const char *json, evl_event *ev, char *err)
{
    return evl_event_parse(json, strlen(json), 0, ev, err, 256);
}

static void valid(const char *json, int64_t crit, const char *msg,
                  int64_t ns, const char *what)
{
    evl_event ev;
    char err[256] = "";
    int rc = parses(json, &ev, err);
    OK(rc == 0, "valid: %s", what);
    if (rc != 0) {
        printf("#   error: %s\n", err);
        return;
    }
    OK(ev.criticality == crit, "  criticality of %s", what);
    OK(ev.message_len == strlen(msg) && memcmp(ev.message, msg, ev.message_len) == 0,
       "  eventMessage of %s", what);
    if (ns != INT64_MIN)
        OK(ev.time_ns == ns, "  time of %s (%lld)", what, (long long)ev.time_ns);
    evl_event_free(&ev);
}

static void invalid(const char *json, const char *reason, const char *what)
{
    evl_event ev;
    char err[256] = "";
    int rc = parses(json, &ev, err);
    OK(rc == -1 && strstr(err, reason), "refused: %s", what);
    if (!(rc == -1 && strstr(err, reason)))
        printf("#   rc=%d err=[%s] expected reason containing [%s]\n", rc, err,
               reason);
    if (rc == 0)
        evl_event_free(&ev);
}

#define EV(c, t, m) "{\"criticality\":" c ",\"timestamp\":\"" t "\",\"eventMessage\":" m "}"

int main(void)
{
    const int64_t T0 = INT64_C(1763820000) * 1000000000; /* 2025-11-22T14:00:00Z */
    valid(EV("5", "2025-11-22T14:00:00Z", "\"x\""), 5, "x", T0, "basic");
    valid(EV("5", "2025-11-22T14:00:00.123456789Z", "\"x\""), 5, "x",
          T0 + 123456789, "nanoseconds");
    valid(EV("5", "2025-11-22T14:00:00.1Z", "\"x\""), 5, "x", T0 + 100000000,
          "one fraction digit");
    valid(EV("5", "2025-11-22T16:00:00+02:00", "\"x\""), 5, "x", T0, "+02:00 offset");
    valid(EV("5", "2025-11-22T09:30:00.5-04:30", "\"x\""), 5, "x",
          T0 + 500000000, "-04:30 offset");
    valid(EV("5", "2025-11-22 14:00:00z", "\"x\""), 5, "x", T0, "space separator, lower z");
    valid(EV("5", "2024-02-29T00:00:00Z", "\"x\""), 5, "x", INT64_MIN, "leap day 2024");
    valid(EV("5", "2000-02-29T00:00:00Z", "\"x\""), 5, "x", INT64_MIN, "leap day 2000");
    valid(EV("5", "1970-01-01T00:00:00Z", "\"x\""), 5, "x", 0, "epoch");
    valid(EV("5", "1969-12-31T23:59:59.999999999Z", "\"x\""), 5, "x", -1, "before epoch");
    valid(EV("9223372036854775807", "2025-11-22T14:00:00Z", "\"x\""),
          INT64_MAX, "x", T0, "int64 max");
    valid(EV("-9223372036854775808", "2025-11-22T14:00:00Z", "\"x\""),
          INT64_MIN, "x", T0, "int64 min");
    valid(EV("0", "2025-11-22T14:00:00Z",
             "\"q\\\"b\\\\ c,d=e f\\nnew\\r\\tline \\u00e9\\ud83d\\ude00\""),
          0, "q\"b\\ c,d=e f\nnew\r\tline \xc3\xa9\xf0\x9f\x98\x80", T0,
          "hostile message (quotes, backslash, ,= , newlines, unicode, emoji)");
    valid("{\"eventMessage\":\"m\",\"extra\":[1,2],\"timestamp\":\"2025-11-22T14:00:00Z\",\"criticality\":3}",
          3, "m", T0, "key order and extra keys");
    valid(" \n" EV("1", "2025-11-22T14:00:00Z", "\"\"") "\n", 1, "", T0,
          "surrounding whitespace, empty message");

    invalid("", "not JSON", "empty input");
    invalid("{", "not JSON", "truncated JSON");
    invalid("not json", "not JSON", "garbage");
    invalid(EV("1", "2025-11-22T14:00:00Z", "\"x\"") "x", "not JSON", "trailing garbage");
    invalid("[1,2]", "not a JSON object", "array");
    invalid("{}", "missing key \"criticality\"", "empty object");
    invalid("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\"}",
            "missing key \"eventMessage\"", "no eventMessage");
    invalid(EV("9223372036854775808", "2025-11-22T14:00:00Z", "\"x\""),
            "int64 range", "int64 max + 1");
    invalid(EV("-9223372036854775809", "2025-11-22T14:00:00Z", "\"x\""),
            "int64 range", "int64 min - 1");
    invalid(EV("99999999999999999999999", "2025-11-22T14:00:00Z", "\"x\""),
            "int64 range", "huge integer");
    invalid(EV("1.5", "2025-11-22T14:00:00Z", "\"x\""), "must be an integer", "float criticality");
    invalid(EV("5.0", "2025-11-22T14:00:00Z", "\"x\""), "must be an integer", "5.0 criticality");
    invalid(EV("1e3", "2025-11-22T14:00:00Z", "\"x\""), "must be an integer", "1e3 criticality");
    invalid(EV("\"5\"", "2025-11-22T14:00:00Z", "\"x\""), "must be an integer", "string criticality");
    invalid(EV("true", "2025-11-22T14:00:00Z", "\"x\""), "must be an integer", "bool criticality");
    invalid(EV("null", "2025-11-22T14:00:00Z", "\"x\""), "must be an integer", "null criticality");
    invalid(EV("1", "2025-11-22T14:00:00Z", "5"), "must be a string", "number message");
    invalid(EV("1", "2025-11-22T14:00:00Z", "null"), "must be a string", "null message");
    invalid("{\"criticality\":1,\"timestamp\":1700000000,\"eventMessage\":\"x\"}",
            "must be a string", "numeric timestamp");
    const char *bad_ts[] = {
        "2025-11-22T14:00:00",          /* no zone */
        "2025-11-22",                   /* date only */
        "2025-13-01T00:00:00Z",         /* month 13 */
        "2025-02-29T00:00:00Z",         /* not a leap year */
        "1900-02-29T00:00:00Z",         /* century, not leap */
        "2025-11-31T00:00:00Z",         /* November 31 */
        "2025-11-22T24:00:00Z",         /* hour 24 */
        "2025-11-22T14:60:00Z",         /* minute 60 */
        "2025-11-22T14:00:60Z",         /* :60 not in the last UTC minute */
        "2016-12-31T23:59:60+01:00",    /* that is 22:59:60 UTC */
        "2016-12-31T23:59:61Z",         /* second 61 */
        "2025-11-22T14:00:00.Z",        /* empty fraction */
        "2025-11-22T14:00:00.1234567890Z", /* 10 fraction digits */
        "2025-11-22T14:00:00+0200",     /* offset without colon */
        "2025-11-22T14:00:00Zjunk",     /* trailing junk */
        "yesterday",
    };
    for (size_t i = 0; i < sizeof bad_ts / sizeof *bad_ts; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, EV("1", "%s", "\"x\""), bad_ts[i]);
        char what[128];
        snprintf(what, sizeof what, "bad timestamp %s", bad_ts[i]);
        invalid(buf, "RFC 3339", what);
    }
    /* Valid RFC 3339, but not a time InfluxDB can store: said so. */
    const char *far_ts[] = {
        "1600-01-01T00:00:00Z", "2300-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
        "2999-01-01T00:00:00Z", "1677-09-21T00:12:43.145224193Z",
        "2262-04-11T23:47:16.854775807Z",
    };
    for (size_t i = 0; i < sizeof far_ts / sizeof *far_ts; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, EV("1", "%s", "\"x\""), far_ts[i]);
        char what[128];
        snprintf(what, sizeof what, "timestamp %s outside InfluxDB's range",
                 far_ts[i]);
        invalid(buf, "outside InfluxDB's time range", what);
    }
    valid(EV("1", "1677-09-21T00:12:43.145224194Z", "\"x\""), 1, "x",
          INT64_MIN + 2, "InfluxDB's earliest time");
    valid(EV("1", "2262-04-11T23:47:16.854775806Z", "\"x\""), 1, "x",
          INT64_MAX - 1, "InfluxDB's latest time");
    /* A leap second is the first second of the next day (POSIX). */
    const int64_t NY2017 = INT64_C(1483228800) * 1000000000;
    valid(EV("1", "2016-12-31T23:59:60Z", "\"x\""), 1, "x", NY2017,
          "leap second 23:59:60Z");
    valid(EV("1", "2016-12-31T23:59:60.25Z", "\"x\""), 1, "x",
          NY2017 + 250000000, "leap second with a fraction");
    valid(EV("1", "2017-01-01T00:59:60+01:00", "\"x\""), 1, "x", NY2017,
          "leap second at +01:00");
    valid(EV("1", "2016-12-31T18:59:60-05:00", "\"x\""), 1, "x", NY2017,
          "leap second at -05:00");
    invalid("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"\xff\xfe\"}",
            "not JSON", "invalid UTF-8");
    invalid("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"\xc0\xaf\"}",
            "invalid UTF-8 at byte 68", "overlong UTF-8 (C0 AF)");
    invalid("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"\xed\xa0\x80\"}",
            "invalid UTF-8", "UTF-8-encoded surrogate (ED A0 80)");
    invalid("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"\\ud800\"}",
            "unpaired UTF-16 surrogate escape at byte 68", "escaped lone surrogate");
    invalid("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"\\udc00\"}",
            "surrogate", "escaped lone low surrogate");
    invalid("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"\\ud83d\\u0041\"}",
            "surrogate", "high surrogate followed by a non-surrogate");
    valid("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"\\\\ud800 \\ud83d\\udea8\"}",
          1, "\\ud800 \xf0\x9f\x9a\xa8", INT64_C(1763820000) * 1000000000,
          "escaped backslash before ud800 and a surrogate pair are fine");
    invalid("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"a\\u0000b\"}",
            "NUL", "NUL character in the message (found by fuzz-event)");
    {
        /* The strict checker itself, on edge sequences. */
        static const struct { const char *s; size_t len, want; } u[] = {
            {"", 0, 0},
            {"abc", 3, 3},
            {"\xc3\xa9", 2, 2},                 /* U+00E9 */
            {"\xf0\x9f\x9a\xa8", 4, 4},         /* U+1F6A8 */
            {"\xf4\x8f\xbf\xbf", 4, 4},         /* U+10FFFF */
            {"\xef\xbf\xbf", 3, 3},             /* U+FFFF */
            {"a\xc1\xbf", 3, 1},                /* overlong 2-byte */
            {"\xe0\x80\xaf", 3, 0},             /* overlong 3-byte */
            {"\xf0\x80\x80\xaf", 4, 0},         /* overlong 4-byte */
            {"\xf4\x90\x80\x80", 4, 0},         /* past U+10FFFF */
            {"ab\xc3", 3, 2},                   /* truncated */
            {"\xc3\x28", 2, 0},                 /* bad continuation */
            {"\x80", 1, 0},                     /* lone continuation */
            {"\xfe", 1, 0},
        };
        for (size_t i = 0; i < sizeof u / sizeof *u; i++)
            OK(evl_utf8_check(u[i].s, u[i].len) == u[i].want,
               "utf8 check case %zu -> %zu", i, u[i].want);
    }
    {
        /* 10,000 levels of nesting: refused by depth, not by the stack. */
        size_t n = 10000;
        char *deep = malloc(2 * n + 1);
        memset(deep, '[', n);
        memset(deep + n, ']', n);
        deep[2 * n] = '\0';
        invalid(deep, "not JSON", "10,000 levels of nesting");
        free(deep);
    }
    {
        evl_event ev;
        char err[256];
        size_t n = EVL_EVENT_MAX_BYTES + 1;
        char *big = malloc(n);
        memset(big, ' ', n);
        OK(evl_event_parse(big, n, 0, &ev, err, sizeof err) == -1 &&
               strstr(err, "too large"),
           "refused: over 1 MiB");
        free(big);
    }

    /* time formatting round trip */
    char ts[40];
    OK(evl_time_format(T0 + 5, ts, sizeof ts) > 0, "format time");
    IS_STR(ts, "2025-11-22T14:00:00.000000005Z", "time format is RFC 3339 UTC, 9 digits");
    evl_time_format(-1, ts, sizeof ts);
    IS_STR(ts, "1969-12-31T23:59:59.999999999Z", "negative time formats correctly");
    int64_t back = 0;
    OK(evl_time_parse(ts, strlen(ts), &back) == 0 && back == -1, "format/parse round trip");

    /* formatting an event, then parsing it back */
    char buf[512];
    const char *msg = "say \"hi\"\\ \n\t\x01 \xc3\xa9";
    int n = evl_event_format(buf, sizeof buf, -42, "2025-11-22T14:00:00Z", msg);
    IS_STR(buf, "{\"criticality\":-42,\"timestamp\":\"2025-11-22T14:00:00Z\","
                "\"eventMessage\":\"say \\\"hi\\\"\\\\ \\n\\t\\u0001 \xc3\xa9\"}",
           "event format escapes exactly");
    evl_event ev;
    char err[256];
    OK(n > 0 && evl_event_parse(buf, (size_t)n, 0, &ev, err, sizeof err) == 0 &&
           strcmp(ev.message, msg) == 0 && ev.criticality == -42,
       "formatted event parses back to the same values");
    evl_event_free(&ev);
    OK(evl_event_format(buf, 20, 1, "2025-11-22T14:00:00Z", "x") == -1,
       "format refuses a buffer too small");
    /* criticality digits written by hand: the int64 extremes and 0 */
    evl_event_format(buf, sizeof buf, INT64_MIN, "2025-11-22T14:00:00Z", "");
    IS_STR(buf, "{\"criticality\":-9223372036854775808,\"timestamp\":"
                "\"2025-11-22T14:00:00Z\",\"eventMessage\":\"\"}",
           "INT64_MIN formats exactly");
    evl_event_format(buf, sizeof buf, INT64_MAX, "t", "m");
    IS_STR(buf, "{\"criticality\":9223372036854775807,\"timestamp\":\"t\","
                "\"eventMessage\":\"m\"}",
           "INT64_MAX formats exactly");
    evl_event_format(buf, sizeof buf, 0, "t", "\x7f\x1f");
    IS_STR(buf, "{\"criticality\":0,\"timestamp\":\"t\","
                "\"eventMessage\":\"\x7f\\u001f\"}",
           "0; DEL is kept, 0x1f escaped");
    /* the pre-quoted path (the generator's) gives the same bytes */
    {
        static const char *const msgs[] = {"", "m", "say \"hi\"\\ \n\t\x01 \xc3\xa9", "\x7f\x1f"};
        static const int64_t crits[] = {INT64_MIN, -42, 0, 7, INT64_MAX};
        int same = 0, total = 0;
        char qm[64], qt[64], b2[512];
        int qtl = evl_json_quote(qt, sizeof qt, "2025-11-22T14:00:00.123456789Z");
        for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++)
            for (size_t j = 0; j < sizeof crits / sizeof crits[0]; j++) {
                int qml = evl_json_quote(qm, sizeof qm, msgs[i]);
                int a = evl_event_format(buf, sizeof buf, crits[j],
                                         "2025-11-22T14:00:00.123456789Z", msgs[i]);
                int b = evl_event_format_quoted(b2, sizeof b2, crits[j], qt,
                                                (size_t)qtl, qm, (size_t)qml);
                total++;
                same += a > 0 && a == b && memcmp(buf, b2, (size_t)a + 1) == 0;
            }
        OK(same == total, "format_quoted == format for %d message/criticality pairs", total);
        OK(evl_event_format_quoted(b2, 20, 1, qt, (size_t)qtl, "\"x\"", 3) == -1,
           "format_quoted refuses a buffer too small");
    }
    OK(evl_time_format(T0, ts, 30) == -1, "time format refuses a 30-byte buffer");
    OK(evl_time_format(INT64_MAX, ts, sizeof ts) == 30, "the largest time formats");
    IS_STR(ts, "2262-04-11T23:47:16.854775807Z", "exactly");
    return tap_done();
}
