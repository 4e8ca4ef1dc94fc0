#include "params.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { INT, INTS, TEXT, EVERY, BY };

/* Parameter -> request member; `limit` is last_events_count. */
static const struct {
    const char *name, *member;
    enum kind kind;
    int route; /* 0: both, 1: /events only, 2: /events/counts only */
} known[] = {
    {"limit", "last_events_count", INT, 1},
    {"min_criticality", "min_criticality", INT, 0},
    {"max_criticality", "max_criticality", INT, 0},
    {"criticality_in", "criticality_in", INTS, 0},
    {"since", "since", TEXT, 0},
    {"until", "until", TEXT, 0},
    {"contains", "contains", TEXT, 0},
    {"key", "key", TEXT, 0},
    {"before", "before", TEXT, 1},
    {"count_by", NULL, BY, 2},
    {"every", NULL, EVERY, 2},
};
#define NKNOWN (sizeof known / sizeof *known)

struct hq_params {
    bool counts;
    const char *value[NKNOWN];
    char *owned[NKNOWN];
};

hq_params *hq_params_new(bool counts)
{
    hq_params *p = calloc(1, sizeof *p);
    if (p)
        p->counts = counts;
    return p;
}

void hq_params_free(hq_params *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < NKNOWN; i++)
        free(p->owned[i]);
    free(p);
}

/* An optional '-' and 1..19 digits: what the reader then bounds. */
static bool int_syntax(const char *s, size_t n)
{
    size_t i = n && s[0] == '-';
    if (n - i < 1 || n - i > 19)
        return false;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool ints_syntax(const char *s)
{
    size_t items = 0;
    for (const char *p = s;; items++) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (!int_syntax(p, n) || items >= 100)
            return false;
        if (!c)
            return true;
        p = c + 1;
    }
}

int hq_params_add(hq_params *p, const char *name, const char *value, char *err,
                  size_t errlen)
{
    size_t i = 0;
    while (i < NKNOWN && strcmp(known[i].name, name))
        i++;
    int route = p->counts ? 2 : 1;
    if (i == NKNOWN || (known[i].route && known[i].route != route)) {
        snprintf(err, errlen, "unknown query parameter \"%.64s\" for %s", name,
                 p->counts ? "/events/counts" : "/events");
        return -1;
    }
    if (p->value[i]) {
        snprintf(err, errlen, "query parameter \"%s\" given twice", name);
        return -1;
    }
    const char *v = value ? value : "";
    bool ok = known[i].kind == INT    ? int_syntax(v, strlen(v))
              : known[i].kind == INTS ? ints_syntax(v)
              : known[i].kind == BY   ? strcmp(v, "criticality") == 0
                                      : v[0] != '\0';
    if (!ok) {
        snprintf(err, errlen, "query parameter \"%s\": %s", name,
                 known[i].kind == INT ? "expected an integer"
                 : known[i].kind == INTS
                     ? "expected integers separated by commas"
                 : known[i].kind == BY ? "expected \"criticality\""
                                       : "must not be empty");
        return -1;
    }
    if (!(p->owned[i] = strdup(v))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->value[i] = p->owned[i];
    return 0;
}

static void add_member(json_object *o, size_t i, const char *v)
{
    if (known[i].kind == INT) {
        /* The digits as they came: json-c would clamp an out-of-range
         * integer that the reader must see and refuse. */
        json_object_object_add(o, known[i].member,
                               json_object_new_double_s(0, v));
    } else if (known[i].kind == INTS) {
        json_object *a = json_object_new_array();
        for (const char *s = v;;) {
            const char *c = strchr(s, ',');
            size_t n = c ? (size_t)(c - s) : strlen(s);
            char num[24];
            snprintf(num, sizeof num, "%.*s", (int)n, s);
            json_object_array_add(a, json_object_new_double_s(0, num));
            if (!c)
                break;
            s = c + 1;
        }
        json_object_object_add(o, known[i].member, a);
    } else {
        json_object_object_add(o, known[i].member, json_object_new_string(v));
    }
}

static json_object *count_by(const hq_params *p)
{
    const char *by = NULL, *every = NULL;
    for (size_t i = 0; i < NKNOWN; i++) {
        if (known[i].kind == BY)
            by = p->value[i];
        if (known[i].kind == EVERY)
            every = p->value[i];
    }
    json_object *e = NULL;
    if (every) {
        e = json_object_new_object();
        json_object_object_add(e, "every", json_object_new_string(every));
    }
    if (by && e) {
        json_object *a = json_object_new_array();
        json_object_array_add(a, json_object_new_string("criticality"));
        json_object_array_add(a, e);
        return a;
    }
    return by ? json_object_new_string("criticality") : e;
}

char *hq_params_request(const hq_params *p, char *err, size_t errlen)
{
    json_object *o = json_object_new_object();
    bool has_limit = false;
    for (size_t i = 0; i < NKNOWN; i++) {
        if (!p->value[i] || known[i].kind == BY || known[i].kind == EVERY)
            continue;
        has_limit |= strcmp(known[i].name, "limit") == 0;
        add_member(o, i, p->value[i]);
    }
    if (p->counts) {
        json_object *by = count_by(p);
        if (!by) {
            json_object_put(o);
            snprintf(err, errlen,
                     "/events/counts needs count_by=criticality "
                     "or every=DURATION (or both)");
            return NULL;
        }
        json_object_object_add(o, "count_by", by);
    } else if (!has_limit) {
        json_object_object_add(o, "last_events_count",
                               json_object_new_int64(10));
    }
    const char *s = json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *out = s ? strdup(s) : NULL;
    json_object_put(o);
    if (!out)
        snprintf(err, errlen, "out of memory");
    return out;
}
