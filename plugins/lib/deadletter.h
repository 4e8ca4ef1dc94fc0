/*
 * Dead letters: an event a plugin will never process, published on its
 * dead-letter subject as it came, with why in headers, so that whoever
 * reads the dead-letter stream knows what failed without the plugin's log:
 *   Evhost-Reason      the refusal (the parser's, or InfluxDB's), one line
 *   Evhost-Subject     the subject it was received on
 *   Evhost-Stream-Seq  its JetStream stream sequence (0 on core NATS)
 *   Evhost-Instance    the instance that refused it
 */
#ifndef EVL_DEADLETTER_H
#define EVL_DEADLETTER_H

#include <evhost/plugin.h>

/** Publish `msg` on `subject` with the headers above.  evh_publish's status. */
int evl_dead_letter(evh_instance *inst, const char *subject, const evh_msg *msg,
                    const char *why);

/**
 * At start: is `subject` captured by a JetStream stream?  Asks the
 * JetStream API; when no stream captures it, warns that dead letters reach
 * only live subscribers and says how to fix it.  Returns 1 when captured,
 * 0 when not, -1 when it cannot tell (no JetStream: nothing said).
 */
int evl_dead_letter_check(evh_instance *inst, const char *subject);

#endif /* EVL_DEADLETTER_H */
