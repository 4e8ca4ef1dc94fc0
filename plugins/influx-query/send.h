/*
 * Sending a reply, shared by the readers (influx-query, pg-query): the
 * store-independent last step of every request.
 */
#ifndef EVH_QUERY_SEND_H
#define EVH_QUERY_SEND_H

#include <evhost/plugin.h>

/**
 * Publish `text` (a reply, malloc'd; consumed; NULL is a no-op) to `to`,
 * trimmed to the NATS server's max_payload first (query_reply_fit: a reply
 * over it is refused by nats.c and never arrives); a trimmed reply counts
 * `truncated`.  Failures are logged, never fatal.  Any thread.
 */
void query_reply_send(evh_instance *inst, const char *to, char *text);

#endif /* EVH_QUERY_SEND_H */
