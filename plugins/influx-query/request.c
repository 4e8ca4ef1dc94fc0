#include "request.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event.h"
#include "lineproto.h"

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

void query_add_ident(evl_buf *b, const char *name)
{
    evl_buf_addc(b, '"');
    for (const char *p = name; *p; p++) {
        if (*p == '"' || *p == '\\')
            evl_buf_addc(b, '\\');
        evl_buf_addc(b, *p);
    }
    evl_buf_addc(b, '"');
}

char *query_build_band_listing(const char *measurement, const char *band_tag)
{
    evl_buf b = {0};
    evl_buf_adds(&b, "SHOW TAG VALUES FROM ");
    query_add_ident(&b, measurement);
    evl_buf_adds(&b, " WITH KEY = ");
    query_add_ident(&b, band_tag);
    return b.data;
}

/* Parse an InfluxDB /query answer (one statement) and find its first
 * series, *series0 = NULL when it has none.  Returns 0, or -1 with a reason
 * when it is not such an answer or the statement failed.  The caller puts
 * *root either way. */
static int first_series(const char *body, json_object **root,
                        json_object **series0, char *err, size_t errlen)
{
    json_tokener *tok = json_tokener_new_ex(16);
    *root = tok ? json_tokener_parse_ex(tok, body, (int)strlen(body)) : NULL;
    json_tokener_free(tok);
    json_object *results, *res0, *series, *e;
    *series0 = NULL;
    if (!*root || !json_object_object_get_ex(*root, "results", &results) ||
        !json_object_is_type(results, json_type_array) ||
        !(res0 = json_object_array_get_idx(results, 0)))
        return fail(err, errlen, "unexpected answer from InfluxDB");
    if (json_object_object_get_ex(res0, "error", &e))
        return fail(err, errlen, "InfluxDB: %.200s", json_object_get_string(e));
    if (json_object_object_get_ex(res0, "series", &series)) {
        if (!json_object_is_type(series, json_type_array))
            return fail(err, errlen, "unexpected answer from InfluxDB");
        *series0 = json_object_array_get_idx(series, 0);
    }
    return 0;
}

/* Whether a band can hold a criticality the request accepts: some value
 * of [lo, hi] (the band's values) passes min, max and criticality_in. */
static bool band_match(const query_request *req, const char *band)
{
    int64_t lo, hi;
    if (strcmp(band, "lt0") == 0) {
        lo = INT64_MIN;
        hi = -1;
    } else if (strcmp(band, "ge100") == 0) {
        lo = EVL_CRIT_BAND_TOP;
        hi = INT64_MAX;
    } else {
        lo = hi = strtoll(band, NULL, 10);
    }
    if (req->has_min) {
        if (req->min_criticality == INT64_MAX)
            return false;
        if (lo <= req->min_criticality)
            lo = req->min_criticality + 1;
    }
    if (req->has_max && hi > req->max_criticality)
        hi = req->max_criticality;
    if (lo > hi)
        return false;
    if (req->n_in == 0)
        return true;
    for (size_t i = 0; i < req->n_in; i++)
        if (req->criticality_in[i] >= lo && req->criticality_in[i] <= hi)
            return true;
    return false;
}

int query_bands_from_influx(const char *body, const query_request *req,
                            char out[][EVL_CRIT_BAND_LEN], char *err,
                            size_t errlen)
{
    json_object *root, *s0, *vals = NULL;
    int n = -1;
    if (first_series(body, &root, &s0, err, errlen) != 0)
        goto done;
    /* No series: nothing stored yet, no band. */
    if (s0 && (!json_object_object_get_ex(s0, "values", &vals) ||
               !json_object_is_type(vals, json_type_array)))
        vals = NULL;
    char all[EVL_CRIT_BAND_TOP + 2][EVL_CRIT_BAND_LEN];
    size_t na = evl_crit_bands_above(INT64_MIN, all);
    size_t nv = vals ? json_object_array_length(vals) : 0;
    n = 0;
    for (size_t i = 0; i < na; i++) {
        if (!band_match(req, all[i]))
            continue;
        for (size_t j = 0; j < nv; j++) {
            /* each value is ["<tag key>", "<band>"] */
            json_object *pair = json_object_array_get_idx(vals, j), *v = NULL;
            if (json_object_is_type(pair, json_type_array))
                v = json_object_array_get_idx(pair, 1);
            const char *band = json_object_is_type(v, json_type_string)
                                   ? json_object_get_string(v)
                                   : NULL;
            if (band && strcmp(band, all[i]) == 0) {
                memcpy(out[n++], all[i], EVL_CRIT_BAND_LEN);
                break;
            }
        }
    }
done:
    json_object_put(root);
    return n;
}

/* One more condition: " WHERE " before the first, " AND " before the
 * others. */
static void cond(evl_buf *b, int *n)
{
    evl_buf_adds(b, (*n)++ ? " AND " : " WHERE ");
}

static void cond_num(evl_buf *b, int *n, const char *lhs, const char *op,
                     int64_t v)
{
    char num[96];
    cond(b, n);
    snprintf(num, sizeof num, "%s %s %lld", lhs, op, (long long)v);
    evl_buf_adds(b, num);
}

/* contains as a regular expression that matches exactly that text: ASCII
 * letters and digits as they are, UTF-8 beyond ASCII as it is (no regex
 * meta character is among them), every other byte as \x{HH}. */
static void add_regex(evl_buf *b, const char *s, size_t n)
{
    char esc[8];
    evl_buf_addc(b, '/');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c >= 0x80) {
            evl_buf_addc(b, (char)c);
        } else {
            snprintf(esc, sizeof esc, "\\x{%02X}", c);
            evl_buf_adds(b, esc);
        }
    }
    evl_buf_addc(b, '/');
}

static void where_bands(evl_buf *b, int *n, const query_store *st,
                        char bands[][EVL_CRIT_BAND_LEN], size_t nbands)
{
    /* Only the series of these bands: InfluxDB resolves them from its
     * index and reads nothing else. */
    cond(b, n);
    evl_buf_addc(b, '(');
    for (size_t i = 0; i < nbands; i++) {
        if (i)
            evl_buf_adds(b, " OR ");
        query_add_ident(b, st->band_tag);
        evl_buf_adds(b, " = '");
        evl_buf_adds(b, bands[i]);
        evl_buf_addc(b, '\'');
    }
    evl_buf_addc(b, ')');
}

static void where_crit(evl_buf *b, int *n, const query_request *req)
{
    /* "> INT64_MIN" cannot be written as a literal; ">= INT64_MIN+1" is the
     * same set. */
    if (req->has_min && req->min_criticality == INT64_MIN)
        cond_num(b, n, "\"criticality\"", ">=", INT64_MIN + 1);
    else if (req->has_min)
        cond_num(b, n, "\"criticality\"", ">", req->min_criticality);
    if (req->has_max && req->max_criticality == INT64_MIN) {
        cond(b, n);
        evl_buf_adds(b, "\"criticality\" < -9223372036854775807");
    } else if (req->has_max) {
        cond_num(b, n, "\"criticality\"", "<=", req->max_criticality);
    }
    if (req->n_in) {
        cond(b, n);
        evl_buf_addc(b, '(');
        for (size_t i = 0; i < req->n_in; i++) {
            char num[64];
            if (req->criticality_in[i] == INT64_MIN)
                snprintf(num, sizeof num, "%s\"criticality\" < %lld",
                         i ? " OR " : "", (long long)(INT64_MIN + 1));
            else
                snprintf(num, sizeof num, "%s\"criticality\" = %lld",
                         i ? " OR " : "", (long long)req->criticality_in[i]);
            evl_buf_adds(b, num);
        }
        evl_buf_addc(b, ')');
    }
}

/* The conditions of a request, and the point times [from, to) when from <
 * to (INT64_MIN, INT64_MIN: none). */
void query_where(evl_buf *b, const query_store *st,
                 char bands[][EVL_CRIT_BAND_LEN], size_t nbands,
                 const query_request *req, int64_t from, int64_t to)
{
    int n = 0;
    if (st->band_tag && nbands > 0)
        where_bands(b, &n, st, bands, nbands);
    where_crit(b, &n, req);
    if (req->has_since)
        cond_num(b, &n, "time", ">=", req->since_ns);
    if (req->has_until)
        cond_num(b, &n, "time", "<", req->until_ns);
    if (from < to) {
        cond_num(b, &n, "time", ">=", from);
        cond_num(b, &n, "time", "<", to);
    }
    if (req->key[0]) {
        cond(b, &n);
        query_add_ident(b, st->key_field);
        evl_buf_adds(b, " = '");
        evl_buf_adds(b, req->key);
        evl_buf_addc(b, '\'');
    }
    if (req->contains_len) {
        cond(b, &n);
        evl_buf_adds(b, "\"eventMessage\" =~ ");
        add_regex(b, req->contains, req->contains_len);
    }
}

/* "timestamp" is the text the earlier stored shape kept. */
#define COLUMNS                                                                \
    "\"criticality\",\"eventMessage\",\"" EVL_POINT_SUB_FIELD "\","            \
    "\"timestamp\""

char *query_build_influxql(const query_store *st,
                           char bands[][EVL_CRIT_BAND_LEN], size_t nbands,
                           const query_request *req)
{
    evl_buf b = {0};
    char num[64];
    evl_buf_adds(&b, "SELECT " COLUMNS " FROM ");
    query_add_ident(&b, st->measurement);
    query_where(&b, st, bands, nbands, req, INT64_MIN, INT64_MIN);
    snprintf(num, sizeof num, " ORDER BY time DESC LIMIT %lld",
             (long long)req->last_events_count + 1);
    evl_buf_adds(&b, num);
    return b.data;
}

char *query_build_range(const query_store *st, char bands[][EVL_CRIT_BAND_LEN],
                        size_t nbands, const query_request *req, int64_t from,
                        int64_t to, int64_t k)
{
    evl_buf b = {0};
    char num[128];
    if (k > 0) {
        /* TOP over the sub-millisecond field in place of the field itself. */
        snprintf(num, sizeof num,
                 "SELECT TOP(\"" EVL_POINT_SUB_FIELD
                 "\", %lld) AS \"" EVL_POINT_SUB_FIELD
                 "\",\"criticality\",\"eventMessage\","
                 "\"timestamp\" FROM ",
                 (long long)k);
        evl_buf_adds(&b, num);
    } else {
        evl_buf_adds(&b, "SELECT " COLUMNS " FROM ");
    }
    query_add_ident(&b, st->measurement);
    query_where(&b, st, bands, nbands, req, from, to);
    if (k == 0) {
        snprintf(num, sizeof num, " ORDER BY time DESC LIMIT %d",
                 QUERY_BOUNDARY_MAX);
        evl_buf_adds(&b, num);
    }
    return b.data;
}

char *query_error_reply(const char *code, const char *message)
{
    json_object *r = json_object_new_object(), *e = json_object_new_object();
    json_object_object_add(e, "code", json_object_new_string(code));
    json_object_object_add(e, "message", json_object_new_string(message));
    json_object_object_add(r, "error", e);
    char *out = strdup(json_object_to_json_string_ext(
        r, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(r);
    return out;
}

static int col_index(json_object *cols, const char *name)
{
    size_t n = json_object_array_length(cols);
    for (size_t i = 0; i < n; i++) {
        const char *c =
            json_object_get_string(json_object_array_get_idx(cols, i));
        if (c && strcmp(c, name) == 0)
            return (int)i;
    }
    return -1;
}

/* One stored point of an answer; the json objects belong to its root. */
typedef struct row {
    int64_t time, instant, ms; /* ms: the point time's millisecond */
    json_object *crit, *msg, *text;
} row;

typedef struct rows {
    json_object *root;
    row *v;
    size_t n;
} rows;

static json_object *cell(json_object *r, int i)
{
    return i >= 0 && (size_t)i < json_object_array_length(r)
               ? json_object_array_get_idx(r, (size_t)i)
               : NULL;
}

int64_t query_floor_ms(int64_t t)
{
    int64_t r = t % 1000000;
    return r < 0 ? t - r - 1000000 : t - r;
}

/* Parse an answer's points into out (out->root owns their values). */
static int rows_parse(const char *body, rows *out, char *err, size_t errlen)
{
    json_object *s0, *cols, *vals;
    memset(out, 0, sizeof *out);
    if (first_series(body, &out->root, &s0, err, errlen) != 0)
        return -1;
    if (!s0 || !json_object_object_get_ex(s0, "columns", &cols) ||
        !json_object_object_get_ex(s0, "values", &vals))
        return 0; /* no point matched */
    if (!json_object_is_type(cols, json_type_array) ||
        !json_object_is_type(vals, json_type_array))
        return fail(err, errlen, "unexpected answer from InfluxDB (series)");
    int it = col_index(cols, "time"), ic = col_index(cols, "criticality"),
        im = col_index(cols, "eventMessage"),
        isub = col_index(cols, EVL_POINT_SUB_FIELD),
        its = col_index(cols, "timestamp");
    size_t n = json_object_array_length(vals);
    if (it < 0 || ic < 0 || im < 0)
        return fail(err, errlen, "unexpected answer from InfluxDB (columns)");
    out->v = calloc(n ? n : 1, sizeof *out->v);
    if (!out->v)
        return fail(err, errlen, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(vals, i);
        row *w = &out->v[out->n];
        if (!json_object_is_type(r, json_type_array))
            return fail(err, errlen, "unexpected answer from InfluxDB (row)");
        json_object *t = cell(r, it), *sub = cell(r, isub);
        if (!json_object_is_type(t, json_type_int))
            return fail(err, errlen, "unexpected answer from InfluxDB (time)");
        w->time = json_object_get_int64(t);
        w->ms = query_floor_ms(w->time);
        w->crit = cell(r, ic);
        w->msg = cell(r, im);
        w->text = cell(r, its);
        if (!json_object_is_type(w->text, json_type_string))
            w->text = NULL;
        /* The earlier shape kept the timestamp text and a point time within
         * 1 us of it; the current one carries the instant in the point. */
        if (!w->text ||
            evl_time_parse(json_object_get_string(w->text),
                           (size_t)json_object_get_string_len(w->text),
                           &w->instant) != 0)
            w->instant = evl_point_instant(
                w->time, json_object_is_type(sub, json_type_int)
                             ? json_object_get_int64(sub)
                             : 0);
        out->n++;
    }
    return 0;
}

static void rows_free(rows *r)
{
    free(r->v);
    json_object_put(r->root);
}

int64_t query_points(const char *body)
{
    rows r;
    char err[64];
    int64_t n = rows_parse(body, &r, err, sizeof err) == 0 ? (int64_t)r.n : -1;
    rows_free(&r);
    return n;
}

int query_boundary(const char *body, int64_t count, int64_t *from, int64_t *to,
                   int64_t *k)
{
    rows r;
    char err[64];
    int need = 0;
    if (rows_parse(body, &r, err, sizeof err) != 0) {
        rows_free(&r);
        return -1;
    }
    /* The SELECT asked for count + 1 points: when the one past the last
     * shares its millisecond, that millisecond may hold more, and with a
     * sub-millisecond point among them their order is not the slots'. */
    if (count >= 1 && r.n > (size_t)count) {
        const row *last = &r.v[count - 1], *next = &r.v[count];
        need = last->ms == next->ms && (evl_point_class(last->time) == 3 ||
                                        evl_point_class(next->time) == 3);
        *from = last->ms;
        *to = last->ms + 1000000;
        *k = 0;
        for (int64_t i = 0; i < count; i++)
            *k += r.v[i].ms == last->ms;
    }
    rows_free(&r);
    return need;
}

/* Newest first: by the point's millisecond (the SELECT's order at that
 * grain), then by instant, then by point time. */
static int row_cmp(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->ms != y->ms)
        return x->ms < y->ms ? 1 : -1;
    if (x->instant != y->instant)
        return x->instant < y->instant ? 1 : -1;
    return x->time < y->time ? 1 : x->time > y->time ? -1 : 0;
}

/* Whether a row comes after the cursor in the newest-first order. */
static bool after_cursor(const row *w, const struct evl_cursor *c)
{
    return w->instant < c->instant_ns ||
           (w->instant == c->instant_ns && w->time < c->tie);
}

int64_t query_after_cursor(const char *after, const query_request *req)
{
    rows r;
    char err[64];
    int64_t n = 0;
    if (rows_parse(after, &r, err, sizeof err) == 0)
        for (size_t i = 0; i < r.n; i++)
            n += after_cursor(&r.v[i], &req->before);
    rows_free(&r);
    return n;
}

static json_object *event_json(const row *w)
{
    json_object *ev = json_object_new_object();
    json_object_object_add(ev, "criticality", json_object_get(w->crit));
    if (w->text) {
        json_object_object_add(ev, "timestamp", json_object_get(w->text));
    } else {
        char ts[40] = "";
        evl_time_format_short(w->instant, ts, sizeof ts);
        json_object_object_add(ev, "timestamp", json_object_new_string(ts));
    }
    json_object_object_add(ev, "eventMessage", json_object_get(w->msg));
    return ev;
}

/* All rows of the answers, in the reply's order: body's, the boundary's in
 * place of body's in that millisecond, the cursor millisecond's after the
 * cursor. */
static row *merge_rows(const rows *main, const rows *edge, bool boundary,
                       const rows *after, const query_request *req, size_t *n,
                       size_t *nafter)
{
    row *all = calloc(main->n + edge->n + after->n + 1, sizeof *all);
    if (!all)
        return NULL;
    int64_t bms = edge->n ? edge->v[0].ms : INT64_MIN;
    *n = 0;
    for (size_t i = 0; i < main->n; i++)
        if (!boundary || main->v[i].ms != bms)
            all[(*n)++] = main->v[i];
    for (size_t i = 0; i < edge->n; i++)
        all[(*n)++] = edge->v[i];
    *nafter = 0;
    for (size_t i = 0; i < after->n; i++)
        if (after_cursor(&after->v[i], &req->before)) {
            all[(*n)++] = after->v[i];
            (*nafter)++;
        }
    qsort(all, *n, sizeof *all, row_cmp);
    return all;
}

char *query_reply_from_influx(const char *body, const char *boundary,
                              const char *after, const query_request *req,
                              char *err, size_t errlen)
{
    rows main, edge = {0}, aft = {0};
    char *out = NULL;
    row *all = NULL;
    json_object *reply = NULL;
    size_t n = 0, nafter = 0, count = (size_t)req->last_events_count;

    if (rows_parse(body, &main, err, errlen) != 0 ||
        (boundary && rows_parse(boundary, &edge, err, errlen) != 0) ||
        (after && rows_parse(after, &aft, err, errlen) != 0))
        goto done;
    if (!(all = merge_rows(&main, &edge, boundary != NULL, &aft, req, &n,
                           &nafter))) {
        fail(err, errlen, "out of memory");
        goto done;
    }
    /* More match when the rows exceed the count -- or when the SELECT
     * alone (which asked for one more) did: the boundary millisecond's
     * TOP gives only the rows the answer keeps. */
    bool more = n > count || main.n + nafter > count;
    if (more)
        n = count;
    json_object *events = json_object_new_array();
    reply = json_object_new_object();
    json_object_object_add(reply, "events", events);
    for (size_t i = 0; i < n; i++)
        json_object_array_add(events, event_json(&all[i]));
    out = strdup(json_object_to_json_string_ext(
        reply, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    if (out && more && n > 0 && !req->classic) {
        struct evl_cursor c = {all[n - 1].instant, all[n - 1].time};
        out = evl_query_add_next(out, &c);
    }
    if (!out)
        fail(err, errlen, "out of memory");
done:
    json_object_put(reply);
    free(all);
    rows_free(&main);
    rows_free(&edge);
    rows_free(&aft);
    return out;
}
