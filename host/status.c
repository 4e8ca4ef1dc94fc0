/* Statuses: evh_strerror's one table of texts, nats.c's statuses mapped
 * to ours, and the monotonic clock every host file times with. */
#include <time.h>

#include "host.h"

int64_t now_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int status_from_nats(natsStatus s)
{
    switch (s) {
    case NATS_OK: return EVH_OK;
    case NATS_TIMEOUT: return EVH_ETIMEOUT;
    case NATS_NO_RESPONDERS: return EVH_ENORESPONDERS;
    case NATS_NO_MEMORY: return EVH_ENOMEM;
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT: return EVH_EINVAL;
    case NATS_MAX_PAYLOAD: return EVH_ETOOBIG;
    case NATS_NOT_PERMITTED: return EVH_EPERM;
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NO_SERVER:
    case NATS_INSUFFICIENT_BUFFER: return EVH_ECONN;
    case NATS_DRAINING: return EVH_ESTOPPING;
    case NATS_IO_ERROR: return EVH_EIO;
    default: return EVH_ERR;
    }
}

const char *evh_strerror(int status)
{
    switch (status) {
    case EVH_OK: return "ok";
    case EVH_ERR: return "error";
    case EVH_EINVAL: return "invalid argument";
    case EVH_ENOMEM: return "out of memory";
    case EVH_ECONFIG: return "configuration error";
    case EVH_ENOTFOUND: return "not found";
    case EVH_ETIMEOUT: return "timed out";
    case EVH_ENORESPONDERS: return "no responders";
    case EVH_ECONN: return "not connected";
    case EVH_EIO: return "I/O error";
    case EVH_ESTOPPING: return "shutting down";
    case EVH_ETOOBIG: return "too big";
    case EVH_EPERM: return "permission denied";
    case EVH_ESTATE: return "not allowed in this state";
    case EVH_ECONFLICT: return "idempotency key reused for other data";
    default: return "unknown status";
    }
}
