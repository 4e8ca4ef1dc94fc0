/*
 * libFuzzer target: the query request parser and the InfluxQL it leads
 * to.  Property: an accepted classic request has a count in 1..max, and
 * its query text is the fixed template with two printed integers --
 * nothing from the request is pasted into it -- and, with the criticality
 * band tag, lists exactly the bands that can hold a value above X.  Any
 * other accepted request (the new members) gives one statement whose only
 * quoted strings are band names and the key, whose only regular expression
 * holds nothing but letters, digits, UTF-8 beyond ASCII and \x{HH}
 * escapes, and whose bands are exactly those that can hold an accepted
 * criticality.
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
    query_request req = {.last_events_count = 3, .has_before = true,
                         .before = {INT64_MAX, INT64_MAX}};
    char *out = query_reply_from_influx(body, b == 1 ? body : NULL, body,
                                        &req, err, sizeof err);
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

static const query_store plain = {"event", NULL, "key"};
static const query_store banded = {"event", "b", "key"};

/* The WHERE of a request with new members: quoted strings are band names
 * (after "b" = ) or the key (after "key" = ), the one regex is escaped. */
static void check_safe(const char *q, const query_request *req)
{
    if (strchr(q, ';'))
        abort();
    for (const char *p = q; *p; p++) {
        if (*p == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (!end)
                abort();
            size_t n = (size_t)(end - p - 1);
            bool band = p >= q + 6 && !strncmp(p - 6, "\"b\" = ", 6) && n < 6;
            bool key = p >= q + 8 && !strncmp(p - 8, "\"key\" = ", 8) &&
                       n == strlen(req->key) && !strncmp(p + 1, req->key, n);
            if (!band && !key)
                abort();
            p = end;
        } else if (*p == '/') {
            if (strncmp(p - 4, " =~ ", 4) != 0 || !req->contains_len)
                abort();
            for (p++; *p != '/'; p++) {
                unsigned char c = (unsigned char)*p;
                if (c == '\\' && !strncmp(p, "\\x{", 3) && p[5] == '}')
                    p += 5;
                else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c >= 0x80))
                    abort();
            }
            if (p[1] != '\0' && p[1] != ' ')
                abort();
        }
    }
}

static int new_members(const query_request *req)
{
    char *q = query_build_influxql(&plain, NULL, 0, req);
    if (!q)
        abort();
    check_safe(q, req);
    free(q);
    char bands[EVL_CRIT_BAND_TOP + 2][EVL_CRIT_BAND_LEN];
    char all[EVL_CRIT_BAND_TOP + 2][EVL_CRIT_BAND_LEN];
    /* every band stored: the answer to the listing */
    char listing[4096] = "{\"results\":[{\"series\":[{\"values\":[";
    size_t na = evl_crit_bands_above(INT64_MIN, all);
    for (size_t i = 0; i < na; i++) {
        strcat(listing, i ? ",[\"b\",\"" : "[\"b\",\"");
        strcat(listing, all[i]);
        strcat(listing, "\"]");
    }
    strcat(listing, "]}]}]}");
    char err[128];
    int nb = query_bands_from_influx(listing, req, bands, err, sizeof err);
    /* Each band listed holds an accepted value; each band left out none of
     * the probes. */
    for (size_t i = 0, j = 0; i < na; i++) {
        bool listed = j < (size_t)nb && !strcmp(bands[j], all[i]);
        int64_t v = !strcmp(all[i], "lt0")     ? -1
                    : !strcmp(all[i], "ge100") ? 100
                                               : strtoll(all[i], NULL, 10);
        if (!listed && (v >= 0 && v < 100) && evl_query_crit_match(req, v))
            abort();
        j += listed;
    }
    if (nb > 0) {
        q = query_build_influxql(&banded, bands, (size_t)nb, req);
        if (!q)
            abort();
        check_safe(q, req);
        free(q);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    query_request req;
    char err[256];
    as_answer(data, len);
    if (evl_query_parse((const char *)data, len, 1000, 1717243200500000000LL,
                        &req, err, sizeof err) != 0) {
        if (!err[0])
            abort(); /* every refusal says why */
        return 0;
    }
    if (!req.classic)
        return new_members(&req);
    if (req.last_events_count < 1 || req.last_events_count > 1000)
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
             num, (long long)req.last_events_count + 1);
    char *q = query_build_influxql(&plain, NULL, 0, &req);
    if (!q || strcmp(q, want) != 0)
        abort();
    free(q);
    /* The boundary read: the same condition, a time range of two printed
     * integers, a fixed limit. */
    char range[320];
    snprintf(range, sizeof range,
             "%.*s AND time >= %lld AND time < %lld ORDER BY time DESC LIMIT %d",
             (int)(strstr(want, " ORDER BY") - want), want,
             (long long)req.last_events_count * 1000000, (long long)req.last_events_count * 1000000 + 1000000,
             QUERY_BOUNDARY_MAX);
    q = query_build_range(&plain, NULL, 0, &req, req.last_events_count * 1000000,
                          req.last_events_count * 1000000 + 1000000, 0);
    if (!q || strcmp(q, range) != 0)
        abort();
    free(q);
    /* ... and its TOP form: the same condition, TOP over sub_ns. */
    char top[400], *from_kw = strstr(want, " FROM ");
    snprintf(top, sizeof top,
             "SELECT TOP(\"sub_ns\", %lld) AS \"sub_ns\",\"criticality\","
             "\"eventMessage\",\"timestamp\"%.*s AND time >= %lld AND time < %lld",
             (long long)req.last_events_count, (int)(strstr(want, " ORDER BY") - from_kw), from_kw,
             (long long)req.last_events_count * 1000000, (long long)req.last_events_count * 1000000 + 1000000);
    q = query_build_range(&plain, NULL, 0, &req, req.last_events_count * 1000000,
                          req.last_events_count * 1000000 + 1000000, req.last_events_count);
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
    q = query_build_influxql(&banded, bands, nb, &req);
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
