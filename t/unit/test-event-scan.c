/* Unit tests: the fast event path (event_scan.c) takes the common flat
 * event with exactly evl_event_parse's values, and hands back everything
 * else. */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "event.h"
#include "tap.h"

static evl_buf scratch;

/* Both parsers on `json`: the fast one must take it, with equal values. */
static void same(const char *json, const char *name)
{
    evl_event fast, full;
    char err[256];
    int f = evl_event_scan(json, strlen(json), 0, &fast, &scratch);
    int p = evl_event_parse(json, strlen(json), 0, &full, err, sizeof err);
    OK(f == 0 && p == 0 && fast.criticality == full.criticality &&
           fast.time_ns == full.time_ns &&
           strcmp(fast.timestamp, full.timestamp) == 0 &&
           fast.message_len == full.message_len &&
           memcmp(fast.message, full.message, full.message_len) == 0 &&
           fast.obj == NULL,
       "fast path takes %s, same values", name);
    if (p == 0)
        evl_event_free(&full);
}

static void handed_back(const char *json, const char *name)
{
    evl_event fast;
    OK(evl_event_scan(json, strlen(json), 0, &fast, &scratch) == 1,
       "fast path hands back %s", name);
}

int main(void)
{
    same("{\"criticality\":7,\"timestamp\":\"2025-11-22T14:00:00.123456789Z\","
         "\"eventMessage\":\"Failed password for root from 10.0.0.7\"}",
         "a generator event");
    same(" {\n\"eventMessage\" : \"x\", \"timestamp\":\"2025-11-22T16:00:00+02:00\",\t\"criticality\" : -3 } \r\n",
         "whitespace, key order, an offset");
    same("{\"criticality\":9223372036854775807,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"\"}",
         "int64 max, empty message");
    same("{\"criticality\":-9223372036854775808,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\"}",
         "int64 min");
    same("{\"criticality\":0,\"timestamp\":\"2025-11-22T14:00:00Z\","
         "\"eventMessage\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\u2713 \\u0001 h\xc3\xa9 \xf0\x9f\x9a\xa8\"}",
         "every escape, multi-byte UTF-8");
    same("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\","
         "\"host\":\"web 1\",\"n\":-3,\"ok\":true,\"no\":false,\"z\":null,\"\":\"empty key\"}",
         "extra scalar keys");
    handed_back("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\",\"x\":{}}", "a nested object");
    handed_back("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\",\"x\":[1]}", "an array value");
    handed_back("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\",\"x\":1.5}", "a float extra");
    handed_back("{\"criticality\":1.0,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\"}", "a float criticality");
    handed_back("{\"criticality\":\"1\",\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\"}", "a string criticality");
    handed_back("{\"criticality\":9223372036854775808,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\"}", "int64 max + 1");
    handed_back("{\"criticality\":01,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\"}", "a leading zero");
    handed_back("{\"criticality\":1,\"criticality\":2,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\"}", "a repeated key");
    handed_back("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"a\\u0000b\"}", "a NUL escape");
    handed_back("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"\\ud83d\\udea8\"}", "a surrogate pair");
    handed_back("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"a\tb\"}", "a raw tab");
    handed_back("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"\xc0\xaf\"}", "overlong UTF-8");
    handed_back("{\"criticality\":1,\"timestamp\":\"yesterday\",\"eventMessage\":\"m\"}", "a bad timestamp");
    handed_back("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\"}", "a missing key");
    handed_back("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\",}", "a trailing comma");
    handed_back("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\"} x", "trailing data");
    handed_back("{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\"", "truncated input");
    handed_back("{}", "an empty object");
    handed_back("[]", "an array");
    {
        evl_event fast;
        const char *ok = "{\"criticality\":1,\"timestamp\":\"2025-11-22T14:00:00Z\",\"eventMessage\":\"m\"}";
        OK(evl_event_scan(ok, strlen(ok), 20, &fast, &scratch) == 1,
           "fast path hands back an event over max_len");
    }
    evl_buf_free(&scratch);
    return tap_done();
}
