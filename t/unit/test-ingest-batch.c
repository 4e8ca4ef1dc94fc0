/* http-ingest's request parsing: exact batches, exact refusals. */
#include <stdlib.h>

#include "batch.h"
#include "tap.h"

#define EV(c, m) "{\"criticality\":" #c ",\"timestamp\":\"2026-11-23T10:00:00Z\",\"eventMessage\":\"" m "\"}"

static const ingest_limits lim = {.max_event_bytes = 1024,
                                  .max_events = 3,
                                  .key_field = "key"};

static int parse(const char *body, const char *key, ingest_batch *b,
                 size_t *line, char *err)
{
    return ingest_parse(body, strlen(body), key, &lim, b, line, err, 256);
}

int main(void)
{
    ingest_batch b = {0};
    size_t line = 99;
    char err[256] = "";

    OK(parse(EV(5, "one"), NULL, &b, &line, err) == 0 && b.n == 1,
       "one event");
    IS_STR(b.data[0], EV(5, "one"), "kept byte for byte without a key");
    ingest_batch_free(&b);

    OK(parse("\n  {\"criticality\": 5,\n \"timestamp\": \"2026-11-23T10:00:00Z\",\n"
             " \"eventMessage\": \"pretty\"}\n\n",
             NULL, &b, &line, err) == 0 && b.n == 1,
       "one pretty-printed event spanning lines is one event");
    ingest_batch_free(&b);

    OK(parse(EV(1, "a") "\n" EV(2, "b") "\r\n\n" EV(3, "c"), NULL, &b, &line,
             err) == 0 && b.n == 3,
       "NDJSON: three events, CRLF and a blank line ignored");
    IS_STR(b.data[1], EV(2, "b"), "second line without its \\r");
    ingest_batch_free(&b);

    OK(parse(EV(1, "a") "\n" EV(2, "b") "\n" EV(3, "c") "\n" EV(4, "d"), NULL,
             &b, &line, err) == -1 && b.n == 0 && line == 0,
       "more than max_events: refused whole");
    IS_STR(err, "more than 3 events in one request", "reason names the limit");

    OK(parse(EV(1, "a") "\n{\"criticality\":\"high\",\"timestamp\":\"2026-11-23T10:00:00Z\",\"eventMessage\":\"x\"}\n" EV(3, "c"),
             NULL, &b, &line, err) == -1 && b.n == 0,
       "a bad line refuses the whole body (nothing kept)");
    OK(line == 2, "the bad line is named: %zu", line);
    IS_STR(err, "\"criticality\" must be an integer, got string",
           "with the event code's reason");

    OK(parse(EV(1, "a") "\nnot json\n", NULL, &b, &line, err) == -1 &&
           line == 2,
       "invalid JSON on line 2");
    OK(parse("", NULL, &b, &line, err) == -1 && line == 0, "empty body");
    OK(parse(" \n\r\n", NULL, &b, &line, err) == -1, "blank body");
    OK(ingest_parse("{\"a\":1}\0x", 9, NULL, &lim, &b, &line, err, 256) == -1,
       "a NUL byte in the body is refused");

    OK(parse(EV(7, "keyed"), "acme", &b, &line, err) == 0 && b.n == 1,
       "keyed event");
    IS_STR(b.data[0],
           "{\"criticality\":7,\"timestamp\":\"2026-11-23T10:00:00Z\","
           "\"eventMessage\":\"keyed\",\"key\":\"acme\"}",
           "the URL's key is added as a field");
    ingest_batch_free(&b);
    OK(parse("{\"criticality\":7,\"timestamp\":\"2026-11-23T10:00:00Z\","
             "\"eventMessage\":\"k\",\"key\":\"acme\"}",
             "acme", &b, &line, err) == 0,
       "the same key in the body is fine");
    ingest_batch_free(&b);
    OK(parse("{\"criticality\":7,\"timestamp\":\"2026-11-23T10:00:00Z\","
             "\"eventMessage\":\"k\",\"key\":\"globex\"}",
             "acme", &b, &line, err) == -1 && line == 1,
       "another key in the body is refused");
    OK(parse("{\"criticality\":7,\"timestamp\":\"2026-11-23T10:00:00Z\","
             "\"eventMessage\":\"k\",\"key\":5}",
             "acme", &b, &line, err) == -1,
       "a non-string key in the body is refused");

    char big[1100];
    memset(big, 'x', sizeof big);
    memcpy(big, "{\"criticality\":1,\"timestamp\":\"2026-11-23T10:00:00Z\",\"eventMessage\":\"", 69);
    memcpy(big + sizeof big - 3, "\"}", 3);
    OK(parse(big, NULL, &b, &line, err) == -1, "an event over max_event_bytes");

    OK(ingest_key_valid("acme") && ingest_key_valid("a.b_c-9") &&
           !ingest_key_valid("") && !ingest_key_valid("..") &&
           !ingest_key_valid("a/b") && !ingest_key_valid("a b") &&
           !ingest_key_valid("a>") && !ingest_key_valid("a*"),
       "account keys: safe characters only");
    char k65[66];
    memset(k65, 'k', 65);
    k65[65] = '\0';
    OK(!ingest_key_valid(k65), "a 65-character key is refused");
    OK(ingest_idempotency_key_valid("batch:2026-11-23.1") &&
           !ingest_idempotency_key_valid("") &&
           !ingest_idempotency_key_valid("a b"),
       "idempotency keys");

    char buf[256];
    int n = ingest_event_from_params("7", "door open", "2026-11-23T10:00:00Z",
                                     0, buf, sizeof buf, err, sizeof err);
    OK(n > 0, "event from query parameters");
    IS_STR(buf,
           "{\"criticality\":7,\"timestamp\":\"2026-11-23T10:00:00Z\","
           "\"eventMessage\":\"door open\"}",
           "exact text");
    n = ingest_event_from_params("3", "now", NULL, INT64_C(1795946400000000000),
                                 buf, sizeof buf, err, sizeof err);
    IS_STR(buf,
           "{\"criticality\":3,\"timestamp\":\"2026-11-29T10:00:00.000000000Z\","
           "\"eventMessage\":\"now\"}",
           "a missing timestamp is now");
    OK(ingest_event_from_params("7.5", "m", NULL, 0, buf, sizeof buf, err,
                                sizeof err) == -1,
       "a float criticality is refused");
    OK(ingest_event_from_params(NULL, "m", NULL, 0, buf, sizeof buf, err,
                                sizeof err) == -1,
       "a missing criticality is refused");

    OK(ingest_token_equal("s3cret", "s3cret"), "token: equal");
    OK(!ingest_token_equal("s3cre", "s3cret") &&
           !ingest_token_equal("s3cret!", "s3cret") &&
           !ingest_token_equal("", "s3cret") &&
           !ingest_token_equal("S3cret", "s3cret"),
       "token: shorter, longer, empty, different");
    return tap_done();
}
