#include "body.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event.h"

static void add_str(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, json_object_new_string(v));
}

static void add_time(json_object *o, const char *k, int64_t ns)
{
    char t[40];
    if (evl_time_format(ns, t, sizeof t) < 0)
        snprintf(t, sizeof t, "1970-01-01T00:00:00Z");
    add_str(o, k, t);
}

static json_object *labels(const alert *a)
{
    const rule *r = a->r;
    json_object *l = json_object_new_object();
    add_str(l, "alertname", r->name);
    add_str(l, "severity", r->severity);
    if (r->group_by)
        add_str(l, r->group_by, a->group);
    for (size_t i = 0; i < r->nlabels; i++)
        add_str(l, r->label_names[i], r->label_values[i]);
    return l;
}

static void summary(const alert *a, evl_buf *b)
{
    const rule *r = a->r;
    char num[96];
    if (r->summary) {
        evl_buf_adds(b, r->summary);
        return;
    }
    switch (r->kind) {
    case RULE_THRESHOLD: evl_buf_adds(b, "an event with "); break;
    case RULE_RATE:
        snprintf(num, sizeof num, "more than %lld events within %lld ms with ",
                 (long long)r->count, (long long)(r->window_ns / 1000000));
        evl_buf_adds(b, num);
        break;
    case RULE_DEADMAN:
        snprintf(num, sizeof num, "no event for %lld ms with ",
                 (long long)(r->duration_ns / 1000000));
        evl_buf_adds(b, num);
        break;
    }
    tail_filter_describe(&r->filter, b);
    if (r->contains) {
        evl_buf_adds(b, " and a message containing \"");
        evl_buf_adds(b, r->contains);
        evl_buf_addc(b, '"');
    }
    if (r->group_by) {
        evl_buf_adds(b, " (");
        evl_buf_adds(b, r->group_by);
        evl_buf_adds(b, " ");
        evl_buf_adds(b, a->group);
        evl_buf_addc(b, ')');
    }
}

static json_object *annotations(const alert *a)
{
    json_object *n = json_object_new_object();
    evl_buf b = {0};
    summary(a, &b);
    add_str(n, "summary", b.data ? b.data : "");
    evl_buf_free(&b);
    add_str(n, "rule_type",
            a->r->kind == RULE_THRESHOLD ? "threshold"
            : a->r->kind == RULE_RATE    ? "rate"
                                         : "deadman");
    if (a->event)
        add_str(n, "event", a->event);
    return n;
}

static json_object *one(const body_ctx *c, const alert *a, int64_t now_ns)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "labels", labels(a));
    json_object_object_add(o, "annotations", annotations(a));
    int64_t starts = a->starts_ns < now_ns ? a->starts_ns : now_ns;
    add_time(o, "startsAt", starts);
    if (!a->firing)
        add_time(o, "endsAt", now_ns);
    if (c->generator_url)
        add_str(o, "generatorURL", c->generator_url);
    else {
        evl_buf u = {0};
        evl_buf_adds(&u, "evhost://");
        evl_buf_adds(&u, c->host);
        evl_buf_addc(&u, '/');
        evl_buf_adds(&u, c->instance);
        evl_buf_addc(&u, '/');
        evl_buf_adds(&u, a->r->name);
        add_str(o, "generatorURL", u.data ? u.data : "");
        evl_buf_free(&u);
    }
    return o;
}

static char *text(json_object *o)
{
    const char *s = json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *t = s ? strdup(s) : NULL;
    json_object_put(o);
    return t;
}

char *body_alertmanager(const body_ctx *c, alert *const *as, size_t n,
                        int64_t now_ns)
{
    json_object *arr = json_object_new_array();
    if (!arr)
        return NULL;
    for (size_t i = 0; i < n; i++)
        json_object_array_add(arr, one(c, as[i], now_ns));
    return text(arr);
}

char *body_webhook(const body_ctx *c, alert *const *as, size_t n,
                   int64_t now_ns)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    bool any = false;
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *a = one(c, as[i], now_ns);
        add_str(a, "status", as[i]->firing ? "firing" : "resolved");
        any = any || as[i]->firing;
        json_object_array_add(arr, a);
    }
    add_str(o, "version", "1");
    add_str(o, "source", "evhost");
    add_str(o, "host", c->host);
    add_str(o, "instance", c->instance);
    add_str(o, "status", any ? "firing" : "resolved");
    json_object_object_add(o, "alerts", arr);
    return text(o);
}
