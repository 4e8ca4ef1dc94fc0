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

#define REQUEST_MAX_BYTES 4096

int query_request_parse(const char *data, size_t len, int64_t max_count,
                        query_request *req, char *err, size_t errlen)
{
    if (len > REQUEST_MAX_BYTES)
        return fail(err, errlen, "request too large (%zu bytes)", len);
    json_tokener *tok = json_tokener_new_ex(4);
    if (!tok)
        return fail(err, errlen, "out of memory");
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *o = json_tokener_parse_ex(tok, data, (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    while (o && used < len && (data[used] == ' ' || data[used] == '\t' ||
                               data[used] == '\r' || data[used] == '\n'))
        used++;
    if (!o || je != json_tokener_success || used != len) {
        json_object_put(o);
        return fail(err, errlen, "request is not a single JSON object");
    }
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return fail(err, errlen, "request must be a JSON object");
    }
    json_object_object_foreach(o, key, val)
    {
        (void)val;
        if (strcmp(key, "last_events_count") && strcmp(key, "min_criticality")) {
            /* `key` lives in `o`: report before releasing it. */
            fail(err, errlen, "unknown key in request: \"%.64s\"", key);
            json_object_put(o);
            return -1;
        }
    }
    json_object *n, *x;
    if (!json_object_object_get_ex(o, "last_events_count", &n) ||
        evl_json_int64(n, data, len, &req->count) != 0) {
        json_object_put(o);
        return fail(err, errlen, "last_events_count must be an integer");
    }
    if (!json_object_object_get_ex(o, "min_criticality", &x) ||
        evl_json_int64(x, data, len, &req->min_criticality) != 0) {
        json_object_put(o);
        return fail(err, errlen, "min_criticality must be an integer in the "
                                 "int64 range");
    }
    json_object_put(o);
    if (req->count < 1 || req->count > max_count)
        return fail(err, errlen, "last_events_count must be in 1..%lld",
                    (long long)max_count);
    return 0;
}

static void add_ident(evl_buf *b, const char *name)
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
    add_ident(&b, measurement);
    evl_buf_adds(&b, " WITH KEY = ");
    add_ident(&b, band_tag);
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
    if (json_object_object_get_ex(res0, "series", &series))
        *series0 = json_object_array_get_idx(series, 0);
    return 0;
}

int query_bands_from_influx(const char *body, int64_t x,
                            char out[][EVL_CRIT_BAND_LEN], char *err,
                            size_t errlen)
{
    json_object *root, *s0, *vals = NULL;
    int n = -1;
    if (first_series(body, &root, &s0, err, errlen) != 0)
        goto done;
    /* No series: nothing stored yet, no band. */
    if (s0)
        json_object_object_get_ex(s0, "values", &vals);
    char above[EVL_CRIT_BAND_TOP + 2][EVL_CRIT_BAND_LEN];
    size_t na = evl_crit_bands_above(x, above);
    size_t nv = vals ? json_object_array_length(vals) : 0;
    n = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nv; j++) {
            /* each value is ["<tag key>", "<band>"] */
            json_object *v = json_object_array_get_idx(
                json_object_array_get_idx(vals, j), 1);
            const char *band = v ? json_object_get_string(v) : NULL;
            if (band && strcmp(band, above[i]) == 0) {
                memcpy(out[n++], above[i], EVL_CRIT_BAND_LEN);
                break;
            }
        }
done:
    json_object_put(root);
    return n;
}

char *query_build_influxql(const char *measurement, const char *band_tag,
                           char bands[][EVL_CRIT_BAND_LEN], size_t nbands,
                           const query_request *req)
{
    evl_buf b = {0};
    char num[64];
    evl_buf_adds(&b, "SELECT \"criticality\",\"eventMessage\",\"timestamp\" "
                     "FROM ");
    add_ident(&b, measurement);
    evl_buf_adds(&b, " WHERE ");
    if (band_tag && nbands > 0) {
        /* Only the series of these bands: InfluxDB resolves them from its
         * index and reads nothing else. */
        evl_buf_addc(&b, '(');
        for (size_t i = 0; i < nbands; i++) {
            if (i)
                evl_buf_adds(&b, " OR ");
            add_ident(&b, band_tag);
            evl_buf_adds(&b, " = '");
            evl_buf_adds(&b, bands[i]);
            evl_buf_addc(&b, '\'');
        }
        evl_buf_adds(&b, ") AND ");
    }
    /* "> INT64_MIN" cannot be written as a literal; ">= INT64_MIN+1" is the
     * same set. */
    if (req->min_criticality == INT64_MIN)
        snprintf(num, sizeof num, ">= %lld", (long long)(INT64_MIN + 1));
    else
        snprintf(num, sizeof num, "> %lld", (long long)req->min_criticality);
    evl_buf_adds(&b, "\"criticality\" ");
    evl_buf_adds(&b, num);
    snprintf(num, sizeof num, " ORDER BY time DESC LIMIT %lld",
             (long long)req->count);
    evl_buf_adds(&b, num);
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
        const char *c = json_object_get_string(json_object_array_get_idx(cols, i));
        if (c && strcmp(c, name) == 0)
            return (int)i;
    }
    return -1;
}

char *query_reply_from_influx(const char *body, char *err, size_t errlen)
{
    json_object *root, *s0, *cols, *vals;
    json_object *events = json_object_new_array();
    char *out = NULL;

    if (first_series(body, &root, &s0, err, errlen) != 0)
        goto done;
    if (s0 && json_object_object_get_ex(s0, "columns", &cols) &&
        json_object_object_get_ex(s0, "values", &vals)) {
        int it = col_index(cols, "time"), ic = col_index(cols, "criticality"),
            im = col_index(cols, "eventMessage"),
            its = col_index(cols, "timestamp");
        size_t n = json_object_array_length(vals);
        for (size_t i = 0; i < n; i++) {
            json_object *row = json_object_array_get_idx(vals, i);
            json_object *ev = json_object_new_object();
            json_object *c = ic >= 0 ? json_object_array_get_idx(row, (size_t)ic) : NULL;
            json_object *m = im >= 0 ? json_object_array_get_idx(row, (size_t)im) : NULL;
            json_object *t = its >= 0 ? json_object_array_get_idx(row, (size_t)its) : NULL;
            json_object_object_add(ev, "criticality", json_object_get(c));
            if (t && json_object_is_type(t, json_type_string)) {
                json_object_object_add(ev, "timestamp", json_object_get(t));
            } else {
                /* Points written without the original text: use the
                 * point time. */
                char ts[40] = "";
                json_object *tm = it >= 0 ? json_object_array_get_idx(row, (size_t)it) : NULL;
                evl_time_format(json_object_get_int64(tm), ts, sizeof ts);
                json_object_object_add(ev, "timestamp", json_object_new_string(ts));
            }
            json_object_object_add(ev, "eventMessage", json_object_get(m));
            json_object_array_add(events, ev);
        }
    }
    json_object *reply = json_object_new_object();
    json_object_object_add(reply, "events", events);
    events = NULL;
    out = strdup(json_object_to_json_string_ext(
        reply, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(reply);
done:
    json_object_put(events);
    json_object_put(root);
    return out;
}
