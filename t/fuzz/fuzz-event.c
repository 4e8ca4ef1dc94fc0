/*
 * libFuzzer target: the event parser, the serializer and the line-protocol
 * encoder.  Property: whatever parses, serializes and parses back to the
 * same values, and encodes to one line-protocol line (or a clear error).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "lineproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    evl_event ev, back;
    char err[256];
    if (evl_event_parse((const char *)data, len, 0, &ev, err, sizeof err) != 0)
        return 0;
    size_t cap = 6 * len + 256;
    char *buf = malloc(cap);
    int n = evl_event_format(buf, cap, ev.criticality, ev.timestamp, ev.message);
    if (n < 0)
        abort(); /* 6x is enough for any escaping */
    if (evl_event_parse(buf, (size_t)n, 0, &back, err, sizeof err) != 0)
        abort(); /* what we write, we read */
    if (back.criticality != ev.criticality || back.time_ns != ev.time_ns ||
        strcmp(back.timestamp, ev.timestamp) != 0 ||
        back.message_len != ev.message_len ||
        memcmp(back.message, ev.message, ev.message_len) != 0)
        abort();
    evl_event_free(&back);

    static const char *const tags[] = {"host", "criticality"};
    static const char *const fields[] = {"extra"};
    evl_lp_map map = {"event", tags, 2, fields, 1};
    evl_buf b = {0};
    if (evl_lp_event(&b, &map, &ev, ev.time_ns, err, sizeof err) == 0) {
        if (b.len == 0 || b.data[b.len - 1] != '\n')
            abort();
    } else if (b.len != 0) {
        abort(); /* on error the buffer is left as it was */
    }
    evl_buf_free(&b);
    evl_event_free(&ev);
    free(buf);
    return 0;
}
