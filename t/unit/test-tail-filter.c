/* tail's filter: expressions parsed or refused with a reason, and exactly
 * which events pass. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "tap.h"

static void refused(const char *expr, const char *reason)
{
    tail_filter f = {0};
    char err[256] = "";
    int rc = tail_filter_add_where(&f, expr, err, sizeof err);
    OK(rc == -1 && f.nconds == 0, "refused: %s", expr);
    OK(strstr(err, reason) != NULL, "  reason for \"%s\" mentions \"%s\"",
       expr, reason);
    if (!strstr(err, reason))
        printf("#   err=[%s]\n", err);
    tail_filter_free(&f);
}

/* Does `event` pass a filter of the one condition `expr`? */
static int passes(const char *expr, const char *event)
{
    tail_filter f = {0};
    char err[256];
    if (tail_filter_add_where(&f, expr, err, sizeof err) != 0) {
        printf("# unexpected parse error for [%s]: %s\n", expr, err);
        return -1;
    }
    json_object *o = json_tokener_parse(event);
    int r = tail_filter_match(&f, o);
    json_object_put(o);
    tail_filter_free(&f);
    return r;
}

#define EV(c, extra)                                                           \
    "{\"criticality\":" #c ",\"timestamp\":\"2026-11-22T14:00:00Z\","         \
    "\"eventMessage\":\"disk full\"" extra "}"

int main(void)
{
    /* integer comparisons, each operator on both sides of the bound */
    OK(passes("criticality >= 8", EV(8, "")) == 1, ">= at the bound");
    OK(passes("criticality >= 8", EV(7, "")) == 0, ">= below");
    OK(passes("criticality > 8", EV(8, "")) == 0, "> at the bound");
    OK(passes("criticality > 8", EV(9, "")) == 1, "> above");
    OK(passes("criticality < 3", EV(2, "")) == 1, "< below");
    OK(passes("criticality < 3", EV(3, "")) == 0, "< at the bound");
    OK(passes("criticality <= 3", EV(3, "")) == 1, "<= at the bound");
    OK(passes("criticality <= -1", EV(0, "")) == 0, "<= negative bound");
    OK(passes("criticality = 5", EV(5, "")) == 1, "= equal");
    OK(passes("criticality == 5", EV(6, "")) == 0, "== different");
    OK(passes("criticality != 5", EV(6, "")) == 1, "!= different");
    OK(passes("criticality != 5", EV(5, "")) == 0, "!= equal");
    OK(passes("  criticality>=8  ", EV(10, "")) == 1, "no spaces needed");
    OK(passes("criticality >= 8", EV(9223372036854775807, "")) == 1,
       "int64 max");
    /* text comparisons */
    OK(passes("eventMessage = 'disk full'", EV(1, "")) == 1,
       "quoted text with a space");
    OK(passes("eventMessage = \"disk\"", EV(1, "")) == 0, "text differs");
    OK(passes("key = acme", EV(1, ",\"key\":\"acme\"")) == 1, "bare text");
    OK(passes("key != acme", EV(1, ",\"key\":\"globex\"")) == 1,
       "!= other text");
    OK(passes("key = 42", EV(1, ",\"key\":\"42\"")) == 1,
       "integer value against a string field: compared as text");
    OK(passes("key >= 42", EV(1, ",\"key\":\"50\"")) == 0,
       "ordering needs an integer field");
    OK(passes("criticality = '5'", EV(5, "")) == 1,
       "quoted digits against an integer field: text of the number");
    OK(passes("criticality = high", EV(5, "")) == 0,
       "text against an integer field");
    OK(passes("ok = true", EV(1, ",\"ok\":true")) == 1, "boolean as text");
    OK(passes("k = null", EV(1, ",\"k\":null")) == 1, "null as text");
    OK(passes("k = x", EV(1, ",\"k\":{\"a\":1}")) == 0, "an object: never =");
    OK(passes("k != x", EV(1, ",\"k\":[1]")) == 1, "an array: always !=");
    /* missing fields */
    OK(passes("key = acme", EV(1, "")) == 0, "missing field: = is false");
    OK(passes("key != acme", EV(1, "")) == 1, "missing field: != is true");
    OK(passes("n > 1", EV(1, "")) == 0, "missing field: > is false");

    /* refused expressions */
    refused("", "FIELD OP VALUE");
    refused(">= 8", "FIELD OP VALUE");
    refused("criticality", "expected an operator");
    refused("criticality ~ 8", "expected an operator");
    refused("criticality >=", "missing the value");
    refused("criticality >= high", "compares integers");
    refused("criticality >= '8'", "compares integers");
    refused("criticality >= 99999999999999999999", "compares integers");
    refused("key = 'acme", "unterminated quote");
    refused("key = 'acme' x", "after the quoted value");

    /* all conditions must hold; keys on key_field */
    tail_filter f = {0};
    char err[256];
    OK(tail_filter_add_where(&f, "criticality >= 5", err, sizeof err) == 0 &&
           tail_filter_add_where(&f, "criticality < 9", err, sizeof err) == 0,
       "two conditions");
    OK(tail_filter_add_key(&f, "acme") == 0 &&
           tail_filter_add_key(&f, "globex") == 0,
       "two keys");
    f.key_field = "account";
    static const struct {
        const char *ev;
        int want;
    } cases[] = {
        {EV(5, ",\"account\":\"acme\""), 1},
        {EV(8, ",\"account\":\"globex\""), 1},
        {EV(9, ",\"account\":\"acme\""), 0},
        {EV(4, ",\"account\":\"acme\""), 0},
        {EV(6, ",\"account\":\"initech\""), 0},
        {EV(6, ",\"key\":\"acme\""), 0},
        {EV(6, ""), 0},
        {EV(6, ",\"account\":7"), 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_object *o = json_tokener_parse(cases[i].ev);
        OK(tail_filter_match(&f, o) == cases[i].want, "combined %zu: %s -> %d",
           i, cases[i].ev, cases[i].want);
        json_object_put(o);
    }
    evl_buf d = {0};
    tail_filter_describe(&f, &d);
    IS_STR(d.data,
           "criticality >= 5 and criticality < 9 and account in (acme, globex)",
           "describe");
    evl_buf_free(&d);
    tail_filter_free(&f);

    tail_filter none = {0};
    json_object *o = json_tokener_parse(EV(0, ""));
    OK(tail_filter_match(&none, o), "an empty filter passes everything");
    json_object_put(o);
    tail_filter_describe(&none, &d);
    IS_STR(d.data, "all events", "describe an empty filter");
    evl_buf_free(&d);
    return tap_done();
}
