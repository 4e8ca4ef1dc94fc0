/*
 * sd_notify(3) for Type=notify units.  libsystemd is the reference client
 * of the protocol (abstract and path sockets, credentials); the host only
 * decides when to say what.
 */
#include "notify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "host.h"
#include "log.h"

static void send_state(const evh_notify *n, const char *state)
{
    if (!n->on)
        return;
#ifdef HAVE_SYSTEMD
    int r = sd_notify(0, state);
    if (r < 0)
        LOG_WARN("sd_notify failed: %s", strerror(-r));
#else
    (void)state;
#endif
}

void notify_init(evh_notify *n)
{
    memset(n, 0, sizeof *n);
    const char *sock = getenv("NOTIFY_SOCKET");
    if (!sock || !*sock)
        return;
#ifdef HAVE_SYSTEMD
    n->on = true;
    uint64_t usec = 0;
    /* > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID, if set, is us. */
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        /* Half the timeout, as sd_watchdog_enabled(3) advises: one late
         * main-loop turn must not get the service killed. */
        n->watchdog_ns = (int64_t)(usec * 1000 / 2);
        n->watchdog_due_ns = now_mono_ns();
        LOG_INFO("systemd watchdog: pinging every %" PRId64 " ms",
                 n->watchdog_ns / 1000000);
    }
#else
    LOG_WARN("NOTIFY_SOCKET is set but this evhost was built without "
             "libsystemd: no READY=1 will be sent (use Type=simple, or "
             "rebuild with libsystemd-dev)");
#endif
}

void notify_ready(evh_notify *n, evh_host *h)
{
    char buf[sizeof n->status + 16];
    stats_summary(h, n->status, sizeof n->status);
    snprintf(buf, sizeof buf, "READY=1\nSTATUS=%s", n->status);
    send_state(n, buf);
    n->status_due_ns = now_mono_ns() + 1000000000;
}

void notify_reloading(evh_notify *n)
{
    /* MONOTONIC_USEC: systemd >= 253 (Type=notify-reload) wants it with
     * RELOADING=1; older ones ignore it. */
    char buf[96];
    snprintf(buf, sizeof buf, "RELOADING=1\nMONOTONIC_USEC=%" PRId64,
             now_mono_ns() / 1000);
    send_state(n, buf);
}

void notify_stopping(evh_notify *n) { send_state(n, "STOPPING=1"); }

void notify_tick(evh_notify *n, evh_host *h)
{
    if (!n->on)
        return;
    int64_t now = now_mono_ns();
    if (n->watchdog_ns && now >= n->watchdog_due_ns) {
        send_state(n, "WATCHDOG=1");
        n->watchdog_due_ns = now + n->watchdog_ns;
    }
    if (now < n->status_due_ns)
        return;
    n->status_due_ns = now + 1000000000;
    char status[sizeof n->status], buf[sizeof n->status + 8];
    stats_summary(h, status, sizeof status);
    if (strcmp(status, n->status) == 0)
        return;
    memcpy(n->status, status, sizeof status);
    snprintf(buf, sizeof buf, "STATUS=%s", status);
    send_state(n, buf);
}
