#include "filter.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_text[] = {"=", "!=", "<", "<=", ">", ">="};

static bool is_space(char c) { return c == ' ' || c == '\t'; }

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static bool parse_int(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || is_space(*s))
        return false;
    *out = v;
    return true;
}

static int parse_op(const char *p, tail_op *op)
{
    if (p[0] == '=' && p[1] == '=')
        return *op = TAIL_EQ, 2;
    if (p[0] == '!' && p[1] == '=')
        return *op = TAIL_NE, 2;
    if (p[0] == '<' && p[1] == '=')
        return *op = TAIL_LE, 2;
    if (p[0] == '>' && p[1] == '=')
        return *op = TAIL_GE, 2;
    if (p[0] == '=')
        return *op = TAIL_EQ, 1;
    if (p[0] == '<')
        return *op = TAIL_LT, 1;
    if (p[0] == '>')
        return *op = TAIL_GT, 1;
    return 0;
}

static int parse_cond(const char *expr, tail_cond *c, char *err, size_t errlen)
{
    const char *p = expr, *f, *v, *vend;
    bool quoted = false;

    while (is_space(*p))
        p++;
    for (f = p; *p && !is_space(*p) && !strchr("=!<>", *p); p++)
        ;
    if (p == f) {
        snprintf(err, errlen,
                 "expected \"FIELD OP VALUE\", e.g. "
                 "\"criticality >= 8\"");
        return -1;
    }
    size_t flen = (size_t)(p - f);
    while (is_space(*p))
        p++;
    int n = parse_op(p, &c->op);
    if (n == 0) {
        snprintf(err, errlen,
                 "expected an operator (= != < <= > >=) after "
                 "\"%.*s\"",
                 (int)(flen > 64 ? 64 : flen), f);
        return -1;
    }
    p += n;
    while (is_space(*p))
        p++;
    if (*p == '"' || *p == '\'') {
        const char *close = strchr(p + 1, *p);
        if (!close) {
            snprintf(err, errlen, "unterminated quote in the value");
            return -1;
        }
        v = p + 1;
        vend = close;
        for (p = close + 1; is_space(*p); p++)
            ;
        if (*p) {
            snprintf(err, errlen, "unexpected text after the quoted value");
            return -1;
        }
        quoted = true;
    } else {
        v = p;
        vend = p + strlen(p);
        while (vend > v && is_space(vend[-1]))
            vend--;
        if (vend == v) {
            snprintf(err, errlen, "missing the value after \"%s\"",
                     op_text[c->op]);
            return -1;
        }
    }
    c->field = dup_n(f, flen);
    c->value = dup_n(v, (size_t)(vend - v));
    if (!c->field || !c->value) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->is_int = !quoted && parse_int(c->value, &c->ival);
    if (c->op != TAIL_EQ && c->op != TAIL_NE && !c->is_int) {
        snprintf(err, errlen,
                 "\"%s\" compares integers, and \"%.64s\" is "
                 "not one",
                 op_text[c->op], c->value);
        return -1;
    }
    return 0;
}

int tail_filter_add_where(tail_filter *f, const char *expr, char *err,
                          size_t errlen)
{
    tail_cond c = {0};
    if (parse_cond(expr, &c, err, errlen) != 0) {
        free(c.field);
        free(c.value);
        return -1;
    }
    tail_cond *nc = realloc(f->conds, (f->nconds + 1) * sizeof *nc);
    if (!nc) {
        free(c.field);
        free(c.value);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    f->conds = nc;
    f->conds[f->nconds++] = c;
    return 0;
}

int tail_filter_add_key(tail_filter *f, const char *key)
{
    char **nk = realloc(f->keys, (f->nkeys + 1) * sizeof *nk);
    if (!nk)
        return -1;
    f->keys = nk;
    if (!(f->keys[f->nkeys] = strdup(key)))
        return -1;
    f->nkeys++;
    return 0;
}

/* The text a scalar field is compared as; NULL for objects and arrays. */
static const char *field_text(struct json_object *o, size_t *len)
{
    switch (json_object_get_type(o)) {
    case json_type_string:
        *len = (size_t)json_object_get_string_len(o);
        return json_object_get_string(o);
    case json_type_object:
    case json_type_array: return NULL;
    default: {
        const char *s =
            json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        *len = strlen(s);
        return s;
    }
    }
}

static bool text_equal(struct json_object *o, const char *want)
{
    size_t len;
    const char *s = field_text(o, &len);
    return s && len == strlen(want) && memcmp(s, want, len) == 0;
}

/* An integer field's value; false for anything else, including integers
 * beyond int64 (which json-c would clamp): those compare as text. */
static bool field_int(struct json_object *o, int64_t *x)
{
    if (!json_object_is_type(o, json_type_int))
        return false;
    const char *t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    char *end;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (errno || *end)
        return false;
    *x = v;
    return true;
}

static bool cond_holds(const tail_cond *c, const struct json_object *ev)
{
    struct json_object *o; /* NULL for a JSON null */
    int64_t x;
    if (!json_object_object_get_ex(ev, c->field, &o))
        return c->op == TAIL_NE;
    if (c->is_int && field_int(o, &x)) {
        switch (c->op) {
        case TAIL_EQ: return x == c->ival;
        case TAIL_NE: return x != c->ival;
        case TAIL_LT: return x < c->ival;
        case TAIL_LE: return x <= c->ival;
        case TAIL_GT: return x > c->ival;
        case TAIL_GE: return x >= c->ival;
        }
    }
    if (c->op == TAIL_EQ)
        return text_equal(o, c->value);
    if (c->op == TAIL_NE)
        return !text_equal(o, c->value);
    return false;
}

bool tail_filter_match(const tail_filter *f, const struct json_object *ev)
{
    for (size_t i = 0; i < f->nconds; i++)
        if (!cond_holds(&f->conds[i], ev))
            return false;
    if (f->nkeys == 0)
        return true;
    struct json_object *o;
    if (!json_object_object_get_ex(ev, f->key_field ? f->key_field : "key", &o))
        return false;
    for (size_t i = 0; i < f->nkeys; i++)
        if (text_equal(o, f->keys[i]))
            return true;
    return false;
}

void tail_filter_describe(const tail_filter *f, evl_buf *out)
{
    if (f->nconds == 0 && f->nkeys == 0) {
        evl_buf_adds(out, "all events");
        return;
    }
    for (size_t i = 0; i < f->nconds; i++) {
        const tail_cond *c = &f->conds[i];
        if (i)
            evl_buf_adds(out, " and ");
        evl_buf_adds(out, c->field);
        evl_buf_addc(out, ' ');
        evl_buf_adds(out, op_text[c->op]);
        evl_buf_addc(out, ' ');
        evl_buf_adds(out, c->value);
    }
    if (f->nkeys == 0)
        return;
    if (f->nconds)
        evl_buf_adds(out, " and ");
    evl_buf_adds(out, f->key_field ? f->key_field : "key");
    evl_buf_adds(out, " in (");
    for (size_t i = 0; i < f->nkeys; i++) {
        if (i)
            evl_buf_adds(out, ", ");
        evl_buf_adds(out, f->keys[i]);
    }
    evl_buf_addc(out, ')');
}

void tail_filter_free(tail_filter *f)
{
    for (size_t i = 0; i < f->nconds; i++) {
        free(f->conds[i].field);
        free(f->conds[i].value);
    }
    for (size_t i = 0; i < f->nkeys; i++)
        free(f->keys[i]);
    free(f->conds);
    free(f->keys);
    memset(f, 0, sizeof *f);
}
