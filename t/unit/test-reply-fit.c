/* Unit tests: a reader reply trimmed to max_payload (query_reply_fit). */
#include <stdlib.h>

#include "fit.h"
#include "tap.h"

#define EV(n) "{\"criticality\":" #n ",\"timestamp\":\"2026-11-23T10:00:0" #n "Z\",\"eventMessage\":\"e" #n "\"}"
#define THREE "{\"events\":[" EV(3) "," EV(2) "," EV(1) "]}"

static char *fit(const char *reply, size_t max, int *trimmed)
{
    char *s = strdup(reply);
    return s ? query_reply_fit(s, max, trimmed) : NULL;
}

int main(void)
{
    int t = -1;
    char *out = fit(THREE, strlen(THREE), &t);
    IS_STR(out, THREE, "a reply that fits exactly is unchanged");
    OK(t == 0, "  and not marked trimmed");
    free(out);

    const char *two = "{\"events\":[" EV(3) "," EV(2)
                      "],\"truncated\":true,\"returned\":2,\"matched\":3}";
    out = fit(THREE, strlen(THREE) - 1, &t);
    IS_STR(out, two, "one byte short of three: the newest two, marked");
    OK(t == 1, "  and marked trimmed");
    free(out);
    out = fit(THREE, strlen(two), &t);
    IS_STR(out, two, "exactly room for two with the marker: two");
    free(out);

    const char *one = "{\"events\":[" EV(3)
                      "],\"truncated\":true,\"returned\":1,\"matched\":3}";
    out = fit(THREE, strlen(two) - 1, &t);
    IS_STR(out, one, "one byte short of two: the newest one");
    free(out);
    out = fit(THREE, strlen(one), &t);
    IS_STR(out, one, "exactly room for one: one");
    free(out);
    out = fit(THREE, strlen(one) - 1, &t);
    OK(out && strstr(out, "too_large"), "one byte short of one: too_large");
    free(out);

    out = fit(THREE, 60, &t);
    OK(out && strstr(out, "\"code\":\"too_large\"") &&
           strstr(out, "not even one event fits in a reply of 60 bytes"),
       "no room for one event: an error reply saying so (%s)", out ? out : "");
    OK(t == 0, "  not marked trimmed");
    free(out);

    const char *err = "{\"error\":{\"code\":\"unavailable\",\"message\":\"x\"}}";
    out = fit(err, 1000, &t);
    IS_STR(out, err, "an error reply that fits is unchanged");
    free(out);

    out = fit("{\"events\":[]}", 5, &t);
    OK(out && strstr(out, "too_large"), "an empty reply over a tiny limit: too_large");
    free(out);

    out = fit("not json", 3, &t);
    OK(out && strstr(out, "too_large"), "garbage over the limit: too_large, no crash");
    free(out);

    return tap_done();
}
