#include "send.h"

#include <stdlib.h>
#include <string.h>

#include "fit.h"

void query_reply_send(evh_instance *inst, const char *to, char *text)
{
    if (!text)
        return;
    int64_t max = evh_max_payload(inst);
    int trimmed = 0;
    if (max > 0 && !(text = query_reply_fit(text, (size_t)max, &trimmed))) {
        evh_log(inst, EVH_LOG_WARN, "could not send a reply: out of memory");
        return;
    }
    if (trimmed)
        evh_counter_add(inst, "truncated", 1);
    int rc = evh_publish(inst, to, text, strlen(text));
    if (rc != EVH_OK)
        evh_log(inst, EVH_LOG_WARN, "could not send a reply (%s)",
                evh_strerror(rc));
    free(text);
}
