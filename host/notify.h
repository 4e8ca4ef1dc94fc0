/*
 * The systemd service notification protocol (sd_notify(3)) for units of
 * Type=notify: READY=1 once every instance started, RELOADING=1 / READY=1
 * around a SIGHUP reload, STOPPING=1, STATUS= lines with the counters, and
 * WATCHDOG=1 at half of $WATCHDOG_USEC.  Without $NOTIFY_SOCKET every call
 * is a no-op.  Called from the main thread only.
 */
#ifndef EVH_NOTIFY_H
#define EVH_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

typedef struct evh_notify {
    bool on;             /* $NOTIFY_SOCKET set (and supported) */
    int64_t watchdog_ns; /* ping period (half of WATCHDOG_USEC), 0: off */
    int64_t watchdog_due_ns, status_due_ns;
    char status[256]; /* the last STATUS= sent, to send only changes */
} evh_notify;

struct evh_host;

void notify_init(evh_notify *n);
/* READY=1 with the first STATUS= line. */
void notify_ready(evh_notify *n, struct evh_host *h);
void notify_reloading(evh_notify *n);
void notify_stopping(evh_notify *n);
/* The main loop's heartbeat: a due watchdog ping, and the counters'
 * STATUS= line when it changed (looked at once a second). */
void notify_tick(evh_notify *n, struct evh_host *h);

#endif
