#include "batch.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

void ingest_batch_free(ingest_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->data[i]);
    free(b->data);
    free(b->len);
    memset(b, 0, sizeof *b);
}

static int push(ingest_batch *b, const char *s, size_t n)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        char **d = realloc(b->data, cap * sizeof *d);
        if (!d)
            return -1;
        b->data = d;
        size_t *l = realloc(b->len, cap * sizeof *l);
        if (!l)
            return -1;
        b->len = l;
        b->cap = cap;
    }
    char *c = malloc(n + 1);
    if (!c)
        return -1;
    memcpy(c, s, n);
    c[n] = '\0';
    b->data[b->n] = c;
    b->len[b->n++] = n;
    return 0;
}

/* One event's text: validated, keyed when the URL named a key. */
static int add_event(const char *s, size_t n, const char *key,
                     const ingest_limits *lim, ingest_batch *b, char *err,
                     size_t errlen)
{
    evl_event ev;
    if (evl_event_parse(s, n, lim->max_event_bytes, &ev, err, errlen) != 0)
        return -1;
    int rc = 0;
    if (!key) {
        rc = push(b, s, n);
    } else {
        json_object *k;
        if (json_object_object_get_ex(ev.obj, lim->key_field, &k) &&
            (!json_object_is_type(k, json_type_string) ||
             strcmp(json_object_get_string(k), key) != 0)) {
            snprintf(err, errlen,
                     "the event's \"%s\" differs from the key in the URL",
                     lim->key_field);
            evl_event_free(&ev);
            return -1;
        }
        json_object_object_add(ev.obj, lim->key_field,
                               json_object_new_string(key));
        size_t out_len = 0;
        const char *out = json_object_to_json_string_length(
            ev.obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
            &out_len);
        if (!out)
            rc = -1;
        else if (out_len > lim->max_event_bytes) {
            snprintf(err, errlen,
                     "event too large with its key: %zu bytes "
                     "(limit %zu)",
                     out_len, lim->max_event_bytes);
            evl_event_free(&ev);
            return -1;
        } else
            rc = push(b, out, out_len);
    }
    evl_event_free(&ev);
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}

/* Only characters of `set` (a NUL byte is never one of them). */
static bool only(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !strchr(set, s[i]))
            return false;
    return true;
}

static bool blank(const char *s, size_t n) { return only(s, n, " \t\r"); }

/* Whether the body is exactly one JSON value (surrounded by whitespace):
 * then it is one event, however many lines it spans. */
static bool one_json_value(const char *s, size_t n)
{
    json_tokener *tok = json_tokener_new_ex(64);
    if (!tok || n > INT32_MAX) {
        json_tokener_free(tok);
        return false;
    }
    json_object *o = json_tokener_parse_ex(tok, s, (int)n);
    size_t end = o ? json_tokener_get_parse_end(tok) : 0;
    json_object_put(o);
    json_tokener_free(tok);
    if (!o)
        return false;
    return only(s + end, n - end, " \t\r\n");
}

int ingest_parse(const char *body, size_t len, const char *key,
                 const ingest_limits *lim, ingest_batch *b, size_t *line,
                 char *err, size_t errlen)
{
    size_t first = b->n;
    *line = 0;
    if (!body || only(body, len, " \t\r\n")) {
        snprintf(err, errlen,
                 "empty body: send one JSON event, or NDJSON "
                 "(one event per line)");
        return -1;
    }
    if (one_json_value(body, len)) {
        size_t lead = 0;
        *line = 1;
        for (; only(body + lead, 1, " \t\r\n"); lead++)
            *line += body[lead] == '\n';
        if (add_event(body + lead, len - lead, key, lim, b, err, errlen) != 0)
            return -1;
        *line = 0;
        return 0;
    }
    size_t no = 0;
    for (const char *p = body, *end = body + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        no++;
        if (n && p[n - 1] == '\r')
            n--;
        if (!blank(p, n)) {
            if (b->n - first >= lim->max_events) {
                snprintf(err, errlen, "more than %zu events in one request",
                         lim->max_events);
                goto fail_whole;
            }
            if (add_event(p, n, key, lim, b, err, errlen) != 0) {
                *line = no;
                goto fail;
            }
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
fail_whole:
    *line = 0;
fail:
    /* All or nothing: drop what this body added. */
    while (b->n > first)
        free(b->data[--b->n]);
    return -1;
}

bool ingest_key_valid(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > 64 || strcmp(key, ".") == 0 || strcmp(key, "..") == 0)
        return false;
    return strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789_.-") == n;
}

bool ingest_idempotency_key_valid(const char *key)
{
    size_t n = strlen(key);
    return n > 0 && n <= 128 &&
           strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789_.:-") == n;
}

int ingest_event_from_params(const char *criticality, const char *message,
                             const char *timestamp, int64_t now_ns, char *buf,
                             size_t cap, char *err, size_t errlen)
{
    if (!criticality || !message) {
        snprintf(err, errlen,
                 "without a body, give the event as query "
                 "parameters: ?criticality=<integer>&message="
                 "<text>[&timestamp=<RFC 3339>]");
        return -1;
    }
    char *end;
    errno = 0;
    long long c = strtoll(criticality, &end, 10);
    if (errno || end == criticality || *end) {
        snprintf(err, errlen, "criticality must be an integer");
        return -1;
    }
    char now[40];
    if (!timestamp) {
        if (evl_time_format(now_ns, now, sizeof now) < 0) {
            snprintf(err, errlen, "clock out of range");
            return -1;
        }
        timestamp = now;
    }
    int n = evl_event_format(buf, cap, c, timestamp, message);
    if (n < 0)
        snprintf(err, errlen, "event too large (limit %zu bytes)", cap);
    return n;
}

bool ingest_token_equal(const char *given, const char *want)
{
    size_t g = strlen(given), w = strlen(want);
    unsigned char d = g != w;
    /* Walk the expected token whatever was given: timing tells nothing. */
    for (size_t i = 0; i < w; i++)
        d |= (unsigned char)(want[i] ^ (i < g ? given[i] : 0));
    return d == 0;
}
