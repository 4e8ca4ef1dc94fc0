#include "state.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mref *mref_new(mref_set *set, evh_msg *msg)
{
    mref *r = calloc(1, sizeof *r);
    if (r) {
        r->msg = msg;
        r->set = set;
        r->seq = evh_msg_stream_seq(msg);
    }
    return r;
}

mref *mref_find(mref_set *set, uint64_t seq)
{
    for (mref *r = seq ? set->slots[seq % MREF_SLOTS] : NULL; r;
         r = r->set_next)
        if (r->seq == seq)
            return r;
    return NULL;
}

int mref_add_dup(mref *r, evh_msg *copy)
{
    evh_msg **d = realloc(r->dups, (r->ndups + 1) * sizeof *d);
    if (!d)
        return -1;
    r->dups = d;
    if (evh_msg_hold(copy) != EVH_OK)
        return -1;
    r->dups[r->ndups++] = copy;
    return 0;
}

void mref_take(mref *r)
{
    if (!r->held) {
        r->held = evh_msg_hold(r->msg) == EVH_OK;
        if (r->held && r->set && r->seq) {
            mref **head = &r->set->slots[r->seq % MREF_SLOTS];
            r->set_next = *head;
            *head = r;
        }
    }
    r->refs++;
}

static void unlink_set(mref *r)
{
    if (!r->set || !r->seq)
        return;
    for (mref **p = &r->set->slots[r->seq % MREF_SLOTS]; *p;
         p = &(*p)->set_next)
        if (*p == r) {
            *p = r->set_next;
            return;
        }
}

static void settle(mref *r)
{
    if (r->held) {
        unlink_set(r);
        for (size_t i = 0; i < r->ndups; i++)
            if (r->nak)
                evh_msg_nak(r->dups[i], 0);
            else
                evh_msg_ack(r->dups[i]);
        if (r->nak)
            evh_msg_nak(r->msg, 0);
        else
            evh_msg_ack(r->msg);
    }
    free(r->dups);
    free(r);
}

void mref_put(mref *r, bool nak)
{
    r->nak = r->nak || nak;
    if (--r->refs == 0)
        settle(r);
}

bool mref_done(mref *r)
{
    if (--r->refs > 0)
        return true;
    if (!r->held) {
        free(r);
        return false;
    }
    settle(r);
    return true;
}

static uint64_t hash(const rule *r, const char *group)
{
    uint64_t h = UINT64_C(14695981039346656037) ^ (uint64_t)(uintptr_t)r;
    for (const unsigned char *p = (const unsigned char *)group; *p; p++) {
        h ^= *p;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static int grow(alert_table *t)
{
    size_t n = t->nslots ? t->nslots * 2 : 64;
    alert **s = calloc(n, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < t->nslots; i++)
        for (alert *a = t->slots[i], *next; a; a = next) {
            next = a->next;
            size_t k = hash(a->r, a->group) & (n - 1);
            a->next = s[k];
            s[k] = a;
        }
    free(t->slots);
    t->slots = s;
    t->nslots = n;
    return 0;
}

alert *table_get(alert_table *t, const rule *r, const char *group, bool create)
{
    if (t->nslots) {
        for (alert *a = t->slots[hash(r, group) & (t->nslots - 1)]; a;
             a = a->next)
            if (a->r == r && !strcmp(a->group, group))
                return a;
    }
    if (!create || (t->n >= t->nslots && grow(t) != 0))
        return NULL;
    alert *a = calloc(1, sizeof *a);
    if (a && r->kind == RULE_RATE)
        a->ring = calloc((size_t)r->count + 1, sizeof *a->ring);
    if (!a || !(a->group = strdup(group)) ||
        (r->kind == RULE_RATE && !a->ring)) {
        if (a) {
            free(a->ring);
            free(a->group);
        }
        free(a);
        return NULL;
    }
    a->r = r;
    size_t k = hash(r, group) & (t->nslots - 1);
    a->next = t->slots[k];
    t->slots[k] = a;
    t->n++;
    return a;
}

void table_free(alert_table *t)
{
    for (size_t i = 0; i < t->nslots; i++)
        for (alert *a = t->slots[i], *next; a; a = next) {
            next = a->next;
            free(a->group);
            free(a->event);
            free(a->ring);
            free(a);
        }
    free(t->slots);
    memset(t, 0, sizeof *t);
}

char *record_key(const rule *r, const char *group)
{
    size_t gl = strlen(group), nl = strlen(r->name);
    char *k = malloc(nl + 2 + 2 * gl + 2);
    if (!k)
        return NULL;
    memcpy(k, r->name, nl);
    k[nl] = '.';
    char *p = k + nl + 1;
    if (gl == 0)
        *p++ = '_';
    for (size_t i = 0; i < gl; i++) {
        static const char hex[] = "0123456789abcdef";
        *p++ = hex[(unsigned char)group[i] >> 4];
        *p++ = hex[(unsigned char)group[i] & 15];
    }
    *p = '\0';
    return k;
}

static int unhex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int record_key_parse(const char *key, char *name, size_t cap, char **group)
{
    const char *dot = strchr(key, '.');
    if (!dot || dot == key || (size_t)(dot - key) >= cap)
        return -1;
    const char *h = dot + 1;
    size_t hl = strlen(h);
    if (hl == 0 || (hl % 2 && strcmp(h, "_")))
        return -1;
    char *g = malloc(hl / 2 + 1);
    if (!g)
        return -1;
    size_t n = 0;
    for (size_t i = 0; hl % 2 == 0 && i < hl; i += 2) {
        int a = unhex(h[i]), b = unhex(h[i + 1]);
        if (a < 0 || b < 0 || (a == 0 && b == 0)) {
            free(g);
            return -1;
        }
        g[n++] = (char)(a << 4 | b);
    }
    g[n] = '\0';
    memcpy(name, key, (size_t)(dot - key));
    name[dot - key] = '\0';
    *group = g;
    return 0;
}

char *record_encode(const alert *a)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "firing", json_object_new_boolean(a->firing));
    json_object_object_add(o, "starts", json_object_new_int64(a->starts_ns));
    json_object_object_add(o, "last", json_object_new_int64(a->last_ns));
    if (a->event)
        json_object_object_add(o, "event", json_object_new_string(a->event));
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    char *out = s ? strdup(s) : NULL;
    json_object_put(o);
    return out;
}

static bool get_int(json_object *o, const char *k, int64_t *v)
{
    json_object *x;
    if (!json_object_object_get_ex(o, k, &x) ||
        !json_object_is_type(x, json_type_int))
        return false;
    *v = json_object_get_int64(x);
    return true;
}

int record_decode(const char *data, size_t len, alert *a)
{
    if (len > 1024 * 1024)
        return -1;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return -1;
    json_object *o = json_tokener_parse_ex(tok, data, (int)len);
    bool whole = json_tokener_get_error(tok) == json_tokener_success &&
                 json_tokener_get_parse_end(tok) == len;
    json_tokener_free(tok);
    json_object *f, *e = NULL;
    int64_t starts, last;
    int rc = -1;
    if (whole && json_object_is_type(o, json_type_object) &&
        json_object_object_get_ex(o, "firing", &f) &&
        json_object_is_type(f, json_type_boolean) &&
        get_int(o, "starts", &starts) && get_int(o, "last", &last) &&
        (!json_object_object_get_ex(o, "event", &e) ||
         json_object_is_type(e, json_type_string))) {
        char *ev = e ? strdup(json_object_get_string(e)) : NULL;
        if (!e || ev) {
            free(a->event);
            a->event = ev;
            a->firing = json_object_get_boolean(f);
            a->starts_ns = starts;
            a->last_ns = last;
            rc = 0;
        }
    }
    json_object_put(o);
    return rc;
}
