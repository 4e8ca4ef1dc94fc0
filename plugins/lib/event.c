/*
 * The security event: strict parsing with json-c, RFC 3339 time, and a
 * compact formatter.  Pure functions, no globals.
 */
#include "event.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc3339.h"

#define EVENT_MAX_DEPTH 32

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int evl_time_parse(const char *s, size_t len, int64_t *ns)
{
    return rfc3339_parse(s, len, ns);
}

/* `width` decimal digits of v (0 <= v < 10^width), zero-padded. */
static void put_digits(char *p, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

int evl_time_format(int64_t ns, char *buf, size_t cap)
{
    int64_t secs = ns / 1000000000, frac = ns % 1000000000;
    if (frac < 0) {
        frac += 1000000000;
        secs--;
    }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    /* Digits by hand, not snprintf: the generator formats one per event
     * and printf was its largest cost (perf). */
    if (y < 0 || y > 9999 || cap < 31)
        return -1;
    put_digits(buf, y, 4);
    buf[4] = '-';
    put_digits(buf + 5, m, 2);
    buf[7] = '-';
    put_digits(buf + 8, d, 2);
    buf[10] = 'T';
    put_digits(buf + 11, rem / 3600, 2);
    buf[13] = ':';
    put_digits(buf + 14, rem % 3600 / 60, 2);
    buf[16] = ':';
    put_digits(buf + 17, rem % 60, 2);
    buf[19] = '.';
    put_digits(buf + 20, frac, 9);
    buf[29] = 'Z';
    buf[30] = '\0';
    return 30;
}

int evl_time_format_short(int64_t ns, char *buf, size_t cap)
{
    char tmp[40];
    int n = evl_time_format(ns, tmp, sizeof tmp);
    if (n < 0)
        return -1;
    /* "....SS.fffffffffZ": drop trailing zeros, and the dot with them. */
    int end = 29;
    while (end > 20 && tmp[end - 1] == '0')
        end--;
    if (end == 20)
        end = 19;
    if ((size_t)end + 2 > cap)
        return -1;
    memcpy(buf, tmp, (size_t)end);
    buf[end] = 'Z';
    buf[end + 1] = '\0';
    return end + 1;
}

/* json-c keeps integers that do not fit int64 as uint64 (and clamps when
 * asked for int64), and accepts "1e3" or "5.0" only as doubles: check the
 * token type and re-read the number's own text. */
static int get_int64(json_object *o, int64_t *out)
{
    if (!json_object_is_type(o, json_type_int))
        return -1;
    errno = 0;
    const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    char *end;
    long long v = strtoll(txt, &end, 10);
    if (errno == ERANGE || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* json-c clamps a negative integer below INT64_MIN to INT64_MIN without
 * telling; the only honest INT64_MIN is the literal itself in the input. */
static bool has_int64_min_literal(const char *data, size_t len)
{
    static const char lit[] = "-9223372036854775808";
    const size_t n = sizeof lit - 1;
    for (const char *p = data;
         (p = memmem(p, len - (size_t)(p - data), lit, n)); p++) {
        size_t after = (size_t)(p - data) + n;
        if (after >= len || data[after] < '0' || data[after] > '9')
            return true;
    }
    return false;
}

int evl_json_int64(json_object *o, const char *raw, size_t rawlen, int64_t *out)
{
    if (get_int64(o, out) != 0)
        return -1;
    if (*out == INT64_MIN && !has_int64_min_literal(raw, rawlen))
        return -1;
    return 0;
}

size_t evl_utf8_check(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t n;
        unsigned min, cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1, min = 0x80, cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2, min = 0x800, cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return i; /* 0x80-0xc1 (continuation, overlong 2-byte), > 0xf4 */
        }
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        /* Overlong forms, UTF-16 surrogates and code points past U+10FFFF
         * are not UTF-8 (RFC 3629), whatever a lenient decoder says. */
        if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return i;
        i += n + 1;
    }
    return len;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
    unsigned v = 0;
    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* JSON lets "\ud800" through, but it is no character: json-c would turn a
 * lone surrogate into U+FFFD and store something the sender never sent.
 * Returns the offset of the first unpaired surrogate escape, or len.
 * Backslashes occur only inside strings, so no string tracking is needed. */
static size_t lone_surrogate(const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
        unsigned hi, lo;
        if (end - p < 2)
            break;
        if (p[1] != 'u' || hex4(p + 2, end, &hi) != 0) {
            p += 2;
            continue;
        }
        if (hi >= 0xdc00 && hi <= 0xdfff)
            return (size_t)(p - data);
        if (hi >= 0xd800 && hi <= 0xdbff) {
            if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
                hex4(p + 8, end, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
                return (size_t)(p - data);
            p += 12;
            continue;
        }
        p += 6;
    }
    return len;
}

/* What json-c is not asked to judge: size, UTF-8, lone surrogates. */
static int check_text(const char *data, size_t len, size_t max_len, char *err,
                      size_t errlen)
{
    if (max_len == 0)
        max_len = EVL_EVENT_MAX_BYTES;
    if (len > max_len)
        return fail(err, errlen, "event too large: %zu bytes (limit %zu)", len,
                    max_len);
    if (len > INT_MAX)
        return fail(err, errlen, "event too large");
    size_t bad = evl_utf8_check(data, len);
    if (bad != len)
        return fail(err, errlen, "not JSON: invalid UTF-8 at byte %zu", bad);
    bad = lone_surrogate(data, len);
    if (bad != len)
        return fail(err, errlen,
                    "not JSON: unpaired UTF-16 surrogate escape at byte %zu",
                    bad);
    return 0;
}

/* One JSON object and nothing after it but blanks; NULL (err) if not. */
static json_object *parse_object(const char *data, size_t len, char *err,
                                 size_t errlen)
{
    json_tokener *tok = json_tokener_new_ex(EVENT_MAX_DEPTH);
    if (!tok) {
        fail(err, errlen, "out of memory");
        return NULL;
    }
    json_tokener_set_flags(tok,
                           JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *obj = json_tokener_parse_ex(tok, data, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);

    if (!obj || jerr != json_tokener_success) {
        json_object_put(obj);
        if (jerr == json_tokener_continue)
            fail(err, errlen, "not JSON: truncated input");
        else
            fail(err, errlen, "not JSON: %s at byte %zu",
                 json_tokener_error_desc(jerr), used);
        return NULL;
    }
    while (used < len && (data[used] == ' ' || data[used] == '\t' ||
                          data[used] == '\n' || data[used] == '\r'))
        used++;
    if (used != len) {
        json_object_put(obj);
        fail(err, errlen, "not JSON: trailing data at byte %zu", used);
        return NULL;
    }
    if (!json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        fail(err, errlen, "not a JSON object");
        return NULL;
    }
    return obj;
}

static int want_string(json_object *v, const char *key, char *err,
                       size_t errlen)
{
    if (json_object_is_type(v, json_type_string))
        return 0;
    return fail(err, errlen, "\"%s\" must be a string, got %s", key,
                json_type_to_name(json_object_get_type(v)));
}

/* The three keys of obj into ev (pointing into obj). */
static int read_fields(json_object *obj, const char *data, size_t len,
                       evl_event *ev, char *err, size_t errlen)
{
    json_object *c, *t, *m;
    if (!json_object_object_get_ex(obj, "criticality", &c))
        return fail(err, errlen, "missing key \"criticality\"");
    if (!json_object_object_get_ex(obj, "timestamp", &t))
        return fail(err, errlen, "missing key \"timestamp\"");
    if (!json_object_object_get_ex(obj, "eventMessage", &m))
        return fail(err, errlen, "missing key \"eventMessage\"");
    if (evl_json_int64(c, data, len, &ev->criticality) != 0) {
        if (json_object_is_type(c, json_type_int))
            return fail(err, errlen, "\"criticality\" out of the int64 range");
        return fail(err, errlen, "\"criticality\" must be an integer, got %s",
                    json_type_to_name(json_object_get_type(c)));
    }
    if (want_string(t, "timestamp", err, errlen) ||
        want_string(m, "eventMessage", err, errlen))
        return -1;
    ev->timestamp = json_object_get_string(t);
    size_t tlen = (size_t)json_object_get_string_len(t);
    int trc = evl_time_parse(ev->timestamp, tlen, &ev->time_ns);
    if (trc == -2)
        return fail(err, errlen,
                    "\"timestamp\" is outside InfluxDB's time range "
                    "(1677-09-21T00:12:43.145224194Z to "
                    "2262-04-11T23:47:16.854775806Z)");
    if (trc != 0)
        return fail(err, errlen,
                    "\"timestamp\" is not an RFC 3339 date-time with a zone "
                    "(e.g. 2026-11-22T14:00:00.123Z)");
    ev->message = json_object_get_string(m);
    ev->message_len = (size_t)json_object_get_string_len(m);
    /* "\u0000" is valid JSON but no text: C consumers (and InfluxDB's
     * line protocol) would cut the message there.  Found by fuzz-event. */
    if (memchr(ev->message, '\0', ev->message_len))
        return fail(err, errlen, "\"eventMessage\" contains a NUL character");
    return 0;
}

int evl_event_parse(const char *data, size_t len, size_t max_len, evl_event *ev,
                    char *err, size_t errlen)
{
    memset(ev, 0, sizeof *ev);
    if (check_text(data, len, max_len, err, errlen) != 0)
        return -1;
    json_object *obj = parse_object(data, len, err, errlen);
    if (!obj)
        return -1;
    if (read_fields(obj, data, len, ev, err, errlen) != 0) {
        json_object_put(obj);
        memset(ev, 0, sizeof *ev);
        return -1;
    }
    ev->obj = obj;
    return 0;
}

void evl_event_free(evl_event *ev)
{
    if (!ev)
        return;
    json_object_put(ev->obj);
    memset(ev, 0, sizeof *ev);
}

/* JSON string escaping per RFC 8259 (control characters as \u00XX). */
/* Characters JSON needs escaped: control characters, '"' and '\\' (a
 * table: one load per character in the generator's hottest loop). */
static const bool json_escaped[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1,
    [0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1,
    [0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1,
    [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
    [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
    [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1,
};

static int put_json_string(char *buf, size_t cap, size_t *n, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (*n + 1 >= cap)
        return -1;
    buf[(*n)++] = '"';
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        /* Copy a run of plain characters at once. */
        const unsigned char *q = p;
        while (*q && !json_escaped[*q])
            q++;
        size_t run = (size_t)(q - p);
        if (run) {
            if (*n + run >= cap)
                return -1;
            memcpy(buf + *n, p, run);
            *n += run;
            p = q;
            continue;
        }
        char esc = *p == '"'    ? '"'
                   : *p == '\\' ? '\\'
                   : *p == '\n' ? 'n'
                   : *p == '\r' ? 'r'
                   : *p == '\t' ? 't'
                   : *p == '\b' ? 'b'
                   : *p == '\f' ? 'f'
                                : 0;
        if (esc) {
            if (*n + 2 >= cap)
                return -1;
            buf[(*n)++] = '\\';
            buf[(*n)++] = esc;
        } else {
            if (*n + 6 >= cap)
                return -1;
            memcpy(buf + *n, "\\u00", 4);
            buf[*n + 4] = hex[*p >> 4];
            buf[*n + 5] = hex[*p & 15];
            *n += 6;
        }
        p++;
    }
    if (*n + 1 >= cap)
        return -1;
    buf[(*n)++] = '"';
    buf[*n] = '\0';
    return 0;
}

int evl_json_quote(char *buf, size_t cap, const char *s)
{
    size_t n = 0;
    return put_json_string(buf, cap, &n, s) == 0 ? (int)n : -1;
}

/* `{"criticality":C,"timestamp":` into buf; returns its length, or 0 when
 * it leaves fewer than `room` bytes free.  Shared by both formatters so that
 * they cannot drift apart. */
static size_t put_event_head(char *buf, size_t cap, int64_t criticality,
                             size_t room)
{
    static const char head[] = "{\"criticality\":";
    char digits[24];
    size_t nd = 0;
    /* Digits backwards; via uint64 so INT64_MIN negates safely. */
    uint64_t u =
        criticality < 0 ? 0 - (uint64_t)criticality : (uint64_t)criticality;
    do {
        digits[nd++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (criticality < 0)
        digits[nd++] = '-';
    size_t n = sizeof head - 1;
    static const char ts_key[] = ",\"timestamp\":";
    size_t k = sizeof ts_key - 1;
    if (n + nd + k + room >= cap)
        return 0;
    memcpy(buf, head, n);
    while (nd)
        buf[n++] = digits[--nd];
    memcpy(buf + n, ts_key, k);
    return n + k;
}

int evl_event_format(char *buf, size_t cap, int64_t criticality,
                     const char *timestamp, const char *message)
{
    size_t n = put_event_head(buf, cap, criticality, 1);
    if (n == 0 || put_json_string(buf, cap, &n, timestamp) != 0)
        return -1;
    if (n + 17 >= cap)
        return -1;
    memcpy(buf + n, ",\"eventMessage\":", 16);
    n += 16;
    if (put_json_string(buf, cap, &n, message) != 0 || n + 2 > cap)
        return -1;
    buf[n++] = '}';
    buf[n] = '\0';
    return (int)n;
}

int evl_event_format_quoted(char *buf, size_t cap, int64_t criticality,
                            const char *timestamp, size_t timestamp_len,
                            const char *message, size_t message_len)
{
    /* Room after the head: both strings, the middle key, '}' and NUL. */
    size_t n = put_event_head(buf, cap, criticality,
                              timestamp_len + 16 + message_len + 1);
    if (n == 0)
        return -1;
    memcpy(buf + n, timestamp, timestamp_len);
    n += timestamp_len;
    memcpy(buf + n, ",\"eventMessage\":", 16);
    n += 16;
    memcpy(buf + n, message, message_len);
    n += message_len;
    buf[n++] = '}';
    buf[n] = '\0';
    return (int)n;
}
