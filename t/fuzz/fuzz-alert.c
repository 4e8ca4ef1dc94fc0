/*
 * libFuzzer target: what the alert plugin parses that others wrote -- a
 * `where` condition (the tail's language, in plugins/lib/filter.c), an
 * event it is matched against, and a state record and key read back from
 * the key-value bucket.  Input: the condition, a newline, then the rest
 * as event and as record.  Properties: no crash or leak; a condition
 * refused has a reason; a record that decodes encodes again and decodes
 * to the same fields; a key that parses comes from record_key.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* state.c settles held messages; none exist here. */
int evh_msg_hold(evh_msg *m) { (void)m; abort(); }
int evh_msg_ack(evh_msg *m) { (void)m; abort(); }
int evh_msg_nak(evh_msg *m, int64_t d) { (void)m; (void)d; abort(); }
uint64_t evh_msg_stream_seq(const evh_msg *m) { (void)m; abort(); }

static void where(const char *expr, const char *rest, size_t rlen)
{
    tail_filter f = {0};
    char err[256] = "";
    if (tail_filter_add_where(&f, expr, err, sizeof err) != 0 && !err[0])
        abort();
    json_tokener *tok = json_tokener_new();
    json_object *ev = json_tokener_parse_ex(tok, rest, (int)rlen);
    json_tokener_free(tok);
    if (json_object_is_type(ev, json_type_object))
        (void)tail_filter_match(&f, ev);
    json_object_put(ev);
    tail_filter_free(&f);
}

static void record(const char *line, const char *rest, size_t rlen)
{
    rule r = {.name = "r1"};
    alert a = {.r = &r}, b = {.r = &r};
    if (record_decode(rest, rlen, &a) == 0) {
        char *enc = record_encode(&a);
        if (!enc || record_decode(enc, strlen(enc), &b) != 0 ||
            a.firing != b.firing || a.starts_ns != b.starts_ns ||
            a.last_ns != b.last_ns || !a.event != !b.event ||
            (a.event && strcmp(a.event, b.event)))
            abort();
        free(enc);
    }
    free(a.event);
    free(b.event);
    char name[80], *group = NULL;
    if (record_key_parse(line, name, sizeof name, &group) == 0) {
        rule rn = {.name = name};
        char *k = record_key(&rn, group);
        if (!k || strcmp(k, line))
            abort();
        free(k);
        free(group);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    const char *nl = memchr(data, '\n', len);
    size_t l1 = nl ? (size_t)(nl - (const char *)data) : len;
    char *line = malloc(l1 + 1);
    memcpy(line, data, l1);
    line[l1] = '\0';
    const char *rest = nl ? nl + 1 : "";
    size_t rlen = nl ? len - l1 - 1 : 0;
    if (strlen(line) == l1) { /* NUL-free, as config strings are */
        where(line, rest, rlen);
        record(line, rest, rlen);
    }
    free(line);
    return 0;
}
