/*
 * libFuzzer target: the store-independent request parser
 * (plugins/lib/query.c).  Properties of an accepted request: every member
 * within its documented bounds; the classic flag only for the two classic
 * members; a cursor that round-trips; evl_query_crit_match agreeing with
 * the conditions it was given.  A refused one always says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static const int64_t NOW = 1717243200500000000LL;
#define S 1000000000LL

static void check_bounds(const struct evl_query *q)
{
    if (q->counts ? q->last_events_count != 0
                  : q->last_events_count < 1 || q->last_events_count > 1000)
        abort();
    if (q->n_in > EVL_QUERY_IN_MAX || (q->counts && q->has_before))
        abort();
    for (size_t i = 1; i < q->n_in; i++)
        if (q->criticality_in[i - 1] >= q->criticality_in[i])
            abort();
    if ((q->has_since && q->since_ns % S) || (q->has_until && q->until_ns % S))
        abort();
    if (q->has_since && q->has_until && q->since_ns >= q->until_ns)
        abort();
    if (q->contains_len &&
        (!q->has_since || !q->has_until ||
         q->until_ns - q->since_ns > EVL_QUERY_CONTAINS_RANGE_NS ||
         q->contains_len > EVL_QUERY_CONTAINS_MAX ||
         strlen(q->contains) != q->contains_len))
        abort();
    for (size_t i = 0; i < q->contains_len; i++)
        if ((unsigned char)q->contains[i] < 0x20 || q->contains[i] == 0x7f)
            abort();
    size_t kl = strlen(q->key);
    if (kl > EVL_QUERY_KEY_MAX ||
        strspn(q->key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789_.-") != kl)
        abort();
    if (q->every_ns && (!q->has_since || q->every_ns % S ||
                        q->every_ns > EVL_QUERY_EVERY_MAX_NS))
        abort();
    if (q->classic && (!q->has_min || q->has_max || q->n_in || q->has_since ||
                       q->has_until || q->contains_len || kl || q->has_before ||
                       q->counts))
        abort();
}

static void check_crit(const struct evl_query *q)
{
    const int64_t probe[] = {INT64_MIN, -1, 0, 5, 99, 100, INT64_MAX,
                             q->min_criticality, q->max_criticality};
    for (size_t i = 0; i < sizeof probe / sizeof *probe; i++) {
        int64_t v = probe[i];
        bool want = (!q->has_min || v > q->min_criticality) &&
                    (!q->has_max || v <= q->max_criticality);
        if (q->n_in) {
            bool in = false;
            for (size_t j = 0; j < q->n_in; j++)
                in |= q->criticality_in[j] == v;
            want = want && in;
        }
        if (evl_query_crit_match(q, v) != want)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    struct evl_query q;
    char err[256];
    if (evl_query_parse((const char *)data, len, 1000, NOW, &q, err,
                        sizeof err) != 0) {
        if (!err[0])
            abort();
        return 0;
    }
    check_bounds(&q);
    check_crit(&q);
    if (q.has_before) {
        char buf[EVL_QUERY_CURSOR_LEN];
        struct evl_cursor c;
        int n = evl_cursor_encode(&q.before, buf, sizeof buf);
        if (n < 0 || evl_cursor_decode(buf, (size_t)n, &c) != 0 ||
            c.instant_ns != q.before.instant_ns || c.tie != q.before.tie)
            abort();
    }
    /* Any input as a cursor: decoded, it encodes back to the same bytes. */
    struct evl_cursor c;
    char buf[EVL_QUERY_CURSOR_LEN];
    if (evl_cursor_decode((const char *)data, len, &c) == 0 &&
        (evl_cursor_encode(&c, buf, sizeof buf) != (int)len ||
         memcmp(buf, data, len) != 0))
        abort();
    return 0;
}
