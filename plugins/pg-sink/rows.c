/* pg-sink: events as COPY text rows (rows.h). */
#include "rows.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int pgs_copy_field(evl_buf *out, const char *s, size_t n)
{
    if (evl_buf_reserve(out, n + n / 8 + 8) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *esc = NULL;
        switch (s[i]) {
        case '\\': esc = "\\\\"; break;
        case '\t': esc = "\\t"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        /* COPY's octal escape: the server refuses the byte itself as
         * invalid UTF-8, and that refusal is the row's reason. */
        case '\0': esc = "\\000"; break;
        default: break;
        }
        if (esc ? evl_buf_adds(out, esc) : evl_buf_addc(out, s[i]))
            return -1;
    }
    return 0;
}

int pgs_timestamptz(int64_t ns, char *buf, size_t cap)
{
    char t[40];
    /* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ": keep six fraction digits (the
     * text truncates, so the instant is floored, before 1970 too). */
    if (evl_time_format(ns, t, sizeof t) != 30 || cap < 28)
        return -1;
    memcpy(buf, t, 26);
    memcpy(buf + 26, "Z", 2);
    return 27;
}

static bool core_member(const char *k, const char *key_field)
{
    return !strcmp(k, "criticality") || !strcmp(k, "timestamp") ||
           !strcmp(k, "eventMessage") || !strcmp(k, key_field);
}

/* The key (a string member named key_field) and the other members. */
static int key_and_extra(evl_buf *out, const evl_event *ev,
                         const char *key_field)
{
    json_object *k = NULL, *extra = NULL;
    int rc = 0;
    if (ev->obj && json_object_object_get_ex(ev->obj, key_field, &k) &&
        json_object_is_type(k, json_type_string))
        rc = pgs_copy_field(out, json_object_get_string(k),
                            (size_t)json_object_get_string_len(k));
    else
        rc = evl_buf_adds(out, "\\N");
    json_object_object_foreach(ev->obj, name, val)
    {
        if (core_member(name, key_field) &&
            (strcmp(name, key_field) ||
             json_object_is_type(val, json_type_string)))
            continue;
        if (!extra && !(extra = json_object_new_object()))
            return -1;
        json_object_object_add(extra, name, json_object_get(val));
    }
    rc |= evl_buf_addc(out, '\t');
    if (extra) {
        size_t n;
        const char *j = json_object_to_json_string_length(
            extra, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
        rc |= j ? pgs_copy_field(out, j, n) : -1;
        json_object_put(extra);
    } else {
        rc |= evl_buf_adds(out, "\\N");
    }
    return rc ? -1 : 0;
}

int pgs_row(evl_buf *out, const evl_event *ev, const char *key_field,
            const char *writer, uint64_t seq, char *err, size_t errlen)
{
    char ts[40];
    size_t start = out->len;
    if (pgs_timestamptz(ev->time_ns, ts, sizeof ts) < 0) {
        snprintf(err, errlen, "its instant cannot be formatted");
        return -1;
    }
    int rc = evl_buf_adds(out, ts);
    rc |= evl_buf_addc(out, '\t');
    rc |= evl_buf_add_i64(out, (long long)ev->time_ns);
    rc |= evl_buf_addc(out, '\t');
    rc |= evl_buf_add_i64(out, (long long)ev->criticality);
    rc |= evl_buf_addc(out, '\t');
    rc |= pgs_copy_field(out, ev->message, ev->message_len);
    rc |= evl_buf_addc(out, '\t');
    rc |= key_and_extra(out, ev, key_field);
    rc |= evl_buf_addc(out, '\t');
    rc |= pgs_copy_field(out, writer, strlen(writer));
    rc |= evl_buf_addc(out, '\t');
    char n[24];
    snprintf(n, sizeof n, "%llu", (unsigned long long)seq);
    rc |= evl_buf_adds(out, n);
    rc |= evl_buf_addc(out, '\n');
    if (rc) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
