/*
 * What the query client prints, as pure functions of the answers (no I/O,
 * no clock: the caller passes "now"), so the output is tested exactly.
 */
#ifndef EVH_CLIENT_RENDER_H
#define EVH_CLIENT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct client_row {
    int64_t criticality;
    char *timestamp;
    char *message;
} client_row;

typedef struct client_answer {
    bool is_error;
    char *error_code, *error_message;
    client_row *rows;
    size_t nrows;
} client_answer;

/**
 * Parse a reply ({"events": [...]} or {"error": {...}}) defensively.
 * Returns 0, or -1 with a reason in err for anything else.
 */
int client_answer_parse(const char *json, size_t len, client_answer *a,
                        char *err, size_t errlen);
void client_answer_free(client_answer *a);
/** Same rows in the same order. */
bool client_answer_equal(const client_answer *a, const client_answer *b);

/**
 * The table for `cur`, marking with '*' rows absent from `prev` (may be
 * NULL).  `now_local` heads it; timestamps are shown in local time
 * ("2026-11-22 15:04:05.123").  Control characters in messages are shown
 * escaped, so a message can never break the table.
 */
void client_render_table(evl_buf *out, const client_answer *cur,
                         const client_answer *prev, int64_t count,
                         int64_t min_criticality, const char *now_local);

/** One JSON object per line per event (format = "json"). */
void client_render_json(evl_buf *out, const client_answer *cur);

#endif
