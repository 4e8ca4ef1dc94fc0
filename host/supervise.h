/*
 * Supervision of the plugin instances: build them from a configuration,
 * start them in order, stop them in parallel under one deadline, and swap
 * them on a SIGHUP reload.  An instance that does not stop in time is
 * stuck: it is counted in h->stuck, never freed, and the host exits 2.
 * Called from the main thread only.
 */
#ifndef EVH_SUPERVISE_H
#define EVH_SUPERVISE_H

#include "host.h"

/* Create and configure c's instances into *out (c->ninsts of them); on any
 * error free them and return -1.  Every problem is logged, not only the
 * first. */
int supervise_build(evh_host *h, host_conf *c, evh_instance ***out);
/* Free instances that never started (their destroy still runs). */
void supervise_free(evh_instance **v, int n);
/* Start h's instances in order until one fails or *stop is set; returns
 * the exit code (0, or 1 / 2 as in evhost(8)). */
int supervise_start(evh_host *h, const atomic_bool *stop);
/* Stop v's instances in parallel, all bounded by one deadline; free those
 * that stopped and clear v.  Returns how many were stuck (leaked). */
int supervise_stop(evh_instance **v, int n, int64_t timeout_ms);
/* Re-read h's config file: instances whose configuration changed are
 * replaced, new ones added, gone ones stopped; on any error the running
 * configuration stays in force. */
void supervise_reload(evh_host *h);
/* Every instance called evh_done() (and there is at least one). */
bool supervise_all_done(const evh_host *h);

#endif
