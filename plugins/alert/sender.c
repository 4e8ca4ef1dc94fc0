#include "sender.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sender {
    evh_instance *inst;
    const output *outs;
    size_t nouts;
    evh_kv *kv;
    sender_conf conf;
    CURL *curl[SENDER_MAX_OUTPUTS];
    int64_t fails[SENDER_MAX_OUTPUTS]; /* attempts failed in a row */
    int64_t kv_fails;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    note *head, *tail; /* queued */
    note *done, *done_tail;
    size_t queued;
    bool stop, running;
    pthread_t thread;
};

void note_free(note *n)
{
    if (!n)
        return;
    free(n->am);
    free(n->hook);
    for (size_t i = 0; i < n->nkv; i++) {
        free(n->kv_keys[i]);
        free(n->kv_vals[i]);
    }
    free(n->kv_keys);
    free(n->kv_vals);
    free(n->msgs);
    free(n);
}

int note_add_kv(note *n, char *key, char *val)
{
    if (n->nkv == n->capkv) {
        size_t cap = n->capkv ? n->capkv * 2 : 4;
        char **k = realloc(n->kv_keys, cap * sizeof *k);
        if (k)
            n->kv_keys = k;
        char **v = realloc(n->kv_vals, cap * sizeof *v);
        if (v)
            n->kv_vals = v;
        if (!k || !v) {
            free(key);
            free(val);
            return -1;
        }
        n->capkv = cap;
    }
    n->kv_keys[n->nkv] = key;
    n->kv_vals[n->nkv++] = val;
    return 0;
}

int note_add_msg(note *n, struct mref *m)
{
    if (n->nmsgs == n->capmsgs) {
        size_t cap = n->capmsgs ? n->capmsgs * 2 : 4;
        struct mref **nm = realloc(n->msgs, cap * sizeof *nm);
        if (!nm)
            return -1;
        n->msgs = nm;
        n->capmsgs = cap;
    }
    n->msgs[n->nmsgs++] = m;
    return 0;
}

sender *sender_new(evh_instance *inst, const output *outs, size_t nouts,
                   evh_kv *kv, sender_conf conf)
{
    if (nouts > SENDER_MAX_OUTPUTS)
        return NULL;
    sender *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->inst = inst;
    s->outs = outs;
    s->nouts = nouts;
    s->kv = kv;
    s->conf = conf;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    return s;
}

static size_t discard(char *p, size_t sz, size_t n, void *u)
{
    (void)p;
    (void)u;
    return sz * n;
}

/* One POST; the HTTP status, or 0 with curl's reason in `err`. */
static long post(sender *s, size_t i, const char *body, char *err)
{
    CURL *c = s->curl[i];
    if (!c && !(c = s->curl[i] = curl_easy_init())) {
        snprintf(err, CURL_ERROR_SIZE, "out of memory");
        return 0;
    }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: "
                                                   "application/json");
    char auth[4200];
    if (s->outs[i].token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s",
                 s->outs[i].token);
        h = curl_slist_append(h, auth);
        memset(auth, 0, sizeof auth);
    }
    err[0] = '\0';
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, s->outs[i].url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)s->conf.timeout_ms);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    long code = 0;
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    else if (!err[0])
        snprintf(err, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h);
    return code;
}

/* One attempt at output i; logs the first failure of a run and the
 * recovery, not every retry (the counters have those). */
static bool try_output(sender *s, size_t i, const char *body)
{
    char err[CURL_ERROR_SIZE + 1];
    long code = post(s, i, body, err);
    const char *what = s->outs[i].webhook ? "webhook" : "Alertmanager";
    if (code >= 200 && code < 300) {
        if (s->fails[i])
            evh_log(s->inst, EVH_LOG_INFO,
                    "%s %s accepts alerts again (after %lld failed "
                    "attempts)",
                    what, s->outs[i].url, (long long)s->fails[i]);
        s->fails[i] = 0;
        evh_counter_add(s->inst, "posts", 1);
        return true;
    }
    evh_counter_add(s->inst, "post_errors", 1);
    if (s->fails[i]++ == 0) {
        if (code)
            evh_log(s->inst, EVH_LOG_WARN,
                    "%s %s answered HTTP %ld: alerts wait and are retried",
                    what, s->outs[i].url, code);
        else
            evh_log(s->inst, EVH_LOG_WARN,
                    "%s %s: %s: alerts wait and are retried", what,
                    s->outs[i].url, err);
    }
    return false;
}

static bool try_kv(sender *s, note *n)
{
    while (s->kv && n->kv_done < n->nkv) {
        const char *k = n->kv_keys[n->kv_done], *v = n->kv_vals[n->kv_done];
        int rc =
            v ? evh_kv_put(s->kv, k, v, strlen(v)) : evh_kv_delete(s->kv, k);
        if (rc != EVH_OK) {
            evh_counter_add(s->inst, "state_errors", 1);
            if (s->kv_fails++ == 0)
                evh_log(s->inst, EVH_LOG_WARN,
                        "writing the alert state %s: %s; retrying", k,
                        evh_strerror(rc));
            return false;
        }
        s->kv_fails = 0;
        n->kv_done++;
    }
    return true;
}

/* Every output that still owes the note gets one attempt. */
static bool deliver(sender *s, note *n)
{
    bool all = true;
    for (size_t i = 0; i < s->nouts; i++) {
        uint32_t bit = 1u << i;
        const char *body = s->outs[i].webhook ? n->hook : n->am;
        if ((n->done & bit) || !body) {
            n->done |= bit;
            continue;
        }
        if (try_output(s, i, body))
            n->done |= bit;
        else
            all = false;
    }
    return all && try_kv(s, n);
}

static void wait_ms(sender *s, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = ts.tv_nsec + (ms % 1000) * 1000000;
    ts.tv_sec += (time_t)(ms / 1000 + ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    if (!s->stop)
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
}

static void *run(void *arg)
{
    sender *s = arg;
    int64_t backoff = s->conf.retry_initial_ms;
    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        note *n = s->head;
        if (!n) {
            pthread_cond_wait(&s->cond, &s->lock);
            continue;
        }
        pthread_mutex_unlock(&s->lock);
        bool ok = deliver(s, n);
        pthread_mutex_lock(&s->lock);
        if (!ok) {
            wait_ms(s, backoff);
            backoff = backoff * 2 > s->conf.retry_max_ms ? s->conf.retry_max_ms
                                                         : backoff * 2;
            continue;
        }
        backoff = s->conf.retry_initial_ms;
        s->head = n->next;
        if (!s->head)
            s->tail = NULL;
        s->queued--;
        n->next = NULL;
        if (s->done_tail)
            s->done_tail->next = n;
        else
            s->done = n;
        s->done_tail = n;
        pthread_cond_broadcast(&s->cond);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int sender_start(sender *s)
{
    if (pthread_create(&s->thread, NULL, run, s) != 0)
        return EVH_ENOMEM;
    s->running = true;
    return EVH_OK;
}

void sender_push(sender *s, note *n)
{
    n->next = NULL;
    pthread_mutex_lock(&s->lock);
    if (s->tail)
        s->tail->next = n;
    else
        s->head = n;
    s->tail = n;
    s->queued++;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

note *sender_take_done(sender *s)
{
    pthread_mutex_lock(&s->lock);
    note *d = s->done;
    s->done = s->done_tail = NULL;
    pthread_mutex_unlock(&s->lock);
    return d;
}

size_t sender_queued(sender *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->queued;
    pthread_mutex_unlock(&s->lock);
    return n;
}

bool sender_wait_empty(sender *s, int64_t ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_mutex_lock(&s->lock);
    while (s->queued && s->running) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        int64_t spent =
            (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        if (spent >= ms)
            break;
        wait_ms(s, ms - spent < 50 ? ms - spent : 50);
    }
    bool empty = s->queued == 0;
    pthread_mutex_unlock(&s->lock);
    return empty;
}

note *sender_stop(sender *s)
{
    if (!s)
        return NULL;
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    if (s->running)
        pthread_join(s->thread, NULL);
    s->running = false;
    note *left = s->head;
    s->head = s->tail = NULL;
    s->queued = 0;
    return left;
}

void sender_free(sender *s)
{
    if (!s)
        return;
    note *n = sender_stop(s);
    while (n) {
        note *next = n->next;
        note_free(n);
        n = next;
    }
    for (n = sender_take_done(s); n;) {
        note *next = n->next;
        note_free(n);
        n = next;
    }
    for (size_t i = 0; i < s->nouts; i++)
        if (s->curl[i])
            curl_easy_cleanup(s->curl[i]);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}
