/*
 * Trimming a reply to the NATS server's max_payload.  Without it a reply
 * of 12 events of 100 KB (or the shipped max_count of 1,000 ordinary
 * events) was refused by nats.c and the client got nothing at all.
 */
#include "fit.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "request.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* The tail after the events: room for two 20-digit numbers. */
#define TAIL_MAX                                                               \
    (sizeof "],\"truncated\":true,\"returned\":,\"matched\":}" + 40)

static size_t put_tail(char *buf, size_t k, size_t n)
{
    int l = snprintf(buf, TAIL_MAX,
                     "],\"truncated\":true,\"returned\":%zu,\"matched\":%zu}",
                     k, n);
    return l > 0 ? (size_t)l : 0;
}

static char *too_large(size_t max)
{
    char msg[160];
    snprintf(msg, sizeof msg,
             "not even one event fits in a reply of %zu bytes (the NATS "
             "server's max_payload)",
             max);
    return query_error_reply("too_large", msg);
}

char *query_reply_fit(char *reply, size_t max, int *trimmed)
{
    *trimmed = 0;
    size_t len = strlen(reply);
    if (len <= max)
        return reply;
    json_tokener *tok = json_tokener_new_ex(16);
    json_object *root =
        tok ? json_tokener_parse_ex(tok, reply, (int)len) : NULL;
    json_tokener_free(tok);
    free(reply);
    json_object *events;
    if (!root || !json_object_object_get_ex(root, "events", &events) ||
        !json_object_is_type(events, json_type_array)) {
        /* An error reply is small; anything else is ours to get right. */
        json_object_put(root);
        return query_error_reply("too_large", "the reply is too large");
    }
    size_t n = json_object_array_length(events), k = 0;
    char tail[TAIL_MAX];
    evl_buf b = {0};
    int bad = evl_buf_adds(&b, "{\"events\":[");
    for (; k < n; k++) {
        size_t el = 0;
        const char *e = json_object_to_json_string_length(
            json_object_array_get_idx(events, k), FLAGS, &el);
        if (b.len + (k ? 1 : 0) + el + put_tail(tail, k + 1, n) > max)
            break;
        if (k)
            bad |= evl_buf_addc(&b, ',');
        bad |= evl_buf_add(&b, e, el);
    }
    json_object_put(root);
    if (k == 0) {
        evl_buf_free(&b);
        return too_large(max);
    }
    put_tail(tail, k, n);
    bad |= evl_buf_adds(&b, tail);
    if (bad) {
        evl_buf_free(&b);
        return NULL;
    }
    *trimmed = 1;
    return b.data;
}
