#include "querycfg.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const text_keys[] = {"since", "until", "contains", "key"};

/* ,"name":<value> with value JSON-escaped text, or a number as written. */
static int add_member(evl_buf *b, const char *name, json_object *v)
{
    int bad =
        evl_buf_adds(b, ",\"") | evl_buf_adds(b, name) | evl_buf_adds(b, "\":");
    bad |= evl_buf_adds(
        b, json_object_to_json_string_ext(
               v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(v);
    return bad ? EVH_ENOMEM : EVH_OK;
}

static int read_in(evh_instance *inst, evl_buf *b)
{
    int n = evh_config_count(inst, "criticality_in");
    if (n < 0)
        return EVH_ECONFIG;
    if (n == 0 && evh_config_has(inst, "criticality_in"))
        return evh_config_error(inst, "criticality_in",
                                "an empty list would match no event");
    if (n == 0)
        return EVH_OK;
    json_object *a = json_object_new_array();
    int rc = EVH_OK;
    for (int i = 0; i < n; i++) {
        int64_t v = 0;
        if (evh_config_elem_int(inst, "criticality_in", i, &v) != EVH_OK)
            rc = EVH_ECONFIG;
        json_object_array_add(a, json_object_new_int64(v));
    }
    if (rc != EVH_OK) {
        json_object_put(a);
        return rc;
    }
    return add_member(b, "criticality_in", a);
}

int evl_querycfg_read(evh_instance *inst, evl_buf *members)
{
    int rc = EVH_OK;
    for (size_t i = 0; i < sizeof text_keys / sizeof *text_keys; i++) {
        const char *v = NULL;
        if (evh_config_string(inst, text_keys[i], NULL, &v) != EVH_OK)
            rc = EVH_ECONFIG;
        else if (v && add_member(members, text_keys[i],
                                 json_object_new_string(v)) != EVH_OK)
            return EVH_ENOMEM;
    }
    if (evh_config_has(inst, "max_criticality")) {
        int64_t max = 0;
        if (evh_config_int(inst, "max_criticality", 0, INT64_MIN, INT64_MAX,
                           &max) != EVH_OK)
            rc = EVH_ECONFIG;
        else if (add_member(members, "max_criticality",
                            json_object_new_int64(max)) != EVH_OK)
            return EVH_ENOMEM;
    }
    int irc = read_in(inst, members);
    return irc == EVH_ENOMEM ? irc : irc != EVH_OK ? EVH_ECONFIG : rc;
}

int evl_querycfg_check(evh_instance *inst, const char *json, int64_t max_count,
                       struct evl_query *q)
{
    static const char *const keys[] = {"since",           "until",
                                       "max_criticality", "criticality_in",
                                       "contains",        "key"};
    char err[512];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (evl_query_parse(json, strlen(json), max_count,
                        (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, q, err,
                        sizeof err) == 0)
        return EVH_OK;
    /* The reader's reason names its member, which is the config key. */
    const char *key = NULL;
    for (size_t i = 0; !key && i < sizeof keys / sizeof *keys; i++)
        if (strncmp(err, keys[i], strlen(keys[i])) == 0)
            key = keys[i];
    for (size_t i = 0; !key && i < sizeof keys / sizeof *keys; i++)
        if (strstr(err, keys[i]))
            key = keys[i];
    return evh_config_error(inst, key, "%s", err);
}

bool evl_query_event_match(const struct evl_query *q, const evl_event *ev,
                           const char *key_field)
{
    if (!evl_query_crit_match(q, ev->criticality))
        return false;
    if ((q->has_since && ev->time_ns < q->since_ns) ||
        (q->has_until && ev->time_ns >= q->until_ns))
        return false;
    if (q->contains_len &&
        !memmem(ev->message, ev->message_len, q->contains, q->contains_len))
        return false;
    if (q->key[0]) {
        json_object *k;
        if (!ev->obj || !json_object_object_get_ex(ev->obj, key_field, &k) ||
            !json_object_is_type(k, json_type_string) ||
            strcmp(json_object_get_string(k), q->key) != 0)
            return false;
    }
    return true;
}
