#include "query.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

#define NS_PER_S 1000000000LL

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *const members[] = {
    "last_events_count",
    "min_criticality",
    "max_criticality",
    "criticality_in",
    "since",
    "until",
    "contains",
    "key",
    "before",
    "count_by",
};

static bool known(const char *k)
{
    for (size_t i = 0; i < sizeof members / sizeof *members; i++)
        if (strcmp(k, members[i]) == 0)
            return true;
    return false;
}

/* One strict JSON object (no trailing bytes but white space), or NULL. */
static json_object *parse_object(const char *data, size_t len)
{
    json_tokener *tok = json_tokener_new_ex(4);
    if (!tok)
        return NULL;
    json_tokener_set_flags(tok,
                           JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *o = json_tokener_parse_ex(tok, data, (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    while (o && used < len &&
           (data[used] == ' ' || data[used] == '\t' || data[used] == '\r' ||
            data[used] == '\n'))
        used++;
    if (!o || je != json_tokener_success || used != len) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* Every unknown member named in err: -1 when there is one. */
static int unknown_members(json_object *o, char *err, size_t errlen)
{
    size_t at = 0;
    int n = 0;
    json_object_object_foreach(o, key, val)
    {
        (void)val;
        if (known(key))
            continue;
        int w = snprintf(err + at, errlen - at, "%s\"%.64s\"",
                         n++ ? ", " : "unknown member in request: ", key);
        if (w < 0 || (size_t)w >= errlen - at)
            break;
        at += (size_t)w;
    }
    return n ? -1 : 0;
}

static int get_int(json_object *o, const char *name, const char *raw,
                   size_t rawlen, bool *has, int64_t *v, char *err,
                   size_t errlen)
{
    json_object *x;
    *has = json_object_object_get_ex(o, name, &x);
    if (*has && evl_json_int64(x, raw, rawlen, v) != 0)
        return fail(err, errlen, "%s must be an integer in the int64 range",
                    name);
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int get_in(json_object *o, const char *raw, size_t rawlen,
                  struct evl_query *q, char *err, size_t errlen)
{
    json_object *a;
    if (!json_object_object_get_ex(o, "criticality_in", &a))
        return 0;
    size_t n = json_object_is_type(a, json_type_array)
                   ? json_object_array_length(a)
                   : 0;
    if (n < 1 || n > EVL_QUERY_IN_MAX)
        return fail(err, errlen,
                    "criticality_in must be a list of 1..%d "
                    "integers",
                    EVL_QUERY_IN_MAX);
    for (size_t i = 0; i < n; i++)
        if (evl_json_int64(json_object_array_get_idx(a, i), raw, rawlen,
                           &q->criticality_in[i]) != 0)
            return fail(err, errlen,
                        "criticality_in[%zu] must be an integer "
                        "in the int64 range",
                        i);
    qsort(q->criticality_in, n, sizeof *q->criticality_in, cmp_i64);
    q->n_in = 0;
    for (size_t i = 0; i < n; i++)
        if (q->n_in == 0 ||
            q->criticality_in[q->n_in - 1] != q->criticality_in[i])
            q->criticality_in[q->n_in++] = q->criticality_in[i];
    return 0;
}

int evl_query_duration(const char *s, size_t len, int64_t *ns)
{
    int64_t v = 0, unit;
    size_t i = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9' && i < 8; i++)
        v = v * 10 + (s[i] - '0');
    if (i == 0 || i + 1 != len || v < 1)
        return -1;
    switch (s[i]) {
    case 's': unit = NS_PER_S; break;
    case 'm': unit = 60 * NS_PER_S; break;
    case 'h': unit = 3600 * NS_PER_S; break;
    case 'd': unit = 86400 * NS_PER_S; break;
    default: return -1;
    }
    if (v > 3650 * 86400 * NS_PER_S / unit)
        return -1;
    *ns = v * unit;
    return 0;
}

static int64_t floor_s(int64_t t)
{
    int64_t r = t % NS_PER_S;
    return r < 0 ? t - r - NS_PER_S : t - r;
}

/* since/until: RFC 3339, or a duration before now; floored to the second. */
static int get_time(json_object *o, const char *name, int64_t now_ns, bool *has,
                    int64_t *v, char *err, size_t errlen)
{
    json_object *x;
    int64_t d;
    if (!(*has = json_object_object_get_ex(o, name, &x)))
        return 0;
    const char *s = json_object_is_type(x, json_type_string)
                        ? json_object_get_string(x)
                        : NULL;
    size_t n = s ? (size_t)json_object_get_string_len(x) : 0;
    if (s && evl_query_duration(s, n, &d) == 0)
        *v = now_ns - d;
    else if (!s || evl_time_parse(s, n, v) != 0)
        return fail(err, errlen,
                    "%s must be an RFC 3339 date-time or a "
                    "duration like \"15m\" (s, m, h, d)",
                    name);
    *v = floor_s(*v);
    return 0;
}

static int get_contains(json_object *o, struct evl_query *q, char *err,
                        size_t errlen)
{
    json_object *x;
    if (!json_object_object_get_ex(o, "contains", &x))
        return 0;
    size_t n = json_object_is_type(x, json_type_string)
                   ? (size_t)json_object_get_string_len(x)
                   : 0;
    const unsigned char *s = (const unsigned char *)json_object_get_string(x);
    bool ctl = false;
    for (size_t i = 0; i < n; i++)
        ctl |= s[i] < 0x20 || s[i] == 0x7f;
    if (n < 1 || n > EVL_QUERY_CONTAINS_MAX || ctl)
        return fail(err, errlen,
                    "contains must be a string of 1..%d bytes "
                    "without control characters",
                    EVL_QUERY_CONTAINS_MAX);
    memcpy(q->contains, s, n);
    q->contains[n] = '\0';
    q->contains_len = n;
    return 0;
}

static int get_key(json_object *o, struct evl_query *q, char *err,
                   size_t errlen)
{
    json_object *x;
    if (!json_object_object_get_ex(o, "key", &x))
        return 0;
    const char *s = json_object_is_type(x, json_type_string)
                        ? json_object_get_string(x)
                        : "";
    size_t n = strlen(s);
    if (n == 0 || n > EVL_QUERY_KEY_MAX || !strcmp(s, ".") ||
        !strcmp(s, "..") ||
        strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789_.-") != n)
        return fail(err, errlen, "key must be 1 to %d of A-Z a-z 0-9 _ . -",
                    EVL_QUERY_KEY_MAX);
    memcpy(q->key, s, n + 1);
    return 0;
}

static int get_before(json_object *o, struct evl_query *q, char *err,
                      size_t errlen)
{
    json_object *x;
    if (!(q->has_before = json_object_object_get_ex(o, "before", &x)))
        return 0;
    if (!json_object_is_type(x, json_type_string) ||
        evl_cursor_decode(json_object_get_string(x),
                          (size_t)json_object_get_string_len(x),
                          &q->before) != 0)
        return fail(err, errlen,
                    "before must be the \"next\" cursor of an "
                    "earlier answer");
    return 0;
}

/* One element of count_by: "criticality" or {"criticality":true,
 * "every":"1m"} (either member optional, not both). */
static int count_by_item(json_object *x, bool top, struct evl_query *q)
{
    if (json_object_is_type(x, json_type_string)) {
        if (strcmp(json_object_get_string(x), "criticality") ||
            q->count_by_criticality)
            return -1;
        q->count_by_criticality = true;
        return 0;
    }
    if (!json_object_is_type(x, json_type_object) ||
        json_object_object_length(x) < 1)
        return -1;
    json_object_object_foreach(x, k, v)
    {
        if (!strcmp(k, "criticality") && top &&
            json_object_is_type(v, json_type_boolean) &&
            json_object_get_boolean(v) && !q->count_by_criticality) {
            q->count_by_criticality = true;
        } else if (!strcmp(k, "every") && !q->every_ns &&
                   json_object_is_type(v, json_type_string)) {
            if (evl_query_duration(json_object_get_string(v),
                                   (size_t)json_object_get_string_len(v),
                                   &q->every_ns) != 0 ||
                q->every_ns > EVL_QUERY_EVERY_MAX_NS)
                return -1;
        } else {
            return -1;
        }
    }
    return 0;
}

static int get_count_by(json_object *o, struct evl_query *q, char *err,
                        size_t errlen)
{
    json_object *x;
    int bad = 0;
    if (!(q->counts = json_object_object_get_ex(o, "count_by", &x)))
        return 0;
    if (json_object_is_type(x, json_type_array)) {
        size_t n = json_object_array_length(x);
        bad = n < 1 || n > 2;
        for (size_t i = 0; !bad && i < n; i++)
            bad = count_by_item(json_object_array_get_idx(x, i), false, q);
    } else {
        bad = count_by_item(x, true, q);
    }
    if (bad)
        return fail(err, errlen,
                    "count_by must be \"criticality\", "
                    "{\"every\":\"1m\"}, both in a list, or "
                    "{\"criticality\":true,\"every\":\"1m\"}; "
                    "every is 1s..366d");
    return 0;
}

/* What is asked for: events (a count) or counts (count_by), not both. */
static int check_shape(const struct evl_query *q, bool has_count,
                       int64_t max_count, char *err, size_t errlen)
{
    if (q->counts && (has_count || q->has_before))
        return fail(err, errlen,
                    "count_by answers counts: last_events_count "
                    "and before do not go with it");
    if (!q->counts && !has_count)
        return fail(err, errlen, "last_events_count must be an integer");
    if (!q->counts &&
        (q->last_events_count < 1 || q->last_events_count > max_count))
        return fail(err, errlen, "last_events_count must be in 1..%lld",
                    (long long)max_count);
    return 0;
}

/* contains without a range searches the 24 h before until (or now). */
static void default_contains_range(struct evl_query *q, int64_t now_ns)
{
    if (!q->contains_len)
        return;
    if (!q->has_until) {
        q->has_until = true;
        q->until_ns = floor_s(now_ns) + NS_PER_S;
    }
    if (!q->has_since) {
        q->has_since = true;
        q->since_ns = q->until_ns - EVL_QUERY_CONTAINS_RANGE_NS;
    }
}

/* The checks across members, once each is valid on its own. */
static int check_together(struct evl_query *q, bool has_count,
                          int64_t max_count, int64_t now_ns, char *err,
                          size_t errlen)
{
    if (check_shape(q, has_count, max_count, err, errlen))
        return -1;
    default_contains_range(q, now_ns);
    if (q->has_since && q->has_until && q->since_ns >= q->until_ns)
        return fail(err, errlen, "since must be before until (at the second)");
    if (q->contains_len &&
        q->until_ns - q->since_ns > EVL_QUERY_CONTAINS_RANGE_NS)
        return fail(err, errlen,
                    "contains searches at most 24 h: since and "
                    "until must be at most 24 h apart");
    if (q->every_ns && !q->has_since)
        return fail(err, errlen, "count_by every needs since");
    int64_t end = q->has_until ? q->until_ns : floor_s(now_ns) + NS_PER_S;
    if (q->every_ns && !q->has_until) {
        /* Buckets up to now, the same for every store. */
        q->has_until = true;
        q->until_ns = end;
    }
    if (q->every_ns &&
        (end <= q->since_ns ||
         (end - q->since_ns) / q->every_ns >= EVL_QUERY_BUCKETS_MAX))
        return fail(err, errlen,
                    "count_by every: at most %d buckets between "
                    "since and until",
                    EVL_QUERY_BUCKETS_MAX);
    return 0;
}

static int parse_members(json_object *o, const char *data, size_t len,
                         int64_t max_count, int64_t now_ns, struct evl_query *q,
                         char *err, size_t errlen)
{
    bool has_count;
    if (unknown_members(o, err, errlen) != 0 ||
        get_int(o, "last_events_count", data, len, &has_count,
                &q->last_events_count, err, errlen) != 0 ||
        get_int(o, "min_criticality", data, len, &q->has_min,
                &q->min_criticality, err, errlen) != 0 ||
        get_int(o, "max_criticality", data, len, &q->has_max,
                &q->max_criticality, err, errlen) != 0 ||
        get_in(o, data, len, q, err, errlen) != 0 ||
        get_time(o, "since", now_ns, &q->has_since, &q->since_ns, err,
                 errlen) != 0 ||
        get_time(o, "until", now_ns, &q->has_until, &q->until_ns, err,
                 errlen) != 0 ||
        get_contains(o, q, err, errlen) != 0 ||
        get_key(o, q, err, errlen) != 0 || get_before(o, q, err, errlen) != 0 ||
        get_count_by(o, q, err, errlen) != 0)
        return -1;
    size_t n = (size_t)json_object_object_length(o);
    q->classic = n == 2 && has_count && q->has_min;
    /* The classic reader refused a request without min_criticality; one
     * with another condition may leave it out. */
    if (!q->has_min && n - (size_t)has_count == 0)
        return fail(err, errlen,
                    "min_criticality must be an integer in the "
                    "int64 range");
    if (!q->counts)
        q->last_events_count = has_count ? q->last_events_count : 0;
    return check_together(q, has_count, max_count, now_ns, err, errlen);
}

int evl_query_parse(const char *data, size_t len, int64_t max_count,
                    int64_t now_ns, struct evl_query *q, char *err,
                    size_t errlen)
{
    memset(q, 0, sizeof *q);
    if (errlen)
        err[0] = '\0';
    if (len > EVL_QUERY_MAX_BYTES)
        return fail(err, errlen, "request too large (%zu bytes)", len);
    json_object *o = parse_object(data, len);
    if (!o)
        return fail(err, errlen, "request is not a single JSON object");
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return fail(err, errlen, "request must be a JSON object");
    }
    int rc = parse_members(o, data, len, max_count, now_ns, q, err, errlen);
    json_object_put(o);
    if (rc != 0)
        memset(q, 0, sizeof *q);
    return rc;
}

bool evl_query_crit_match(const struct evl_query *q, int64_t v)
{
    if (q->has_min && v <= q->min_criticality)
        return false;
    if (q->has_max && v > q->max_criticality)
        return false;
    if (q->n_in)
        return bsearch(&v, q->criticality_in, q->n_in,
                       sizeof *q->criticality_in, cmp_i64) != NULL;
    return true;
}

/* "c1." then both numbers in 16 lower-case hex digits each (two's
 * complement): fixed length, so decoding is strict. */
int evl_cursor_encode(const struct evl_cursor *c, char *buf, size_t cap)
{
    int n =
        snprintf(buf, cap, "c1.%016llx.%016llx",
                 (unsigned long long)c->instant_ns, (unsigned long long)c->tie);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

static int hex16(const char *s, int64_t *v)
{
    uint64_t u = 0;
    for (int i = 0; i < 16; i++) {
        char ch = s[i];
        int d = ch >= '0' && ch <= '9'   ? ch - '0'
                : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                                         : -1;
        if (d < 0)
            return -1;
        u = u << 4 | (uint64_t)d;
    }
    memcpy(v, &u, sizeof *v);
    return 0;
}

int evl_cursor_decode(const char *s, size_t len, struct evl_cursor *c)
{
    if (len != 36 || memcmp(s, "c1.", 3) != 0 || s[19] != '.' ||
        hex16(s + 3, &c->instant_ns) != 0 || hex16(s + 20, &c->tie) != 0)
        return -1;
    return 0;
}

char *evl_query_add_next(char *reply, const struct evl_cursor *c)
{
    char cur[EVL_QUERY_CURSOR_LEN];
    size_t n = reply ? strlen(reply) : 0;
    if (n < 2 || reply[n - 1] != '}' ||
        evl_cursor_encode(c, cur, sizeof cur) < 0) {
        free(reply);
        return NULL;
    }
    char *out = realloc(reply, n + sizeof cur + 16);
    if (!out) {
        free(reply);
        return NULL;
    }
    snprintf(out + n - 1, sizeof cur + 17, ",\"next\":\"%s\"}", cur);
    return out;
}
