#include "health.h"

#include <stdio.h>

void health_init(query_health *h)
{
    pthread_mutex_init(&h->lock, NULL);
    h->down = h->probing = false;
    h->retry_at_ms = 0;
    h->why[0] = '\0';
}

void health_destroy(query_health *h) { pthread_mutex_destroy(&h->lock); }

bool health_fail_fast(query_health *h, int64_t now_ms, bool take_probe,
                      char *why, size_t cap)
{
    pthread_mutex_lock(&h->lock);
    bool fast = h->down && (now_ms < h->retry_at_ms || h->probing);
    if (fast)
        snprintf(why, cap, "%s", h->why);
    else if (h->down && take_probe)
        h->probing = true;
    pthread_mutex_unlock(&h->lock);
    return fast;
}

bool health_failed(query_health *h, int64_t now_ms, int64_t interval_ms,
                   const char *why)
{
    pthread_mutex_lock(&h->lock);
    bool was_up = !h->down;
    h->down = true;
    h->probing = false;
    h->retry_at_ms = now_ms + interval_ms;
    snprintf(h->why, sizeof h->why, "%s", why);
    pthread_mutex_unlock(&h->lock);
    return was_up;
}

bool health_ok(query_health *h)
{
    pthread_mutex_lock(&h->lock);
    bool was_down = h->down;
    h->down = h->probing = false;
    pthread_mutex_unlock(&h->lock);
    return was_down;
}
