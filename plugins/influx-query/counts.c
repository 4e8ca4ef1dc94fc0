#include "counts.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

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

static bool outer_band(const char *b)
{
    return strcmp(b, "lt0") == 0 || strcmp(b, "ge100") == 0;
}

size_t query_inner_bands(char bands[][EVL_CRIT_BAND_LEN], size_t nbands)
{
    size_t n = 0;
    for (size_t i = 0; i < nbands; i++)
        if (!outer_band(bands[i]))
            memmove(bands[n++], bands[i], EVL_CRIT_BAND_LEN);
    return n;
}

char *query_build_counts(const query_store *st, char bands[][EVL_CRIT_BAND_LEN],
                         size_t nbands, const query_request *req)
{
    evl_buf b = {0};
    char num[64];
    evl_buf_adds(&b, "SELECT COUNT(\"criticality\") FROM ");
    query_add_ident(&b, st->measurement);
    query_where(&b, st, bands, nbands, req, INT64_MIN, INT64_MIN);
    if (req->every_ns || req->count_by_criticality)
        evl_buf_adds(&b, " GROUP BY ");
    if (req->every_ns) {
        snprintf(num, sizeof num, "time(%llds)",
                 (long long)(req->every_ns / 1000000000));
        evl_buf_adds(&b, num);
    }
    if (req->count_by_criticality && st->band_tag) {
        if (req->every_ns)
            evl_buf_addc(&b, ',');
        query_add_ident(&b, st->band_tag);
    }
    if (req->every_ns)
        evl_buf_adds(&b, " fill(none)");
    return b.data;
}

char *query_build_outer(const query_store *st, char bands[][EVL_CRIT_BAND_LEN],
                        size_t nbands, const query_request *req, bool *none)
{
    char outer[2][EVL_CRIT_BAND_LEN];
    size_t n = 0;
    for (size_t i = 0; i < nbands; i++)
        if (outer_band(bands[i]) && n < 2)
            memcpy(outer[n++], bands[i], EVL_CRIT_BAND_LEN);
    *none = n == 0;
    if (n == 0)
        return NULL;
    evl_buf b = {0};
    char num[48];
    evl_buf_adds(&b, "SELECT \"criticality\" FROM ");
    query_add_ident(&b, st->measurement);
    query_where(&b, st, outer, n, req, INT64_MIN, INT64_MIN);
    snprintf(num, sizeof num, " LIMIT %d", QUERY_OUTER_MAX + 1);
    evl_buf_adds(&b, num);
    return b.data;
}

/* One count: a bucket's start (0 without every), a criticality (0
 * without count by criticality). */
typedef struct tally {
    int64_t time, crit, n;
} tally;

typedef struct tallies {
    tally *v;
    size_t n, cap;
} tallies;

static int tally_add(tallies *t, int64_t time, int64_t crit, int64_t n)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        tally *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return -1;
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = (tally){time, crit, n};
    return 0;
}

/* The series of an answer (one statement), NULL when none matched; *root
 * is the caller's to put. */
static int answer_series(const char *body, json_object **root,
                         json_object **series, char *err, size_t errlen)
{
    json_tokener *tok = json_tokener_new_ex(16);
    *root = tok ? json_tokener_parse_ex(tok, body, (int)strlen(body)) : NULL;
    json_tokener_free(tok);
    json_object *results, *res0, *e;
    *series = NULL;
    if (!*root || !json_object_object_get_ex(*root, "results", &results) ||
        !json_object_is_type(results, json_type_array) ||
        !(res0 = json_object_array_get_idx(results, 0)))
        return fail(err, errlen, "unexpected answer from InfluxDB");
    if (json_object_object_get_ex(res0, "error", &e))
        return fail(err, errlen, "InfluxDB: %.200s", json_object_get_string(e));
    if (json_object_object_get_ex(res0, "series", series) &&
        !json_object_is_type(*series, json_type_array))
        return fail(err, errlen, "unexpected answer from InfluxDB");
    return 0;
}

/* A series' criticality from its band tag: -1 when it has none usable. */
static int64_t series_crit(json_object *s, const char *band_tag)
{
    json_object *tags, *v;
    if (!band_tag || !json_object_object_get_ex(s, "tags", &tags) ||
        !json_object_object_get_ex(tags, band_tag, &v) ||
        !json_object_is_type(v, json_type_string))
        return -1;
    const char *b = json_object_get_string(v);
    char *end;
    long long c = strtoll(b, &end, 10);
    return *b && !*end && c >= 0 && c < EVL_CRIT_BAND_TOP ? c : -1;
}

/* Each value [time, value] of each series: f(ctx, series, time, value). */
static int each_value(json_object *series,
                      int (*f)(void *, json_object *, int64_t, int64_t),
                      void *ctx, char *err, size_t errlen)
{
    size_t ns = series ? json_object_array_length(series) : 0;
    for (size_t i = 0; i < ns; i++) {
        json_object *s = json_object_array_get_idx(series, i), *vals;
        if (!json_object_object_get_ex(s, "values", &vals) ||
            !json_object_is_type(vals, json_type_array))
            return fail(err, errlen,
                        "unexpected answer from InfluxDB (series)");
        for (size_t j = 0; j < json_object_array_length(vals); j++) {
            json_object *r = json_object_array_get_idx(vals, j);
            json_object *t = json_object_array_get_idx(r, 0);
            json_object *v = json_object_array_get_idx(r, 1);
            if (!json_object_is_type(t, json_type_int) ||
                !json_object_is_type(v, json_type_int))
                return fail(err, errlen,
                            "unexpected answer from InfluxDB (row)");
            if (f(ctx, s, json_object_get_int64(t), json_object_get_int64(v)))
                return fail(err, errlen, "out of memory");
        }
    }
    return 0;
}

typedef struct collect {
    tallies *t;
    const query_store *st;
    const query_request *req;
} collect;

static int add_counted(void *ctx, json_object *s, int64_t time, int64_t n)
{
    collect *c = ctx;
    int64_t crit = 0;
    if (c->req->count_by_criticality &&
        (crit = series_crit(s, c->st->band_tag)) < 0)
        return 0; /* only inner bands are counted by InfluxDB */
    return n > 0 ? tally_add(c->t, c->req->every_ns ? time : 0, crit, n) : 0;
}

static int64_t floor_to(int64_t a, int64_t u)
{
    int64_t r = a % u;
    return r < 0 ? a - r - u : a - r;
}

static int add_outer(void *ctx, json_object *s, int64_t time, int64_t crit)
{
    collect *c = ctx;
    (void)s;
    return tally_add(c->t,
                     c->req->every_ns ? floor_to(time, c->req->every_ns) : 0,
                     c->req->count_by_criticality ? crit : 0, 1);
}

static int tally_cmp(const void *a, const void *b)
{
    const tally *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->crit < y->crit ? -1 : x->crit > y->crit;
}

/* Sorted, equal (time, criticality) summed, as the reply's JSON. */
static char *tallies_json(tallies *t, const query_request *req)
{
    if (t->n > 1)
        qsort(t->v, t->n, sizeof *t->v, tally_cmp);
    evl_buf b = {0};
    char line[160], ts[40];
    int bad = evl_buf_adds(&b, "{\"counts\":[");
    for (size_t i = 0, k = 0; i < t->n; k++) {
        tally sum = t->v[i];
        while (++i < t->n && t->v[i].time == sum.time &&
               t->v[i].crit == sum.crit)
            sum.n += t->v[i].n;
        int at = snprintf(line, sizeof line, "%s{", k ? "," : "");
        if (req->every_ns && evl_time_format_short(sum.time, ts, sizeof ts) > 0)
            at += snprintf(line + at, sizeof line - (size_t)at,
                           "\"time\":\"%s\",", ts);
        if (req->count_by_criticality)
            at += snprintf(line + at, sizeof line - (size_t)at,
                           "\"criticality\":%lld,", (long long)sum.crit);
        snprintf(line + at, sizeof line - (size_t)at, "\"count\":%lld}",
                 (long long)sum.n);
        bad |= evl_buf_adds(&b, line);
    }
    bad |= evl_buf_adds(&b, "]}");
    if (bad) {
        evl_buf_free(&b);
        return NULL;
    }
    return b.data;
}

char *query_counts_reply(const char *counted, const char *outer,
                         const query_store *st, const query_request *req,
                         bool *too_many, char *err, size_t errlen)
{
    tallies t = {0};
    collect c = {&t, st, req};
    json_object *root = NULL, *series;
    char *out = NULL;
    *too_many = false;
    if (counted && (answer_series(counted, &root, &series, err, errlen) != 0 ||
                    each_value(series, add_counted, &c, err, errlen) != 0))
        goto done;
    json_object_put(root);
    root = NULL;
    size_t before = t.n;
    if (outer && (answer_series(outer, &root, &series, err, errlen) != 0 ||
                  each_value(series, add_outer, &c, err, errlen) != 0))
        goto done;
    if (t.n - before > QUERY_OUTER_MAX) {
        *too_many = true;
        fail(err, errlen,
             "more than %d events with a criticality below 0 or "
             "above 99 in range: count them over a shorter range",
             QUERY_OUTER_MAX);
        goto done;
    }
    if (!(out = tallies_json(&t, req)))
        fail(err, errlen, "out of memory");
done:
    json_object_put(root);
    free(t.v);
    return out;
}
