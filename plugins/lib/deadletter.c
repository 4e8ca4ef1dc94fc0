#include "deadletter.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A header value is one line: CR, LF and other controls become spaces. */
static void one_line(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; i++)
        dst[i] = (unsigned char)src[i] < 0x20 ? ' ' : src[i];
    dst[i] = '\0';
}

int evl_dead_letter(evh_instance *inst, const char *subject, const evh_msg *msg,
                    const char *why)
{
    char reason[512], from[256], seq[32];
    size_t len;
    const void *d = evh_msg_data(msg, &len);
    one_line(reason, sizeof reason, why && why[0] ? why : "refused");
    one_line(from, sizeof from, evh_msg_subject(msg));
    snprintf(seq, sizeof seq, "%" PRIu64, evh_msg_stream_seq(msg));
    const char *names[] = {"Evhost-Reason", "Evhost-Subject",
                           "Evhost-Stream-Seq", "Evhost-Instance"};
    const char *values[] = {reason, from, seq, evh_instance_name(inst)};
    return evh_publish_headers(inst, subject, d, len, 4, names, values);
}

int evl_dead_letter_check(evh_instance *inst, const char *subject)
{
    json_object *req = json_object_new_object();
    json_object_object_add(req, "subject", json_object_new_string(subject));
    const char *body =
        json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
    char *reply = NULL;
    int rc = evh_request(inst, "$JS.API.STREAM.NAMES", body, strlen(body), 5000,
                         &reply, NULL);
    json_object_put(req);
    if (rc != EVH_OK) {
        evh_log(inst, EVH_LOG_DEBUG,
                "cannot ask JetStream which stream captures %s (%s)", subject,
                evh_strerror(rc));
        return -1;
    }
    json_object *r = json_tokener_parse(reply), *total = NULL;
    free(reply);
    int captured = -1;
    if (r && json_object_object_get_ex(r, "total", &total))
        captured = json_object_get_int64(total) > 0;
    json_object_put(r);
    if (captured == 0)
        evh_log(inst, EVH_LOG_WARN,
                "dead_letter subject %s is captured by no JetStream stream: "
                "dead letters reach only live subscribers and are otherwise "
                "lost; add it to a stream's subjects (the shipped configs: "
                "jetstream.subjects = [\"events\", \"%s\"])",
                subject, subject);
    return captured;
}
