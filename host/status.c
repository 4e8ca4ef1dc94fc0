/* evh_strerror: the one table of status texts. */
#include "evhost/plugin.h"

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
