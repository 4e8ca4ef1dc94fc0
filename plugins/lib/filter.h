/*
 * Which events the tail shows: conditions "FIELD OP VALUE" that must all
 * hold (`where`), and a set of accounts matched against one field (`keys`,
 * `key_field`).  Pure functions, no I/O: unit-tested in
 * t/unit/test-tail-filter.c.
 *
 * A condition compares the event's top-level field FIELD with VALUE:
 *   - both integers (a JSON integer field, an unquoted integer VALUE):
 *     = != < <= > >= compare the numbers;
 *   - otherwise = and != compare text: a string field's content, or the
 *     JSON text of another scalar (true, null, 8.5); an object or array
 *     equals nothing;
 *   - < <= > >= need an integer VALUE (checked when parsed) and an integer
 *     field (else the condition is false);
 *   - != is exactly "not =": a field the event lacks makes = false and !=
 *     true; the ordering operators are false.
 * VALUE may be quoted ('...' or "...") to keep spaces or to force a text
 * compare.
 */
#ifndef EVH_TAIL_FILTER_H
#define EVH_TAIL_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct json_object;

typedef enum tail_op {
    TAIL_EQ,
    TAIL_NE,
    TAIL_LT,
    TAIL_LE,
    TAIL_GT,
    TAIL_GE
} tail_op;

typedef struct tail_cond {
    char *field;
    tail_op op;
    char *value; /* the text compared with (quotes removed) */
    bool is_int; /* an unquoted integer */
    int64_t ival;
} tail_cond;

typedef struct tail_filter {
    tail_cond *conds;
    size_t nconds;
    char **keys; /* accepted values of key_field; none: no key filter */
    size_t nkeys;
    const char *key_field; /* borrowed; "key" when NULL */
} tail_filter;

/**
 * Parse "FIELD OP VALUE" and append it to the filter.  Returns 0, or -1
 * with a one-line reason in `err` (a bad expression, or out of memory).
 */
int tail_filter_add_where(tail_filter *f, const char *expr, char *err,
                          size_t errlen);

/** Accept events whose key_field equals `key`.  0, or -1 (no memory). */
int tail_filter_add_key(tail_filter *f, const char *key);

/** Does the event (a parsed JSON object) pass every condition and, when
 *  keys were given, carry one of them? */
bool tail_filter_match(const tail_filter *f, const struct json_object *ev);

/** "criticality >= 8 and key in (acme, globex)", or "all events". */
void tail_filter_describe(const tail_filter *f, evl_buf *out);

void tail_filter_free(tail_filter *f);

#endif
