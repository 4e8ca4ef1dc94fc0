#include "rules.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RULES 1000
#define MS_MAX (INT64_C(30) * 24 * 3600 * 1000) /* 30 days */

static const char *const kind_names[] = {"threshold", "rate", "deadman"};

bool rule_label_name_ok(const char *s)
{
    if (!s ||
        !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* Rule names become KV keys and label values: keep them plain. */
static bool name_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return false;
    return true;
}

/* "rules.[i].key" */
static const char *key_of(char *buf, size_t cap, size_t i, const char *key)
{
    snprintf(buf, cap, "rules.[%zu].%s", i, key);
    return buf;
}

static int read_where(evh_instance *inst, rule *r, size_t i)
{
    char k[96], ek[112], err[256];
    int rc = EVH_OK;
    int n = evh_config_count(inst, key_of(k, sizeof k, i, "where"));
    if (n < 0)
        return EVH_ECONFIG;
    for (int j = 0; j < n; j++) {
        const char *expr = NULL;
        if (evh_config_elem_string(inst, k, j, &expr) != EVH_OK) {
            rc = EVH_ECONFIG;
            continue;
        }
        if (tail_filter_add_where(&r->filter, expr, err, sizeof err) != 0) {
            snprintf(ek, sizeof ek, "%s.[%d]", k, j);
            rc = evh_config_error(inst, ek, "%s", err);
        }
    }
    return rc;
}

static int add_label(rule *r, const char *name, size_t nlen, const char *val)
{
    char **nn = realloc(r->label_names, (r->nlabels + 1) * sizeof *nn);
    if (nn)
        r->label_names = nn;
    char **nv = realloc(r->label_values, (r->nlabels + 1) * sizeof *nv);
    if (nv)
        r->label_values = nv;
    if (!nn || !nv)
        return -1;
    nn[r->nlabels] = strndup(name, nlen);
    nv[r->nlabels] = strdup(val);
    if (!nn[r->nlabels] || !nv[r->nlabels]) {
        free(nn[r->nlabels]);
        free(nv[r->nlabels]);
        return -1;
    }
    r->nlabels++;
    return 0;
}

static bool reserved_label(const rule *r, const char *name)
{
    return !strcmp(name, "alertname") || !strcmp(name, "severity") ||
           (r->group_by && !strcmp(name, r->group_by));
}

static int read_labels(evh_instance *inst, rule *r, size_t i)
{
    char k[96], ek[112];
    int rc = EVH_OK;
    int n = evh_config_count(inst, key_of(k, sizeof k, i, "labels"));
    if (n < 0)
        return EVH_ECONFIG;
    for (int j = 0; j < n; j++) {
        const char *lv = NULL;
        if (evh_config_elem_string(inst, k, j, &lv) != EVH_OK) {
            rc = EVH_ECONFIG;
            continue;
        }
        snprintf(ek, sizeof ek, "%s.[%d]", k, j);
        const char *eq = strchr(lv, '=');
        char name[128];
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - lv) : 0, lv);
        if (!eq || !rule_label_name_ok(name))
            rc = evh_config_error(inst, ek,
                                  "expected \"NAME=VALUE\" with "
                                  "NAME a Prometheus label name "
                                  "([a-zA-Z_][a-zA-Z0-9_]*)");
        else if (reserved_label(r, name))
            rc = evh_config_error(inst, ek,
                                  "label \"%s\" is set by the "
                                  "rule itself",
                                  name);
        else if (add_label(r, lv, (size_t)(eq - lv), eq + 1) != 0)
            rc = evh_config_error(inst, ek, "out of memory");
    }
    return rc;
}

static int read_groups(evh_instance *inst, rule *r, size_t i)
{
    char k[96];
    int n = evh_config_count(inst, key_of(k, sizeof k, i, "groups"));
    if (n <= 0)
        return n < 0 ? EVH_ECONFIG : EVH_OK;
    r->groups = calloc((size_t)n, sizeof *r->groups);
    if (!r->groups)
        return evh_config_error(inst, k, "out of memory");
    int rc = EVH_OK;
    for (int j = 0; j < n; j++)
        if (evh_config_elem_string(inst, k, j, &r->groups[r->ngroups]) ==
            EVH_OK)
            r->ngroups++;
        else
            rc = EVH_ECONFIG;
    return rc;
}

/* A key given to a rule of a type it does not apply to. */
static int misplaced(evh_instance *inst, const rule *r, size_t i,
                     const char *key, rule_kind only)
{
    char k[96];
    if (r->kind == only || !evh_config_has(inst, key_of(k, sizeof k, i, key)))
        return EVH_OK;
    return evh_config_error(inst, k,
                            "applies to %s rules only, and this is "
                            "a %s rule",
                            kind_names[only], kind_names[r->kind]);
}

static int read_kind(evh_instance *inst, rule *r, size_t i)
{
    char k[96];
    const char *type = NULL;
    if (evh_config_string(inst, key_of(k, sizeof k, i, "type"), NULL, &type) !=
        EVH_OK)
        return EVH_ECONFIG;
    for (int t = 0; type && t < 3; t++)
        if (!strcmp(type, kind_names[t])) {
            r->kind = (rule_kind)t;
            return EVH_OK;
        }
    return evh_config_error(inst, type ? k : key_of(k, sizeof k, i, "name"),
                            "expected \"threshold\", \"rate\" or "
                            "\"deadman\"%s",
                            type ? "" : " (missing)");
}

static void read_times(evh_instance *inst, rule *r, size_t i)
{
    char k[96];
    int64_t count = 0, window = 0, duration = 0, resolve = 0;
    int crc = evh_config_int(inst, key_of(k, sizeof k, i, "count"), 0, 1,
                             100000, &count);
    evh_config_int(inst, key_of(k, sizeof k, i, "window_ms"), 60000, 10, MS_MAX,
                   &window);
    evh_config_int(inst, key_of(k, sizeof k, i, "duration_ms"), 60000, 10,
                   MS_MAX, &duration);
    evh_config_int(inst, key_of(k, sizeof k, i, "resolve_after_ms"), 300000, 10,
                   MS_MAX, &resolve);
    misplaced(inst, r, i, "count", RULE_RATE);
    misplaced(inst, r, i, "window_ms", RULE_RATE);
    misplaced(inst, r, i, "duration_ms", RULE_DEADMAN);
    misplaced(inst, r, i, "groups", RULE_DEADMAN);
    misplaced(inst, r, i, "resolve_after_ms", RULE_THRESHOLD);
    if (r->kind == RULE_RATE && count == 0 && crc == EVH_OK)
        evh_config_error(inst, key_of(k, sizeof k, i, "name"),
                         "a rate rule needs `count` (it fires above "
                         "that many matches within window_ms)");
    r->count = count;
    r->window_ns = window * 1000000;
    r->duration_ns = duration * 1000000;
    r->resolve_ns = resolve * 1000000;
}

static void read_rule(evh_instance *inst, rule_set *rs, size_t i)
{
    rule *r = &rs->rules[i];
    char k[96];
    int rc =
        evh_config_string(inst, key_of(k, sizeof k, i, "name"), NULL, &r->name);
    if (rc == EVH_OK && !name_ok(r->name)) {
        rc = EVH_ECONFIG;
        evh_config_error(inst, r->name ? k : NULL,
                         "rules[%zu]: `name` is required: 1 to 64 "
                         "letters, digits, - or _",
                         i);
    }
    for (size_t j = 0; rc == EVH_OK && j < i; j++)
        if (rs->rules[j].name && !strcmp(rs->rules[j].name, r->name))
            rc = evh_config_error(inst, k, "a second rule named \"%s\"",
                                  r->name);
    read_kind(inst, r, i);
    evh_config_string(inst, key_of(k, sizeof k, i, "severity"), "warning",
                      &r->severity);
    evh_config_string(inst, key_of(k, sizeof k, i, "group_by"), NULL,
                      &r->group_by);
    if (r->group_by && !rule_label_name_ok(r->group_by))
        evh_config_error(inst, k,
                         "\"%s\" is also the alert's label "
                         "name: [a-zA-Z_][a-zA-Z0-9_]*",
                         r->group_by);
    evh_config_string(inst, key_of(k, sizeof k, i, "contains"), NULL,
                      &r->contains);
    evh_config_string(inst, key_of(k, sizeof k, i, "summary"), NULL,
                      &r->summary);
    read_where(inst, r, i);
    read_labels(inst, r, i);
    read_groups(inst, r, i);
    read_times(inst, r, i);
    if (r->ngroups && !r->group_by)
        evh_config_error(inst, key_of(k, sizeof k, i, "groups"),
                         "needs `group_by` (the field they are values of)");
}

int rules_read(evh_instance *inst, rule_set *rs)
{
    int n = evh_config_count(inst, "rules");
    if (n < 0)
        return EVH_ECONFIG;
    if (n == 0)
        return evh_config_error(inst, "rules",
                                "at least one rule is needed "
                                "(see evhost-alert(7))");
    if (n > MAX_RULES)
        return evh_config_error(inst, "rules", "at most %d rules", MAX_RULES);
    rs->rules = calloc((size_t)n, sizeof *rs->rules);
    if (!rs->rules)
        return evh_config_error(inst, "rules", "out of memory");
    rs->n = (size_t)n;
    for (size_t i = 0; i < rs->n; i++) {
        rs->rules[i].filter.key_field = NULL;
        read_rule(inst, rs, i);
    }
    return evh_config_status(inst);
}

void rules_free(rule_set *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        rule *r = &rs->rules[i];
        tail_filter_free(&r->filter);
        for (size_t j = 0; j < r->nlabels; j++) {
            free(r->label_names[j]);
            free(r->label_values[j]);
        }
        free(r->label_names);
        free(r->label_values);
        free(r->groups);
    }
    free(rs->rules);
    memset(rs, 0, sizeof *rs);
}

bool rule_match(const rule *r, struct json_object *ev, const char *message,
                const char **group)
{
    *group = "";
    if (r->group_by) {
        struct json_object *o;
        if (!json_object_object_get_ex(ev, r->group_by, &o))
            return false;
        switch (json_object_get_type(o)) {
        case json_type_object:
        case json_type_array:
        case json_type_null: return false;
        case json_type_string: *group = json_object_get_string(o); break;
        default:
            *group = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        }
    }
    if (r->contains && (!message || !strstr(message, r->contains)))
        return false;
    return tail_filter_match(&r->filter, ev);
}
