#include "render.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "table.h"

void client_answer_free(client_answer *a)
{
    for (size_t i = 0; i < a->nrows; i++) {
        free(a->rows[i].timestamp);
        free(a->rows[i].message);
    }
    free(a->rows);
    free(a->error_code);
    free(a->error_message);
    memset(a, 0, sizeof *a);
}

static char *str_of(json_object *o)
{
    if (!o || !json_object_is_type(o, json_type_string))
        return NULL;
    const char *s = json_object_get_string(o);
    size_t n = (size_t)json_object_get_string_len(o);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

int client_answer_parse(const char *json, size_t len, client_answer *a,
                        char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    json_tokener *tok = json_tokener_new_ex(8);
    json_object *root = NULL, *ev, *e;
    if (tok) {
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        root = json_tokener_parse_ex(tok, json, (int)len);
        json_tokener_free(tok);
    }
    if (!root || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        snprintf(err, errlen, "the reply is not a JSON object");
        return -1;
    }
    if (json_object_object_get_ex(root, "error", &e)) {
        json_object *c = NULL, *m = NULL;
        json_object_object_get_ex(e, "code", &c);
        json_object_object_get_ex(e, "message", &m);
        a->is_error = true;
        a->error_code = str_of(c);
        a->error_message = str_of(m);
        json_object_put(root);
        return 0;
    }
    if (!json_object_object_get_ex(root, "events", &ev) ||
        !json_object_is_type(ev, json_type_array)) {
        json_object_put(root);
        snprintf(err, errlen, "the reply has neither \"events\" nor \"error\"");
        return -1;
    }
    size_t n = json_object_array_length(ev);
    a->rows = calloc(n ? n : 1, sizeof *a->rows);
    if (!a->rows) {
        json_object_put(root);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(ev, i), *c, *t, *m;
        client_row *row = &a->rows[a->nrows];
        if (!json_object_is_type(r, json_type_object) ||
            !json_object_object_get_ex(r, "criticality", &c) ||
            !json_object_is_type(c, json_type_int) ||
            !json_object_object_get_ex(r, "timestamp", &t) ||
            !json_object_object_get_ex(r, "eventMessage", &m) ||
            !(row->timestamp = str_of(t)) || !(row->message = str_of(m))) {
            free(row->timestamp);
            row->timestamp = NULL;
            client_answer_free(a);
            json_object_put(root);
            snprintf(err, errlen, "event %zu of the reply is malformed", i);
            return -1;
        }
        row->criticality = json_object_get_int64(c);
        a->nrows++;
    }
    json_object_put(root);
    return 0;
}

static bool row_equal(const client_row *x, const client_row *y)
{
    return x->criticality == y->criticality &&
           strcmp(x->timestamp, y->timestamp) == 0 &&
           strcmp(x->message, y->message) == 0;
}

bool client_answer_equal(const client_answer *a, const client_answer *b)
{
    if (a->is_error || b->is_error || a->nrows != b->nrows)
        return false;
    for (size_t i = 0; i < a->nrows; i++)
        if (!row_equal(&a->rows[i], &b->rows[i]))
            return false;
    return true;
}

void client_render_table(evl_buf *out, const client_answer *cur,
                         const client_answer *prev, int64_t count,
                         int64_t min_criticality, const char *now_local)
{
    char line[256];
    size_t fresh = 0;
    bool *is_new = calloc(cur->nrows ? cur->nrows : 1, sizeof *is_new);
    for (size_t i = 0; is_new && i < cur->nrows; i++) {
        is_new[i] = true;
        for (size_t j = 0; prev && j < prev->nrows; j++)
            if (row_equal(&cur->rows[i], &prev->rows[j]))
                is_new[i] = false;
        fresh += is_new[i];
    }
    snprintf(line, sizeof line,
             "== %s  last %lld events with criticality > %lld: %zu shown, "
             "%zu new ==\n",
             now_local, (long long)count, (long long)min_criticality,
             cur->nrows, fresh);
    evl_buf_adds(out, line);
    if (cur->nrows == 0) {
        evl_buf_adds(out, "   (no events match)\n");
        free(is_new);
        return;
    }
    evl_buf_adds(out, EVL_TABLE_HEADING);
    for (size_t i = 0; i < cur->nrows; i++)
        evl_table_row(out, is_new && is_new[i] ? '*' : ' ',
                      cur->rows[i].criticality, cur->rows[i].timestamp,
                      cur->rows[i].message);
    free(is_new);
}

void client_render_json(evl_buf *out, const client_answer *cur)
{
    for (size_t i = 0; i < cur->nrows; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "criticality",
                               json_object_new_int64(cur->rows[i].criticality));
        json_object_object_add(o, "timestamp",
                               json_object_new_string(cur->rows[i].timestamp));
        json_object_object_add(o, "eventMessage",
                               json_object_new_string(cur->rows[i].message));
        evl_buf_adds(out, json_object_to_json_string_ext(
                              o, JSON_C_TO_STRING_PLAIN |
                                     JSON_C_TO_STRING_NOSLASHESCAPE));
        evl_buf_addc(out, '\n');
        json_object_put(o);
    }
}
