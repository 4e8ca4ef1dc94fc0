/*
 * libFuzzer target: pg-sink's COPY rows and pg-query's statements.
 * The input is tried as an event and as a request.  Properties: a row is
 * exactly one COPY line of eight fields whatever the event holds (no raw
 * tab or newline from its content, a backslash always escaped), so no
 * event can add a row or a column; a statement's SQL text never holds a
 * byte of the request's values (they are parameters): it is the same
 * text for the same members with other values, and its placeholders are
 * exactly $1..$n.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event.h"
#include "query.h"
#include "rows.h"
#include "sql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void check_row(const char *s, size_t n)
{
    size_t tabs = 0;
    if (n == 0 || s[n - 1] != '\n')
        abort();
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == '\n' || s[i] == '\r')
            abort();
        if (s[i] == '\t')
            tabs++;
        if (s[i] == '\\') {
            char e = s[++i];
            if (!strchr("\\tnrN0", e))
                abort();
        }
    }
    if (tabs != 7)
        abort();
}

static void try_event(const char *d, size_t len)
{
    evl_event ev;
    char err[256];
    evl_buf b = {0};
    if (evl_event_parse(d, len, 0, &ev, err, sizeof err) != 0)
        return;
    if (pgs_row(&b, &ev, "key", "w\\x\t", 42, err, sizeof err) == 0)
        check_row(b.data, b.len);
    evl_event_free(&ev);
    evl_buf_free(&b);
}

/* The same members, other values. */
static void other_values(struct evl_query *q)
{
    if (q->contains_len) {
        q->contains_len = 1;
        strcpy(q->contains, "x");
    }
    if (q->key[0])
        strcpy(q->key, "k");
    q->min_criticality ^= 7;
    q->max_criticality ^= 7;
    for (size_t i = 0; i < q->n_in; i++)
        q->criticality_in[i] = (int64_t)i;
    q->since_ns += 1000000000;
    q->until_ns += 1000000000;
    q->before.instant_ns ^= 1;
    q->before.tie ^= 1;
    if (q->every_ns > 0)
        q->every_ns += 1000000000;
    q->last_events_count = q->counts ? 0 : 1;
}

static int build(const struct evl_query *q, pgq_stmt *st)
{
    return q->counts ? pgq_build_counts("events", q, st)
                     : pgq_build_events("events", q, st);
}

static void check_stmt(const pgq_stmt *st, const struct evl_query *q)
{
    struct evl_query q2 = *q;
    pgq_stmt st2;
    other_values(&q2);
    if (build(&q2, &st2) != 0)
        return;
    if (strcmp(st->sql, st2.sql) != 0 || st->nparams != st2.nparams)
        abort();
    pgq_stmt_free(&st2);
    for (int i = 1; i <= st->nparams; i++) {
        char ph[8];
        snprintf(ph, sizeof ph, "$%d", i);
        if (!strstr(st->sql, ph))
            abort();
    }
    char over[8];
    snprintf(over, sizeof over, "$%d", st->nparams + 1);
    if (strstr(st->sql, over))
        abort();
}

static void try_request(const char *d, size_t len)
{
    struct evl_query q;
    char err[512];
    pgq_stmt st;
    if (evl_query_parse(d, len, 1000, 1717243200500000000LL, &q, err,
                        sizeof err) != 0)
        return;
    if (build(&q, &st) != 0)
        return;
    check_stmt(&st, &q);
    pgq_stmt_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    try_event((const char *)data, len);
    try_request((const char *)data, len);
    return 0;
}
