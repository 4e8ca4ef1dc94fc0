#include "influx.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "wipe.h"

struct evl_influx {
    CURL *h;
    evl_influx_api api;
    char *write_url, *query_url;
    char *userpwd; /* "user:password" for basic auth, or NULL */
    struct curl_slist *write_hdrs, *query_hdrs;
    long timeout_ms, connect_timeout_ms;
    evl_buf resp;
    int64_t retry_after_ms;
    long last_status; /* HTTP status of the last query, 0 if none */
};

/* libcurl's global state, once per plugin module (its module_init and
 * module_fini), not per instance: curl_global_init is not thread-safe and
 * instances are configured while others run. */
int evl_influx_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void evl_influx_global_cleanup(void) { curl_global_cleanup(); }

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    evl_influx *c = ud;
    /* Error bodies are short; cap what we keep whatever the server sends. */
    size_t total = size * n;
    if (c->resp.len < 64 * 1024 * 1024 && evl_buf_add(&c->resp, p, total) != 0)
        return 0;
    return total;
}

/* Retry-After: delay-seconds or an HTTP-date. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    evl_influx *c = ud;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof name && strncasecmp(p, name, sizeof name - 1) == 0) {
        char val[128];
        size_t vl = len - (sizeof name - 1);
        if (vl >= sizeof val)
            vl = sizeof val - 1;
        memcpy(val, p + sizeof name - 1, vl);
        val[vl] = '\0';
        char *v = val + strspn(val, " \t");
        char *end;
        long secs = strtol(v, &end, 10);
        if (end != v && (*end == '\r' || *end == '\n' || *end == '\0')) {
            c->retry_after_ms = secs > 0 ? (int64_t)secs * 1000 : 0;
        } else {
            time_t when = curl_getdate(v, NULL);
            time_t now = time(NULL);
            if (when > now)
                c->retry_after_ms = (int64_t)(when - now) * 1000;
        }
    }
    return len;
}

static char *url_join(CURL *h, const char *base, const char *path,
                      const char *k1, const char *v1, const char *k2,
                      const char *v2, const char *extra)
{
    evl_buf b = {0};
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    evl_buf_add(&b, base, bl);
    evl_buf_adds(&b, path);
    const char *ks[2] = {k1, k2}, *vs[2] = {v1, v2};
    char sep = '?';
    for (int i = 0; i < 2; i++) {
        if (!ks[i] || !vs[i] || !vs[i][0])
            continue;
        char *e = curl_easy_escape(h, vs[i], 0);
        evl_buf_addc(&b, sep);
        evl_buf_adds(&b, ks[i]);
        evl_buf_addc(&b, '=');
        evl_buf_adds(&b, e ? e : "");
        curl_free(e);
        sep = '&';
    }
    if (extra) {
        evl_buf_addc(&b, sep);
        evl_buf_adds(&b, extra);
    }
    return b.data;
}

int evl_influx_api_parse(const char *s, evl_influx_api *out)
{
    if (strcmp(s, "v1") == 0)
        *out = EVL_INFLUX_V1;
    else if (strcmp(s, "v2") == 0)
        *out = EVL_INFLUX_V2;
    else if (strcmp(s, "v3") == 0)
        *out = EVL_INFLUX_V3;
    else
        return -1;
    return 0;
}

evl_influx *evl_influx_new(const evl_influx_conf *conf)
{
    evl_influx *c = calloc(1, sizeof *c);
    if (!c || !(c->h = curl_easy_init())) {
        free(c);
        return NULL;
    }
    c->api = conf->api;
    c->timeout_ms = (long)(conf->timeout_ms > 0 ? conf->timeout_ms : 10000);
    c->connect_timeout_ms =
        (long)(conf->connect_timeout_ms > 0 ? conf->connect_timeout_ms : 2000);
    switch (conf->api) {
    case EVL_INFLUX_V1:
        c->write_url = url_join(c->h, conf->url, "/write", "db", conf->database,
                                "rp", conf->retention_policy, "precision=ns");
        break;
    case EVL_INFLUX_V2:
        c->write_url =
            url_join(c->h, conf->url, "/api/v2/write", "org", conf->org,
                     "bucket", conf->bucket, "precision=ns");
        break;
    case EVL_INFLUX_V3:
        c->write_url =
            url_join(c->h, conf->url, "/api/v3/write_lp", "db", conf->database,
                     NULL, NULL, "precision=nanosecond");
        break;
    }
    c->query_url =
        url_join(c->h, conf->url, "/query", NULL, NULL, NULL, NULL, NULL);
    c->write_hdrs =
        curl_slist_append(NULL, "Content-Type: text/plain; charset=utf-8");
    c->query_hdrs = curl_slist_append(NULL, "Accept: application/json");
    if (conf->token) {
        evl_buf h = {0};
        evl_buf_adds(&h, "Authorization: Token ");
        evl_buf_adds(&h, conf->token);
        c->write_hdrs = curl_slist_append(c->write_hdrs, h.data);
        c->query_hdrs = curl_slist_append(c->query_hdrs, h.data);
        wipe(h.data, h.len);
        evl_buf_free(&h);
    } else if (conf->user) {
        evl_buf u = {0};
        evl_buf_adds(&u, conf->user);
        evl_buf_addc(&u, ':');
        evl_buf_adds(&u, conf->password ? conf->password : "");
        c->userpwd = u.data;
    }
    /* Keep the expectation of a 100-continue out: it costs a round trip
     * per batch for nothing on a trusted server. */
    c->write_hdrs = curl_slist_append(c->write_hdrs, "Expect:");
    if (!c->write_url || !c->query_url || !c->write_hdrs || !c->query_hdrs) {
        evl_influx_free(c);
        return NULL;
    }
    return c;
}

void evl_influx_free(evl_influx *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->h);
    free(c->write_url);
    free(c->query_url);
    wipe_free(c->userpwd);
    curl_slist_free_all(c->write_hdrs);
    curl_slist_free_all(c->query_hdrs);
    evl_buf_free(&c->resp);
    free(c);
}

static void common_opts(evl_influx *c, const char *url, struct curl_slist *hdrs)
{
    CURL *h = c->h;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    if (c->userpwd) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERPWD, c->userpwd);
    }
    evl_buf_reset(&c->resp);
    c->retry_after_ms = 0;
}

/* The "error" text of an InfluxDB JSON error body, else the body itself. */
static void error_text(const evl_buf *resp, char *out, size_t cap)
{
    const char *b = resp->data ? resp->data : "";
    const char *e = strstr(b, "\"error\":\"");
    if (!e)
        e = strstr(b, "\"message\":\"");
    if (e) {
        e = strchr(e, ':') + 2;
        size_t n = 0;
        for (; *e && *e != '"' && n + 1 < cap; e++) {
            if (*e == '\\' && e[1])
                e++;
            out[n++] = *e == '\n' ? ' ' : *e;
        }
        out[n] = '\0';
        return;
    }
    snprintf(out, cap, "%.*s", (int)(resp->len < 300 ? resp->len : 300), b);
}

void evl_influx_write(evl_influx *c, const char *body, size_t len,
                      evl_write_result *res)
{
    memset(res, 0, sizeof *res);
    common_opts(c, c->write_url, c->write_hdrs);
    curl_easy_setopt(c->h, CURLOPT_POST, 1L);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    CURLcode rc = curl_easy_perform(c->h);
    if (rc != CURLE_OK) {
        res->outcome = EVL_WRITE_RETRY;
        snprintf(res->message, sizeof res->message, "%s",
                 curl_easy_strerror(rc));
        return;
    }
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &res->http_status);
    res->retry_after_ms = c->retry_after_ms;
    long s = res->http_status;
    if (s >= 200 && s < 300) {
        res->outcome = EVL_WRITE_OK;
        return;
    }
    error_text(&c->resp, res->message, sizeof res->message);
    if (s == 400 || s == 422)
        res->outcome = EVL_WRITE_BAD_DATA;
    else if (s == 413)
        res->outcome = EVL_WRITE_TOO_LARGE;
    else if (s == 401 || s == 403)
        res->outcome = EVL_WRITE_AUTH;
    else if (s == 404)
        res->outcome = EVL_WRITE_NOT_FOUND;
    else
        res->outcome = EVL_WRITE_RETRY; /* 429, 5xx, anything unexpected */
}

int evl_influx_query(evl_influx *c, const char *influxql,
                     const char *params_json, char **out, char *err,
                     size_t errlen)
{
    *out = NULL;
    common_opts(c, c->query_url, c->query_hdrs);
    /* POST form: the query text never appears in a URL (or a proxy log). */
    evl_buf form = {0};
    char *q = curl_easy_escape(c->h, influxql, 0);
    evl_buf_adds(&form, "epoch=ns&q=");
    evl_buf_adds(&form, q ? q : "");
    curl_free(q);
    /* The database, for v1/v3; a DBRP-mapped bucket name on 2.x. */
    const char *db = strstr(c->write_url, "db=");
    if (!db)
        db = strstr(c->write_url, "bucket=");
    if (db) {
        size_t n = strcspn(db, "&");
        evl_buf_addc(&form, '&');
        if (strncmp(db, "bucket=", 7) == 0) {
            evl_buf_adds(&form, "db=");
            evl_buf_add(&form, db + 7, n - 7);
        } else {
            evl_buf_add(&form, db, n);
        }
    }
    if (params_json) {
        char *p = curl_easy_escape(c->h, params_json, 0);
        evl_buf_adds(&form, "&params=");
        evl_buf_adds(&form, p ? p : "");
        curl_free(p);
    }
    curl_easy_setopt(c->h, CURLOPT_POST, 1L);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, form.data);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form.len);
    CURLcode rc = curl_easy_perform(c->h);
    evl_buf_free(&form);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "InfluxDB unreachable: %s",
                 curl_easy_strerror(rc));
        return -1;
    }
    long status = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    c->last_status = status;
    if (status != 200) {
        char msg[300];
        error_text(&c->resp, msg, sizeof msg);
        snprintf(err, errlen, "InfluxDB answered %ld: %s", status, msg);
        return -1;
    }
    *out = c->resp.data;
    c->resp.data = NULL;
    c->resp.len = c->resp.cap = 0;
    return 0;
}

int evl_influx_auth_refused(evl_influx *c, char *err, size_t errlen)
{
    char *out = NULL;
    c->last_status = 0;
    int rc = evl_influx_query(c, "SHOW DATABASES", NULL, &out, err, errlen);
    free(out);
    return rc != 0 && (c->last_status == 401 || c->last_status == 403);
}

void evl_influx_set_timeout_ms(evl_influx *c, int64_t ms)
{
    c->timeout_ms = (long)(ms > 0 ? ms : 1);
}

const char *evl_write_outcome_name(evl_write_outcome o)
{
    switch (o) {
    case EVL_WRITE_OK: return "ok";
    case EVL_WRITE_BAD_DATA: return "bad data";
    case EVL_WRITE_TOO_LARGE: return "too large";
    case EVL_WRITE_AUTH: return "not authorised";
    case EVL_WRITE_NOT_FOUND: return "database not found";
    case EVL_WRITE_RETRY: return "unavailable";
    }
    return "?";
}
