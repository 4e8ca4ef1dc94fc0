/*
 * lp-lines: the exact line protocol influx-sink writes, for make bench's
 * raw InfluxDB rows (the ingest limit of evhost's own stored shape, not of
 * a simpler line).
 *
 *   lp-lines < events.jsonl > lines
 *
 * Each input line is one event (JSON, as published); each output line is
 * what the sink appends for it when it came from JetStream: evl_lp_event()
 * with the sink's default map (measurement "event", band tag "crit_band",
 * no extra tags or fields) and the line's number (1-based) as the slot,
 * as a stream sequence would be; no writer tag.  An event the sink would
 * refuse stops the tool with its reason and exit status 1: the rows must
 * measure exactly the lines the sink would write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "buf.h"
#include "event.h"
#include "lineproto.h"

int main(void)
{
    const evl_lp_map map = {.measurement = "event",
                            .crit_band_tag = "crit_band"};
    evl_buf out = {0};
    char *line = NULL;
    size_t cap = 0;
    uint64_t slot = 0;
    ssize_t n;
    int rc = 0;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        char err[256];
        evl_event ev = {0};
        slot++;
        if (line[n - 1] == '\n')
            n--;
        if (evl_event_parse(line, (size_t)n, 0, &ev, err, sizeof err) != 0 ||
            evl_lp_event(&out, &map, &ev, slot, NULL, err, sizeof err) != 0) {
            fprintf(stderr, "lp-lines: line %llu: %s\n",
                    (unsigned long long)slot, err);
            evl_event_free(&ev);
            rc = 1;
            break;
        }
        evl_event_free(&ev);
        /* Written in chunks: a million lines are ~100 MB. */
        if (out.len >= 1 << 20) {
            if (fwrite(out.data, 1, out.len, stdout) != out.len)
                rc = 1;
            evl_buf_reset(&out);
        }
    }
    if (rc == 0 && out.len && fwrite(out.data, 1, out.len, stdout) != out.len)
        rc = 1;
    if (fflush(stdout) != 0)
        rc = 1;
    free(line);
    evl_buf_free(&out);
    return rc;
}
