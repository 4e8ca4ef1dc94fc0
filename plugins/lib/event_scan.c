/*
 * The fast path of event parsing: one pass over a flat JSON object, no
 * allocation but the caller's scratch buffer, no tree.  json-c builds an
 * object per key and a hash table per event, and was about 40% of the
 * sink's own CPU (perf); most events are three scalars.
 *
 * It accepts only what evl_event_parse accepts, with the same values, and
 * hands everything unusual back (return 1): nesting, surrogate or NUL
 * escapes, raw control characters, a repeated key, numbers it cannot judge
 * exactly, any error.  The error message is then evl_event_parse's.
 * fuzz-event checks the promise on every input it tries.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event.h"

enum { SCAN_OK = 0, SCAN_DEFER = 1 };

typedef struct scan {
    const char *p, *end;
} scan;

static void skip_ws(scan *s)
{
    while (s->p < s->end &&
           (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A string at s->p (on its opening quote).  With `out`, its decoded bytes
 * are appended there (NUL-terminated by evl_buf), at *off, *n of them. */
static int scan_string(scan *s, evl_buf *out, size_t *off, size_t *n)
{
    const char *p = s->p + 1;
    bool high = false;
    if (out)
        *off = out->len;
    for (;;) {
        const char *run = p;
        while (p < s->end && *p != '"' && *p != '\\') {
            unsigned char c = (unsigned char)*p;
            if (c < 0x20)
                return SCAN_DEFER; /* raw control character */
            high |= c >= 0x80;
            p++;
        }
        if (p >= s->end)
            return SCAN_DEFER;
        if (high && evl_utf8_check(run, (size_t)(p - run)) != (size_t)(p - run))
            return SCAN_DEFER;
        if (out && evl_buf_add(out, run, (size_t)(p - run)) != 0)
            return SCAN_DEFER;
        if (*p == '"')
            break;
        /* an escape */
        if (s->end - p < 2)
            return SCAN_DEFER;
        char c = p[1], dec;
        p += 2;
        switch (c) {
        case '"': dec = '"'; break;
        case '\\': dec = '\\'; break;
        case '/': dec = '/'; break;
        case 'b': dec = '\b'; break;
        case 'f': dec = '\f'; break;
        case 'n': dec = '\n'; break;
        case 'r': dec = '\r'; break;
        case 't': dec = '\t'; break;
        case 'u': {
            unsigned cp = 0;
            if (s->end - p < 4)
                return SCAN_DEFER;
            for (int i = 0; i < 4; i++) {
                int h = hexval(p[i]);
                if (h < 0)
                    return SCAN_DEFER;
                cp = cp << 4 | (unsigned)h;
            }
            p += 4;
            /* NUL and UTF-16 surrogates: evl_event_parse's rules */
            if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
                return SCAN_DEFER;
            char u[3];
            size_t un;
            if (cp < 0x80) {
                u[0] = (char)cp, un = 1;
            } else if (cp < 0x800) {
                u[0] = (char)(0xc0 | cp >> 6);
                u[1] = (char)(0x80 | (cp & 0x3f)), un = 2;
            } else {
                u[0] = (char)(0xe0 | cp >> 12);
                u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                u[2] = (char)(0x80 | (cp & 0x3f)), un = 3;
            }
            if (out && evl_buf_add(out, u, un) != 0)
                return SCAN_DEFER;
            continue;
        }
        default: return SCAN_DEFER;
        }
        if (out && evl_buf_addc(out, dec) != 0)
            return SCAN_DEFER;
    }
    s->p = p + 1;
    if (out)
        *n = out->len - *off;
    return SCAN_OK;
}

/* A JSON integer that fits int64, nothing else (no fraction, no exponent). */
static int scan_int64(scan *s, int64_t *v)
{
    const char *p = s->p, *digits;
    if (p < s->end && *p == '-')
        p++;
    digits = p;
    while (p < s->end && *p >= '0' && *p <= '9')
        p++;
    if (p == digits || (*digits == '0' && p - digits > 1) || p - digits > 19)
        return SCAN_DEFER;
    if (p < s->end && (*p == '.' || *p == 'e' || *p == 'E'))
        return SCAN_DEFER;
    char tmp[24];
    memcpy(tmp, s->p, (size_t)(p - s->p));
    tmp[p - s->p] = '\0';
    errno = 0;
    char *e;
    long long x = strtoll(tmp, &e, 10);
    if (errno == ERANGE || *e != '\0')
        return SCAN_DEFER;
    *v = x;
    s->p = p;
    return SCAN_OK;
}

static bool literal(scan *s, const char *lit, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
        return false;
    s->p += n;
    return true;
}

/* Any other scalar value: a string, a short integer, true, false, null. */
static int skip_value(scan *s)
{
    int64_t ignored;
    if (s->p >= s->end)
        return SCAN_DEFER;
    switch (*s->p) {
    case '"': return scan_string(s, NULL, NULL, NULL);
    case 't': return literal(s, "true", 4) ? SCAN_OK : SCAN_DEFER;
    case 'f': return literal(s, "false", 5) ? SCAN_OK : SCAN_DEFER;
    case 'n': return literal(s, "null", 4) ? SCAN_OK : SCAN_DEFER;
    default: return scan_int64(s, &ignored);
    }
}

static bool key_is(const char *k, size_t n, const char *want, size_t wn)
{
    return n == wn && memcmp(k, want, n) == 0;
}

/* The string value of a key allowed once, NUL-terminated in scratch. */
static int scan_text(scan *s, evl_buf *scratch, bool *have, size_t *off,
                     size_t *n)
{
    if (*have || s->p >= s->end || *s->p != '"')
        return SCAN_DEFER;
    *have = true;
    int rc = scan_string(s, scratch, off, n);
    if (rc == SCAN_OK && evl_buf_addc(scratch, '\0') != 0)
        rc = SCAN_DEFER;
    return rc;
}

int evl_event_scan(const char *data, size_t len, size_t max_len, evl_event *ev,
                   evl_buf *scratch)
{
    scan s = {data, data + len};
    size_t ts_off = 0, ts_n = 0, msg_off = 0, msg_n = 0;
    bool have_c = false, have_t = false, have_m = false;

    memset(ev, 0, sizeof *ev);
    if (len > (max_len ? max_len : EVL_EVENT_MAX_BYTES) || len > INT_MAX)
        return SCAN_DEFER;
    evl_buf_reset(scratch);
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{')
        return SCAN_DEFER;
    s.p++;
    skip_ws(&s);
    if (s.p < s.end && *s.p == '}')
        return SCAN_DEFER; /* {}: missing keys */
    for (;;) {
        size_t koff = 0, kn = 0;
        if (s.p >= s.end || *s.p != '"' ||
            scan_string(&s, scratch, &koff, &kn) != SCAN_OK)
            return SCAN_DEFER;
        /* Keys are compared, then forgotten: only values stay in scratch. */
        char key[16];
        size_t keep = kn < sizeof key ? kn : sizeof key;
        if (keep)
            memcpy(key, scratch->data + koff, keep);
        scratch->len = koff;
        skip_ws(&s);
        if (s.p >= s.end || *s.p != ':')
            return SCAN_DEFER;
        s.p++;
        skip_ws(&s);
        int rc;
        if (key_is(key, kn, "criticality", 11)) {
            if (have_c)
                return SCAN_DEFER; /* a repeated key: json-c's rules */
            have_c = true;
            rc = scan_int64(&s, &ev->criticality);
        } else if (key_is(key, kn, "timestamp", 9)) {
            rc = scan_text(&s, scratch, &have_t, &ts_off, &ts_n);
        } else if (key_is(key, kn, "eventMessage", 12)) {
            rc = scan_text(&s, scratch, &have_m, &msg_off, &msg_n);
        } else {
            rc = skip_value(&s);
        }
        if (rc != SCAN_OK)
            return SCAN_DEFER;
        skip_ws(&s);
        if (s.p < s.end && *s.p == ',') {
            s.p++;
            skip_ws(&s);
            continue;
        }
        if (s.p < s.end && *s.p == '}') {
            s.p++;
            break;
        }
        return SCAN_DEFER;
    }
    skip_ws(&s);
    if (s.p != s.end || !have_c || !have_t || !have_m)
        return SCAN_DEFER;
    if (!scratch->data)
        return SCAN_DEFER;
    if (evl_time_parse(scratch->data + ts_off, ts_n, &ev->time_ns) != 0)
        return SCAN_DEFER;
    ev->timestamp = scratch->data + ts_off;
    ev->message = scratch->data + msg_off;
    ev->message_len = msg_n;
    return SCAN_OK;
}
