/* Unit tests: line protocol escaping and event lines, exact output. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>

#include "event.h"
#include "lineproto.h"
#include "tap.h"

static const char *esc(int (*f)(evl_buf *, const char *, size_t),
                       const char *s, evl_buf *b)
{
    evl_buf_reset(b);
    return f(b, s, strlen(s)) == 0 ? b->data : "(refused)";
}

static const char *line_w(const char *json, const evl_lp_map *map,
                          uint64_t slot, const char *writer, evl_buf *b)
{
    evl_event ev;
    char err[256];
    evl_buf_reset(b);
    if (evl_event_parse(json, strlen(json), 0, &ev, err, sizeof err) != 0)
        return "(bad event)";
    int rc = evl_lp_event(b, map, &ev, slot, writer, err, sizeof err);
    evl_event_free(&ev);
    return rc == 0 ? b->data : "(refused)";
}

static const char *line(const char *json, const evl_lp_map *map,
                        uint64_t slot, evl_buf *b)
{
    return line_w(json, map, slot, NULL, b);
}

/* The instant of an event's timestamp, its point time and back. */
static void point(const char *ts, uint64_t slot, int64_t want_t,
                  int64_t want_sub)
{
    int64_t inst = 0, t = 0, sub = -1;
    int ok = evl_time_parse(ts, strlen(ts), &inst) == 0 &&
             evl_point_time(inst, slot, &t, &sub) == 0;
    OK(ok && t == want_t && sub == want_sub &&
           evl_point_instant(t, sub) == inst,
       "%s slot %llu: point time %lld sub %lld, instant back (got %lld %lld)",
       ts, (unsigned long long)slot, (long long)want_t, (long long)want_sub,
       (long long)t, (long long)sub);
}

int main(void)
{
    evl_buf b = {0};
    IS_STR(esc(evl_lp_measurement, "event", &b), "event", "plain measurement");
    IS_STR(esc(evl_lp_measurement, "a b,c=d", &b), "a\\ b\\,c=d", "measurement escapes space and comma, not =");
    IS_STR(esc(evl_lp_measurement, "#x", &b), "(refused)", "measurement starting with # refused (would be a comment)");
    IS_STR(esc(evl_lp_measurement, "a\nb", &b), "(refused)", "measurement with newline refused");
    IS_STR(esc(evl_lp_key, "k e=y,z", &b), "k\\ e\\=y\\,z", "key escapes space, = and comma");
    IS_STR(esc(evl_lp_key, "a\"b'c\\d", &b), "a\"b'c\\d", "key leaves quotes and inner backslash");
    IS_STR(esc(evl_lp_key, "tail\\", &b), "(refused)", "key with trailing backslash refused");
    /* Found by fuzz-event: "\\ " would be emitted as "\\\\ ", which InfluxDB
     * reads as an escaped backslash and then the end of the tag set. */
    IS_STR(esc(evl_lp_key, "a\\ b", &b), "(refused)", "key with a backslash before a space refused");
    IS_STR(esc(evl_lp_key, "a\\,b", &b), "(refused)", "key with a backslash before a comma refused");
    IS_STR(esc(evl_lp_key, "a\\=b", &b), "(refused)", "key with a backslash before = refused");
    IS_STR(esc(evl_lp_measurement, "m\\ x", &b), "(refused)", "measurement with a backslash before a space refused");
    IS_STR(esc(evl_lp_measurement, "m\\=x", &b), "m\\=x", "measurement: = is not special, backslash before it kept");
    IS_STR(esc(evl_lp_key, "dom\\user", &b), "dom\\user", "a backslash before an ordinary character is kept (DOMAIN\\user)");
    IS_STR(esc(evl_lp_key, "", &b), "(refused)", "empty key refused");
    IS_STR(esc(evl_lp_key, "a\rb", &b), "(refused)", "key with CR refused");
    IS_STR(esc(evl_lp_string, "say \"hi\" \\ ,= \n", &b), "\"say \\\"hi\\\" \\\\ ,= \n\"",
           "string value escapes quote and backslash only");
    IS_STR(esc(evl_lp_string, "ends\\", &b), "\"ends\\\\\"", "string ending in backslash");
    IS_STR(esc(evl_lp_string, "\xf0\x9f\x98\x80", &b), "\"\xf0\x9f\x98\x80\"", "emoji untouched");

    const char *ev = "{\"criticality\":7,\"timestamp\":\"2025-11-22T14:00:00Z\","
                     "\"eventMessage\":\"x\\\",pwned=true,y=\\\"z\",\"host\":\"web 1\","
                     "\"score\":1.5,\"ok\":true,\"n\":-3,\"empty\":\"\"}";
    evl_lp_map plain = {.measurement = "event"};
    IS_STR(line(ev, &plain, 123, &b),
           "event criticality=7i,eventMessage=\"x\\\",pwned=true,y=\\\"z\" 1763820000000000492\n",
           "event line: quote injection stays inside the string");
    const char *tags[] = {"host", "empty", "missing"};
    const char *fields[] = {"score", "ok", "n"};
    evl_lp_map full = {.measurement = "sec ev", .tags = tags, .ntags = 3,
                       .fields = fields, .nfields = 3};
    IS_STR(line(ev, &full, 5, &b),
           "sec\\ ev,host=web\\ 1 criticality=7i,eventMessage=\"x\\\",pwned=true,y=\\\"z\",score=1.5,ok=true,n=-3i 1763820000000000020\n",
           "event line with tags and typed extra fields; empty and missing tags omitted");
    const char *inj = "{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\","
                      "\"eventMessage\":\"m\",\"host\":\"a v=0 1\\nevil,host=x v=666 1\"}";
    const char *t1[] = {"host"};
    evl_lp_map tagged = {.measurement = "event", .tags = t1, .ntags = 1};
    b.len = 0;
    evl_buf_adds(&b, "prev\n");
    evl_event e2;
    char err[256];
    evl_event_parse(inj, strlen(inj), 0, &e2, err, sizeof err);
    OK(evl_lp_event(&b, &tagged, &e2, 1, NULL, err, sizeof err) == -1,
       "newline in a tag value refused (no forged points)");
    IS_STR(b.data, "prev\n", "a refused event leaves the buffer unchanged");
    evl_event_free(&e2);
    IS_STR(line("{\"criticality\":-9223372036854775808,\"timestamp\":\"1969-12-31T23:59:59Z\",\"eventMessage\":\"multi\\nline\"}",
                &plain, 0, &b),
           "event criticality=-9223372036854775808i,eventMessage=\"multi\nline\" -1000000000\n",
           "int64 min, negative time, raw LF kept inside the string field");

    /* The criticality band tag: first after the measurement, one band per
     * value 0..99, lt0 and ge100 for the rest. */
    evl_lp_map banded = {.measurement = "event", .tags = t1, .ntags = 1,
                         .crit_band_tag = "crit_band"};
    IS_STR(line("{\"criticality\":7,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\",\"host\":\"h\"}",
                &banded, 9, &b),
           "event,crit_band=7,host=h criticality=7i,eventMessage=\"m\" 1763820000000000036\n",
           "band tag first, then the configured tags");
    evl_lp_map written = {.measurement = "event", .tags = t1, .ntags = 1,
                          .crit_band_tag = "crit_band", .writer_tag = "writer"};
    IS_STR(line_w("{\"criticality\":7,\"timestamp\":\"2025-11-22T14:00:00.123456789Z\",\"eventMessage\":\"m\",\"host\":\"h\"}",
                  &written, 250002, "web1/sink", &b),
           "event,crit_band=7,host=h,writer=web1/sink criticality=7i,eventMessage=\"m\",sub_ns=456789i 1763820000123000011\n",
           "writer tag last; sub-millisecond field; slot 250002 is slot 2");
    IS_STR(line_w("{\"criticality\":7,\"timestamp\":\"2025-11-22T14:00:00.5Z\",\"eventMessage\":\"m\"}",
                  &written, 1, NULL, &b),
           "event,crit_band=7 criticality=7i,eventMessage=\"m\" 1763820000500000005\n",
           "no writer tag without a writer (JetStream); no sub field for a tenth");
    {
        int64_t t, sub;
        OK(evl_point_time(INT64_MAX - 10, 249999, &t, &sub) == -1 &&
               evl_point_time(INT64_MAX - 10, 0, &t, &sub) == 0 &&
               evl_point_time(INT64_MIN + 1, 0, &t, &sub) == -1,
           "a point time past InfluxDB's range is refused");
    }

    /* Point identity (lineproto.h): class, slot, sub field, the instant. */
    point("2025-11-22T14:00:00Z", 0, 1763820000000000000, 0);
    point("2025-11-22T14:00:00Z", 249999999, 1763820000999999996, 0);
    point("2025-11-22T14:00:00Z", 250000000, 1763820000000000000, 0);
    point("2025-11-22T14:00:00.5Z", 7, 1763820000500000029, 0);
    point("2025-11-22T14:00:00.25Z", 3, 1763820000250000014, 0);
    point("2025-11-22T14:00:00.123Z", 1, 1763820000123000007, 0);
    point("2025-11-22T14:00:00.123000Z", 249999, 1763820000123999999, 0);
    point("2025-11-22T14:00:00.123456789Z", 2, 1763820000123000011, 456789);
    point("2025-11-22T14:00:00.000000001Z", 0, 1763820000000000003, 1);
    point("2025-11-22T16:00:00.123+02:00", 1, 1763820000123000007, 0);
    point("1969-12-31T23:59:59.999999999Z", 0, -999997, 999999);
    point("1969-12-31T23:59:59.9Z", 1, -99999995, 0);
    point("1970-01-01T00:00:00Z", 5, 20, 0);
    OK(evl_point_slots(0) == 250000000 && evl_point_slots(3) == 250000 &&
           evl_point_slots(4) == 0,
       "slots per unit: 250,000,000 for seconds, 250,000 below 10 ms");
    {
        /* Distinct slots within a unit never share a point time. */
        int64_t ta, sa, tb, sb;
        int distinct = 1;
        for (uint64_t k = 1; k < 250000 && distinct; k += 997) {
            evl_point_time(1763820000123456789, 0, &ta, &sa);
            evl_point_time(1763820000123456789, k, &tb, &sb);
            distinct = ta != tb;
        }
        OK(distinct, "one nanosecond instant, slots 1..249999: distinct times");
    }
    static const struct { int64_t v; const char *band; } bands[] = {
        {INT64_MIN, "lt0"}, {-1, "lt0"}, {0, "0"}, {9, "9"}, {99, "99"},
        {100, "ge100"}, {INT64_MAX, "ge100"}};
    for (size_t i = 0; i < sizeof bands / sizeof bands[0]; i++) {
        char got[EVL_CRIT_BAND_LEN];
        evl_crit_band(bands[i].v, got);
        char name[64];
        snprintf(name, sizeof name, "band of %lld is %s",
                 (long long)bands[i].v, bands[i].band);
        IS_STR(got, bands[i].band, "%s", name);
    }
    /* bands_above(x): first band, last band, how many. */
    static const struct { int64_t x; const char *first; size_t n; } above[] = {
        {INT64_MIN, "lt0", 102}, {-2, "lt0", 102}, {-1, "0", 101},
        {0, "1", 100}, {5, "6", 95}, {98, "99", 2}, {99, "ge100", 1},
        {100, "ge100", 1}, {INT64_MAX - 1, "ge100", 1}, {INT64_MAX, "-", 0}};
    for (size_t i = 0; i < sizeof above / sizeof above[0]; i++) {
        char out[EVL_CRIT_BAND_TOP + 2][EVL_CRIT_BAND_LEN];
        size_t n = evl_crit_bands_above(above[i].x, out);
        char name[96];
        snprintf(name, sizeof name, "bands above %lld: %zu from %s to %s",
                 (long long)above[i].x, above[i].n, above[i].first,
                 above[i].n ? "ge100" : "-");
        OK(n == above[i].n && (n == 0 || (!strcmp(out[0], above[i].first) &&
                                          !strcmp(out[n - 1], "ge100"))),
           "%s", name);
    }
    evl_buf_free(&b);
    return tap_done();
}
