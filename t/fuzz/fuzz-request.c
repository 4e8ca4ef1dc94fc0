/*
 * libFuzzer target: the query request parser and the InfluxQL it leads
 * to.  Property: an accepted request has a count in 1..max, and its query
 * text is the fixed template with two printed integers -- nothing from the
 * request is pasted into it -- and, with the criticality band tag, lists
 * exactly the bands that can hold a value above X.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* The input as InfluxDB's answer to the SELECT (and to the boundary). */
static void as_answer(const uint8_t *data, size_t len)
{
    char *body = malloc(len + 1), err[256];
    memcpy(body, data, len);
    body[len] = '\0';
    int64_t from = 0, to = 0, k = 0;
    int b = query_boundary(body, 3, &from, &to, &k);
    if (b == 1 && (to - from != 1000000 || k < 1 || k > 3))
        abort();
    (void)query_points(body);
    char *out = query_reply_from_influx(body, b == 1 ? body : NULL, 3, err,
                                        sizeof err);
    if (out) {
        json_object *o = json_tokener_parse(out), *ev;
        if (!o || !json_object_object_get_ex(o, "events", &ev) ||
            json_object_array_length(ev) > 3)
            abort();
        json_object_put(o);
    } else if (!err[0]) {
        abort();
    }
    free(out);
    free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    query_request req;
    char err[256];
    as_answer(data, len);
    if (query_request_parse((const char *)data, len, 1000, &req, err,
                            sizeof err) != 0) {
        if (!err[0])
            abort(); /* every refusal says why */
        return 0;
    }
    if (req.count < 1 || req.count > 1000)
        abort();
    /* Without bands: exactly the template with the two printed integers. */
    char want[256], num[32];
    if (req.min_criticality == INT64_MIN)
        snprintf(num, sizeof num, ">= %lld", (long long)INT64_MIN + 1);
    else
        snprintf(num, sizeof num, "> %lld", (long long)req.min_criticality);
    snprintf(want, sizeof want,
             "SELECT \"criticality\",\"eventMessage\",\"sub_ns\",\"timestamp\" "
             "FROM \"event\" WHERE \"criticality\" %s ORDER BY time DESC "
             "LIMIT %lld",
             num, (long long)req.count + 1);
    char *q = query_build_influxql("event", NULL, NULL, 0, &req);
    if (!q || strcmp(q, want) != 0)
        abort();
    free(q);
    /* The boundary read: the same condition, a time range of two printed
     * integers, a fixed limit. */
    char range[320];
    snprintf(range, sizeof range,
             "%.*s AND time >= %lld AND time < %lld ORDER BY time DESC LIMIT %d",
             (int)(strstr(want, " ORDER BY") - want), want,
             (long long)req.count * 1000000, (long long)req.count * 1000000 + 1000000,
             QUERY_BOUNDARY_MAX);
    q = query_build_range("event", NULL, NULL, 0, &req, req.count * 1000000,
                          req.count * 1000000 + 1000000, 0);
    if (!q || strcmp(q, range) != 0)
        abort();
    free(q);
    /* ... and its TOP form: the same condition, TOP over sub_ns. */
    char top[400], *from_kw = strstr(want, " FROM ");
    snprintf(top, sizeof top,
             "SELECT TOP(\"sub_ns\", %lld) AS \"sub_ns\",\"criticality\","
             "\"eventMessage\",\"timestamp\"%.*s AND time >= %lld AND time < %lld",
             (long long)req.count, (int)(strstr(want, " ORDER BY") - from_kw), from_kw,
             (long long)req.count * 1000000, (long long)req.count * 1000000 + 1000000);
    q = query_build_range("event", NULL, NULL, 0, &req, req.count * 1000000,
                          req.count * 1000000 + 1000000, req.count);
    if (!q || strcmp(q, top) != 0)
        abort();
    free(q);
    /* With bands (here every band that could hold a value above X; the
     * reader passes the stored ones among them): the same text with
     * "(BAND OR ...) AND " after WHERE, each band one that can hold a value
     * above X, and all of those. */
    char bands[EVL_CRIT_BAND_TOP + 2][EVL_CRIT_BAND_LEN];
    size_t nb = evl_crit_bands_above(req.min_criticality, bands);
    if (nb == 0)
        return 0; /* no band can match: the reader answers without a query */
    q = query_build_influxql("event", "b", bands, nb, &req);
    if (!q)
        abort();
    const char *w = strstr(q, " WHERE (");
    const char *rest = w ? strstr(w, ") AND \"criticality\" ") : NULL;
    if (!w || !rest || strncmp(q, want, (size_t)(w - q) + 7) != 0 ||
        strcmp(rest + 6, strstr(want, " WHERE ") + 7) != 0)
        abort();
    int terms = 0, expect = 0;
    for (int64_t i = -1; i <= 100; i++)
        expect += (i == 100 ? INT64_MAX : i) > req.min_criticality;
    for (const char *p = w + 8; p < rest; terms++) {
        char band[8];
        int used = 0;
        if (sscanf(p, "\"b\" = '%7[^']'%n", band, &used) != 1 || used == 0)
            abort();
        int64_t top = !strcmp(band, "lt0")     ? -1
                      : !strcmp(band, "ge100") ? INT64_MAX
                                               : strtoll(band, NULL, 10);
        if (top <= req.min_criticality)
            abort();
        p += used;
        if (p < rest && strncmp(p, " OR ", 4) != 0)
            abort();
        if (p < rest)
            p += 4;
    }
    if (terms != expect || expect == 0)
        abort();
    free(q);
    return 0;
}
