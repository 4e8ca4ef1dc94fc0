/*
 * The key-value service of <evhost/plugin.h> (evh_kv_*, ABI 1.3): a
 * JetStream key-value bucket on the host's one connection, for plugin
 * state that must outlive the process (an alert's firing state, the last
 * time a source was seen).  The plugin never sees nats.c: it gets an
 * opaque handle bound to one bucket, and the statuses of the plugin API.
 *
 * nats.c's kvStore is safe to use from several threads, so the handle is
 * too; each handle has its own JetStream context so that its timeout does
 * not depend on the instance's `jetstream` block (a plugin on core NATS
 * may still keep state).
 */
#include <stdlib.h>
#include <string.h>

#include "host.h"

struct evh_kv {
    jsCtx *js;
    kvStore *kv;
};

/* Bucket names are what a stream name may be, and nats.c checks no more
 * than that; refuse the rest here so the plugin gets EVH_EINVAL. */
static bool bucket_ok(const char *b)
{
    if (!b || !*b || strlen(b) > 64)
        return false;
    for (const char *p = b; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
            return false;
    return true;
}

static int kv_status(natsStatus s)
{
    /* nats.c reports "no such key" and "no such bucket" alike. */
    return s == NATS_NOT_FOUND ? EVH_ENOTFOUND : status_from_nats(s);
}

int evh_kv_open(evh_instance *inst, const char *bucket, int64_t timeout_ms,
                evh_kv **out)
{
    if (!inst || !out || !bucket_ok(bucket) || timeout_ms <= 0)
        return EVH_EINVAL;
    *out = NULL;
    if (!inst->host->nc)
        return EVH_ECONN;
    evh_kv *h = calloc(1, sizeof *h);
    if (!h)
        return EVH_ENOMEM;
    jsOptions o;
    jsOptions_Init(&o);
    o.Wait = timeout_ms;
    natsStatus s = natsConnection_JetStream(&h->js, inst->host->nc, &o);
    if (s == NATS_OK)
        s = js_KeyValue(&h->kv, h->js, bucket);
    if (s == NATS_NOT_FOUND) {
        kvConfig c;
        kvConfig_Init(&c);
        c.Bucket = bucket;
        c.History = 1;
        c.StorageType = js_FileStorage;
        s = js_CreateKeyValue(&h->kv, h->js, &c);
    }
    if (s != NATS_OK) {
        evh_kv_close(h);
        return kv_status(s);
    }
    *out = h;
    return EVH_OK;
}

int evh_kv_put(evh_kv *kv, const char *key, const void *data, size_t len)
{
    if (!kv || !key || (!data && len) || len > INT32_MAX)
        return EVH_EINVAL;
    return kv_status(kvStore_Put(NULL, kv->kv, key, data, (int)len));
}

int evh_kv_get(evh_kv *kv, const char *key, char **data, size_t *len)
{
    if (!kv || !key || !data)
        return EVH_EINVAL;
    *data = NULL;
    kvEntry *e = NULL;
    natsStatus s = kvStore_Get(&e, kv->kv, key);
    if (s != NATS_OK)
        return kv_status(s);
    int n = kvEntry_ValueLen(e);
    char *d = malloc((size_t)(n > 0 ? n : 0) + 1);
    if (d) {
        if (n > 0)
            memcpy(d, kvEntry_Value(e), (size_t)n);
        d[n > 0 ? n : 0] = '\0';
    }
    kvEntry_Destroy(e);
    if (!d)
        return EVH_ENOMEM;
    *data = d;
    if (len)
        *len = (size_t)(n > 0 ? n : 0);
    return EVH_OK;
}

int evh_kv_delete(evh_kv *kv, const char *key)
{
    if (!kv || !key)
        return EVH_EINVAL;
    return kv_status(kvStore_Delete(kv->kv, key));
}

int evh_kv_keys(evh_kv *kv, char ***keys, size_t *n)
{
    if (!kv || !keys || !n)
        return EVH_EINVAL;
    *keys = NULL;
    *n = 0;
    kvKeysList l = {0};
    natsStatus s = kvStore_Keys(&l, kv->kv, NULL);
    if (s == NATS_NOT_FOUND) /* an empty bucket */
        return EVH_OK;
    if (s != NATS_OK)
        return kv_status(s);
    int rc = EVH_OK;
    if (l.Count > 0) {
        /* Copies: the plugin frees them with free(), whatever nats.c's
         * allocator is. */
        *keys = calloc((size_t)l.Count, sizeof **keys);
        for (int i = 0; *keys && i < l.Count; i++)
            if (!((*keys)[*n] = strdup(l.Keys[i])))
                break;
            else
                (*n)++;
        if (!*keys || *n < (size_t)l.Count) {
            for (size_t i = 0; *keys && i < *n; i++)
                free((*keys)[i]);
            free(*keys);
            *keys = NULL;
            *n = 0;
            rc = EVH_ENOMEM;
        }
    }
    kvKeysList_Destroy(&l);
    return rc;
}

void evh_kv_close(evh_kv *kv)
{
    if (!kv)
        return;
    kvStore_Destroy(kv->kv);
    jsCtx_Destroy(kv->js);
    free(kv);
}
