#include "settings.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* libconfig lets us hang one pointer on each setting; a setting whose hook
 * is &read_mark has been read by somebody. */
static char read_mark;

static void mark(config_setting_t *s)
{
    for (; s && config_setting_get_hook(s) != &read_mark;
         s = config_setting_parent(s))
        config_setting_set_hook(s, &read_mark);
}

void cfg_path(const config_setting_t *s, char *buf, size_t cap)
{
    const config_setting_t *chain[64];
    int n = 0;
    size_t len = 0;

    buf[0] = '\0';
    for (; s && config_setting_parent(s) && n < 64;
         s = config_setting_parent(s))
        chain[n++] = s;
    while (n-- > 0 && len < cap) {
        const config_setting_t *c = chain[n];
        const char *name = config_setting_name(c);
        int w;
        if (name)
            w = snprintf(buf + len, cap - len, "%s%s", len ? "." : "", name);
        else
            w = snprintf(buf + len, cap - len, "[%d]", config_setting_index(c));
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

void cfg_error(cfg_ctx *cx, const config_setting_t *grp, const char *key,
               const char *fmt, ...)
{
    char path[512], msg[1024];
    const config_setting_t *at = grp;
    va_list ap;

    if (key && grp) {
        const config_setting_t *s =
            config_setting_lookup((config_setting_t *)grp, key);
        if (s)
            at = s;
    }
    cfg_path(grp, path, sizeof path);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    const char *file = at ? config_setting_source_file(at) : NULL;
    unsigned line = at ? config_setting_source_line(at) : 0;
    char full[640];
    if (key)
        snprintf(full, sizeof full, "%s%s%s", path, path[0] ? "." : "", key);
    else
        snprintf(full, sizeof full, "%s", path[0] ? path : "(top level)");
    log_as(cx->who ? cx->who : "host", EVH_LOG_ERROR, "%s:%u: %s: %s",
           file ? file : "(config)", line, full, msg);
    cx->errors++;
}

config_setting_t *cfg_lookup(config_setting_t *grp, const char *key)
{
    if (!grp)
        return NULL;
    config_setting_t *s = config_setting_lookup(grp, key);
    if (s)
        mark(s);
    return s;
}

static const char *type_name(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_GROUP: return "a group";
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a float";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_ARRAY: return "an array";
    case CONFIG_TYPE_LIST: return "a list";
    default: return "nothing";
    }
}

int cfg_string(cfg_ctx *cx, config_setting_t *grp, const char *key,
               const char *def, const char **out)
{
    config_setting_t *s = cfg_lookup(grp, key);
    *out = def;
    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        cfg_error(cx, grp, key, "expected a string, got %s", type_name(s));
        return -1;
    }
    *out = config_setting_get_string(s);
    return 0;
}

int cfg_int(cfg_ctx *cx, config_setting_t *grp, const char *key, int64_t def,
            int64_t min, int64_t max, int64_t *out)
{
    config_setting_t *s = cfg_lookup(grp, key);
    *out = def;
    if (!s)
        return 0;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
        cfg_error(cx, grp, key, "expected an integer in %lld..%lld, got %s",
                  (long long)min, (long long)max, type_name(s));
        return -1;
    }
    int64_t v = config_setting_get_int64(s);
    if (v < min || v > max) {
        cfg_error(cx, grp, key, "expected an integer in %lld..%lld, got %lld",
                  (long long)min, (long long)max, (long long)v);
        return -1;
    }
    *out = v;
    return 0;
}

int cfg_double(cfg_ctx *cx, config_setting_t *grp, const char *key, double def,
               double min, double max, double *out)
{
    config_setting_t *s = cfg_lookup(grp, key);
    *out = def;
    if (!s)
        return 0;
    int t = config_setting_type(s);
    double v;
    if (t == CONFIG_TYPE_FLOAT)
        v = config_setting_get_float(s);
    else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        v = (double)config_setting_get_int64(s);
    else {
        cfg_error(cx, grp, key, "expected a number, got %s", type_name(s));
        return -1;
    }
    if (v < min || v > max) {
        cfg_error(cx, grp, key, "expected a number in %g..%g, got %g", min, max,
                  v);
        return -1;
    }
    *out = v;
    return 0;
}

int cfg_bool(cfg_ctx *cx, config_setting_t *grp, const char *key, bool def,
             bool *out)
{
    config_setting_t *s = cfg_lookup(grp, key);
    *out = def;
    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
        cfg_error(cx, grp, key, "expected true or false, got %s", type_name(s));
        return -1;
    }
    *out = config_setting_get_bool(s) != 0;
    return 0;
}

config_setting_t *cfg_group(cfg_ctx *cx, config_setting_t *grp, const char *key)
{
    config_setting_t *s = cfg_lookup(grp, key);
    if (s && config_setting_type(s) != CONFIG_TYPE_GROUP) {
        cfg_error(cx, grp, key, "expected a group { ... }, got %s",
                  type_name(s));
        return NULL;
    }
    return s;
}

int cfg_strings(cfg_ctx *cx, config_setting_t *grp, const char *key,
                const char ***out, int *n)
{
    config_setting_t *s = cfg_lookup(grp, key);
    *out = NULL;
    *n = 0;
    if (!s)
        return 0;
    if (config_setting_type(s) == CONFIG_TYPE_STRING) {
        *out = malloc(sizeof **out);
        if (!*out)
            return -1;
        (*out)[0] = config_setting_get_string(s);
        *n = 1;
        return 0;
    }
    if (!config_setting_is_aggregate(s) ||
        config_setting_type(s) == CONFIG_TYPE_GROUP) {
        cfg_error(cx, grp, key,
                  "expected a string or a list of strings, got %s",
                  type_name(s));
        return -1;
    }
    int len = config_setting_length(s);
    *out = calloc((size_t)(len ? len : 1), sizeof **out);
    if (!*out)
        return -1;
    for (int i = 0; i < len; i++) {
        config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        mark(e);
        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            cfg_error(cx, grp, key, "element %d: expected a string, got %s", i,
                      type_name(e));
            free(*out);
            *out = NULL;
            return -1;
        }
        (*out)[i] = config_setting_get_string(e);
    }
    *n = len;
    return 0;
}

int cfg_check_unknown(cfg_ctx *cx, const config_setting_t *grp,
                      const config_setting_t *skip)
{
    int unknown = 0;
    /* Lists too: their groups (the alert plugin's rules) have keys. */
    if (!grp || (config_setting_type(grp) != CONFIG_TYPE_GROUP &&
                 config_setting_type(grp) != CONFIG_TYPE_LIST))
        return 0;
    int len = config_setting_length(grp);
    for (int i = 0; i < len; i++) {
        config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
        if (s == skip)
            continue;
        if (config_setting_get_hook(s) != &read_mark) {
            cfg_error(cx, grp, config_setting_name(s), "unknown key");
            unknown++;
        } else if (config_setting_type(s) == CONFIG_TYPE_GROUP ||
                   config_setting_type(s) == CONFIG_TYPE_LIST) {
            unknown += cfg_check_unknown(cx, s, skip);
        }
    }
    return unknown;
}

/* Append to a growable string; on allocation failure the fingerprint is
 * simply NULL, which only means "treat as changed". */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool failed;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void fp_rec(sbuf *b, const config_setting_t *s)
{
    char num[64];
    const char *name = config_setting_name(s);
    if (name) {
        sb_str(b, name);
        sb_str(b, "=");
    }
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_GROUP:
    case CONFIG_TYPE_LIST:
    case CONFIG_TYPE_ARRAY: {
        sb_str(b, config_setting_type(s) == CONFIG_TYPE_GROUP ? "{" : "(");
        int len = config_setting_length(s);
        for (int i = 0; i < len; i++) {
            fp_rec(b, config_setting_get_elem(s, (unsigned)i));
            sb_str(b, ";");
        }
        sb_str(b, config_setting_type(s) == CONFIG_TYPE_GROUP ? "}" : ")");
        break;
    }
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        snprintf(num, sizeof num, "%lld",
                 (long long)config_setting_get_int64(s));
        sb_str(b, num);
        break;
    case CONFIG_TYPE_FLOAT:
        snprintf(num, sizeof num, "%.17g", config_setting_get_float(s));
        sb_str(b, num);
        break;
    case CONFIG_TYPE_BOOL:
        sb_str(b, config_setting_get_bool(s) ? "true" : "false");
        break;
    case CONFIG_TYPE_STRING: {
        const char *v = config_setting_get_string(s);
        snprintf(num, sizeof num, "s%zu:", strlen(v));
        sb_str(b, num);
        sb_str(b, v);
        break;
    }
    default: break;
    }
}

char *cfg_fingerprint(const config_setting_t *s)
{
    sbuf b = {0};
    if (s)
        fp_rec(&b, s);
    sb_str(&b, "");
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
