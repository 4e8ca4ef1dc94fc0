#include "lineproto.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Refuse what no escape can carry: line breaks end a point (and let input
 * forge new ones); a backslash at the end, or before a character we escape
 * (`\\ `), pairs with our escape: InfluxDB reads `\\` as an escaped byte,
 * then the bare separator ends the element, and 1.6 refuses the whole line
 * ("invalid tag format") or reads the rest as fields.  We refuse such a
 * name with a clear reason instead.  (Found by fuzz-event's reader.) */
static int check_name(const char *s, size_t n, const char *special)
{
    if (n == 0 || s[n - 1] == '\\')
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' || s[i] == '\r' || s[i] == '\0')
            return -1;
        if (s[i] == '\\' && strchr(special, s[i + 1]))
            return -1;
    }
    return 0;
}

/* Which bytes each element escapes: one table load per byte instead of a
 * strchr (7% of the sink's CPU in perf). */
enum { ESC_MEAS = 1, ESC_KEY = 2, ESC_STR = 4 };
static const unsigned char esc_class[256] = {
    [','] = ESC_MEAS | ESC_KEY,
    [' '] = ESC_MEAS | ESC_KEY,
    ['='] = ESC_KEY,
    ['"'] = ESC_STR,
    ['\\'] = ESC_STR,
};

static int add_escaped(evl_buf *b, const char *s, size_t n, int cls)
{
    if (evl_buf_reserve(b, n * 2) != 0)
        return -1;
    char *out = b->data + b->len;
    const char *end = s + n;
    while (s < end) {
        /* Copy a run of plain bytes at once. */
        const char *run = s;
        while (s < end && !(esc_class[(unsigned char)*s] & cls))
            s++;
        memcpy(out, run, (size_t)(s - run));
        out += s - run;
        if (s < end) {
            *out++ = '\\';
            *out++ = *s++;
        }
    }
    b->len = (size_t)(out - b->data);
    b->data[b->len] = '\0';
    return 0;
}

int evl_lp_measurement(evl_buf *b, const char *s, size_t n)
{
    if (check_name(s, n, ", ") != 0 || s[0] == '#')
        return -1;
    return add_escaped(b, s, n, ESC_MEAS);
}

int evl_lp_key(evl_buf *b, const char *s, size_t n)
{
    if (check_name(s, n, ",= ") != 0)
        return -1;
    return add_escaped(b, s, n, ESC_KEY);
}

int evl_lp_string(evl_buf *b, const char *s, size_t n)
{
    if (evl_buf_addc(b, '"') != 0 || add_escaped(b, s, n, ESC_STR) != 0)
        return -1;
    return evl_buf_addc(b, '"');
}

static int fail(evl_buf *b, size_t mark, char *err, size_t errlen,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(evl_buf *b, size_t mark, char *err, size_t errlen,
                const char *fmt, ...)
{
    va_list ap;
    b->len = mark;
    if (b->data)
        b->data[mark] = '\0';
    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static bool is_reserved(const char *k)
{
    return strcmp(k, "time") == 0 || strcmp(k, "criticality") == 0 ||
           strcmp(k, "eventMessage") == 0 || strcmp(k, "timestamp") == 0 ||
           strcmp(k, EVL_POINT_SUB_FIELD) == 0;
}

/* Value text of a scalar for a tag. */
static int tag_value(evl_buf *b, json_object *v)
{
    char tmp[32];
    switch (json_object_get_type(v)) {
    case json_type_string:
        return evl_lp_key(b, json_object_get_string(v),
                          (size_t)json_object_get_string_len(v));
    case json_type_int:
        snprintf(tmp, sizeof tmp, "%lld", (long long)json_object_get_int64(v));
        return evl_lp_key(b, tmp, strlen(tmp));
    case json_type_boolean:
        return evl_buf_adds(b, json_object_get_boolean(v) ? "true" : "false");
    default: return -1;
    }
}

static int field_value(evl_buf *b, json_object *v)
{
    char tmp[40];
    switch (json_object_get_type(v)) {
    case json_type_string:
        return evl_lp_string(b, json_object_get_string(v),
                             (size_t)json_object_get_string_len(v));
    case json_type_int:
        if (evl_buf_add_i64(b, (long long)json_object_get_int64(v)) != 0)
            return -1;
        return evl_buf_addc(b, 'i');
    case json_type_double:
        snprintf(tmp, sizeof tmp, "%.17g", json_object_get_double(v));
        if (!strpbrk(tmp, "0123456789") || strpbrk(tmp, "ni")) /* nan/inf */
            return -1;
        return evl_buf_adds(b, tmp);
    case json_type_boolean:
        return evl_buf_adds(b, json_object_get_boolean(v) ? "true" : "false");
    default: return -1;
    }
}

void evl_crit_band(int64_t v, char out[EVL_CRIT_BAND_LEN])
{
    if (v < 0)
        memcpy(out, "lt0", 4);
    else if (v >= EVL_CRIT_BAND_TOP)
        memcpy(out, "ge100", 6);
    else
        snprintf(out, EVL_CRIT_BAND_LEN, "%d", (int)v);
}

size_t evl_crit_bands_above(int64_t x, char out[][EVL_CRIT_BAND_LEN])
{
    size_t n = 0;
    /* Band i holds values up to top(i): -1 for "lt0", i for 0..99, and
     * INT64_MAX for "ge100"; it can hold one above x iff top(i) > x. */
    for (int64_t i = -1; i <= EVL_CRIT_BAND_TOP; i++) {
        int64_t top = i == EVL_CRIT_BAND_TOP ? INT64_MAX : i;
        if (top > x)
            evl_crit_band(i, out[n++]);
    }
    return n;
}

static const int64_t point_unit[4] = {1000000000, 100000000, 10000000, 1000000};

int64_t evl_point_slots(int c)
{
    return c >= 0 && c < 4 ? point_unit[c] / 4 : 0;
}

/* floor(a / u) * u, for negative instants too (before 1970). */
static int64_t floor_to(int64_t a, int64_t u)
{
    int64_t r = a % u;
    return r < 0 ? a - r - u : a - r;
}

int evl_point_time(int64_t instant, uint64_t slot, int64_t *time_ns,
                   int64_t *sub_ns)
{
    int c = 0;
    if (instant < INT64_MIN + 2 * point_unit[0])
        return -1; /* before 1677: InfluxDB cannot store it either */
    while (c < 3 && instant % point_unit[c] != 0)
        c++;
    int64_t u = point_unit[c], base = floor_to(instant, u);
    int64_t off = 4 * (int64_t)(slot % (uint64_t)(u / 4)) + c;
    /* InfluxDB stores -9223372036854775806 .. 9223372036854775806. */
    if (base > INT64_MAX - 1 - off || base < INT64_MIN + 2)
        return -1;
    *time_ns = base + off;
    *sub_ns = c == 3 ? instant - base : 0;
    return 0;
}

int evl_point_class(int64_t time_ns) { return (int)(((time_ns % 4) + 4) % 4); }

int64_t evl_point_instant(int64_t time_ns, int64_t sub_ns)
{
    int c = evl_point_class(time_ns);
    int64_t base = floor_to(time_ns, point_unit[c]);
    return c == 3 && sub_ns > 0 && sub_ns < point_unit[3] ? base + sub_ns
                                                          : base;
}

static int add_tag(evl_buf *b, const char *k, const char *v)
{
    if (evl_buf_addc(b, ',') != 0 || evl_lp_key(b, k, strlen(k)) != 0 ||
        evl_buf_addc(b, '=') != 0)
        return -1;
    return evl_lp_key(b, v, strlen(v));
}

/* The band, the configured tags present in the event, the writer. */
static int put_tags(evl_buf *b, size_t mark, const evl_lp_map *map,
                    const evl_event *ev, const char *writer, char *err,
                    size_t errlen)
{
    if (map->crit_band_tag) {
        char band[EVL_CRIT_BAND_LEN];
        evl_crit_band(ev->criticality, band);
        if (add_tag(b, map->crit_band_tag, band) != 0)
            return fail(b, mark, err, errlen, "bad criticality band tag key");
    }
    for (size_t i = 0; i < map->ntags; i++) {
        json_object *v;
        const char *k = map->tags[i];
        if (!ev->obj || !json_object_object_get_ex(ev->obj, k, &v) || !v)
            continue;
        if (json_object_is_type(v, json_type_string) &&
            json_object_get_string_len(v) == 0)
            continue; /* InfluxDB has no empty tag values: omit the tag */
        if (evl_buf_addc(b, ',') != 0 || evl_lp_key(b, k, strlen(k)) != 0 ||
            evl_buf_addc(b, '=') != 0 || tag_value(b, v) != 0)
            return fail(b, mark, err, errlen,
                        "tag \"%s\": value cannot be a tag (line break, "
                        "trailing backslash, or not a string/number/bool)",
                        k);
    }
    if (map->writer_tag && writer && add_tag(b, map->writer_tag, writer))
        return fail(b, mark, err, errlen, "writer tag: not a tag value");
    return 0;
}

/* The configured extra fields present in the event. */
static int put_fields(evl_buf *b, size_t mark, const evl_lp_map *map,
                      const evl_event *ev, char *err, size_t errlen)
{
    for (size_t i = 0; i < map->nfields; i++) {
        json_object *v;
        const char *k = map->fields[i];
        if (!ev->obj || !json_object_object_get_ex(ev->obj, k, &v) || !v)
            continue;
        if (is_reserved(k))
            return fail(b, mark, err, errlen, "field \"%s\" is reserved", k);
        if (evl_buf_addc(b, ',') != 0 || evl_lp_key(b, k, strlen(k)) != 0 ||
            evl_buf_addc(b, '=') != 0 || field_value(b, v) != 0)
            return fail(b, mark, err, errlen,
                        "field \"%s\": not a string, number or bool", k);
    }
    return 0;
}

int evl_lp_event(evl_buf *b, const evl_lp_map *map, const evl_event *ev,
                 uint64_t slot, const char *writer, char *err, size_t errlen)
{
    size_t mark = b->len;
    const char *meas = map && map->measurement ? map->measurement : "event";
    int64_t t, sub;

    if (evl_point_time(ev->time_ns, slot, &t, &sub) != 0)
        return fail(b, mark, err, errlen,
                    "timestamp outside the range InfluxDB stores "
                    "(1677-09-21 .. 2262-04-11)");
    if (evl_lp_measurement(b, meas, strlen(meas)) != 0)
        return fail(b, mark, err, errlen, "bad measurement name");
    if (map && put_tags(b, mark, map, ev, writer, err, errlen) != 0)
        return -1;
    if (evl_buf_adds(b, " criticality=") != 0 ||
        evl_buf_add_i64(b, (long long)ev->criticality) != 0 ||
        evl_buf_adds(b, "i,eventMessage=") != 0 ||
        evl_lp_string(b, ev->message, ev->message_len) != 0)
        return fail(b, mark, err, errlen, "out of memory");
    if (sub != 0 &&
        (evl_buf_adds(b, "," EVL_POINT_SUB_FIELD "=") != 0 ||
         evl_buf_add_i64(b, (long long)sub) != 0 || evl_buf_addc(b, 'i') != 0))
        return fail(b, mark, err, errlen, "out of memory");
    if (map && put_fields(b, mark, map, ev, err, errlen) != 0)
        return -1;
    if (evl_buf_addc(b, ' ') != 0 || evl_buf_add_i64(b, (long long)t) != 0 ||
        evl_buf_addc(b, '\n') != 0)
        return fail(b, mark, err, errlen, "out of memory");
    return 0;
}
