/*
 * The one NATS connection of a host: options from the `nats` block,
 * reconnect forever with jittered backoff and a reconnect buffer, and a
 * start-up loop that waits (logging, not failing) for a server that is not
 * up yet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host.h"
#include "log.h"
#include "notify.h"
#include "secret.h"

static void on_disconnected(natsConnection *nc, void *closure)
{
    evh_host *h = closure;
    h->disconnects++;
    if (!h->shutting_down)
        LOG_WARN("disconnected from NATS; reconnecting (publishes are "
                 "buffered meanwhile)");
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    evh_host *h = closure;
    char url[256] = "";
    natsConnection_GetConnectedUrl(nc, url, sizeof url);
    LOG_INFO("reconnected to NATS at %s", url);
    /* Counted after the log line: a reader of the count finds it logged. */
    h->reconnects++;
}

static void on_closed(natsConnection *nc, void *closure)
{
    evh_host *h = closure;
    if (!h->shutting_down)
        LOG_ERROR("NATS connection closed (reconnect attempts exhausted)");
}

static void on_error(natsConnection *nc, natsSubscription *sub, natsStatus err,
                     void *closure)
{
    evh_host *h = closure;
    h->async_errors++;
    if (err == NATS_SLOW_CONSUMER) {
        h->slow_consumer++;
        /* The subscription's closure is not reachable here; the dropped
         * count per subscription is collected by stats. */
        LOG_WARN("slow consumer: NATS dropped messages for subject %s "
                 "(raise pending_msgs/pending_bytes or use JetStream)",
                 sub ? natsSubscription_GetSubject(sub) : "?");
        return;
    }
    const char *last = NULL;
    natsConnection_GetLastError(nc, &last);
    LOG_ERROR("NATS error: %s%s%s", natsStatus_GetText(err), last ? ": " : "",
              last ? last : "");
}

/* nats.c buffers what is published and its flusher thread waits 1 ms "to
 * accumulate more" before it writes: every reply of a request/reply
 * service would leave 1 ms late.  A host whose instances do not publish in
 * bulk -- none has a `publish` subject or consumes JetStream, whose acks
 * are publishes -- writes each publish at once instead. */
static bool conn_send_asap(const host_conf *c)
{
    if (c->nats.send_asap >= 0)
        return c->nats.send_asap;
    for (int i = 0; i < c->ninsts; i++)
        if (c->insts[i].publish || c->insts[i].js.enabled)
            return false;
    return true;
}

/* Servers, reconnection and pings. */
static natsStatus set_basics(natsOptions *o, const host_conf *c)
{
    const nats_conf *n = &c->nats;
    natsStatus s = n->env_url
                       ? natsOptions_SetURL(o, n->env_url)
                       : natsOptions_SetServers(o, n->servers, n->nservers);
    if (s == NATS_OK)
        s = natsOptions_SetName(o, n->conn_name);
    if (s == NATS_OK)
        s = natsOptions_SetNoRandomize(o, !n->randomize);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(o, (int)n->max_reconnect);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(o, n->reconnect_wait_ms);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectJitter(o, n->reconnect_jitter_ms,
                                           n->reconnect_jitter_ms);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectBufSize(o, (int)n->reconnect_buffer_bytes);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(o, n->connect_timeout_ms);
    if (s == NATS_OK)
        s = natsOptions_SetPingInterval(o, n->ping_interval_ms);
    if (s == NATS_OK)
        s = natsOptions_SetMaxPingsOut(o, (int)n->max_pings_out);
    if (s == NATS_OK)
        s = natsOptions_SetSendAsap(o, conn_send_asap(c));
    return s;
}

static natsStatus set_callbacks(natsOptions *o, evh_host *h)
{
    natsStatus s = natsOptions_SetDisconnectedCB(o, on_disconnected, h);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(o, on_reconnected, h);
    if (s == NATS_OK)
        s = natsOptions_SetClosedCB(o, on_closed, h);
    if (s == NATS_OK)
        s = natsOptions_SetErrorHandler(o, on_error, h);
    return s;
}

static natsStatus set_tls(natsOptions *o, const nats_conf *n)
{
    char keyp[4096];
    natsStatus s = natsOptions_SetSecure(o, true);
    if (s == NATS_OK && n->tls_ca_file)
        s = natsOptions_LoadCATrustedCertificates(o, n->tls_ca_file);
    if (s == NATS_OK && n->tls_cert_file)
        s = natsOptions_LoadCertificatesChain(
            o, n->tls_cert_file,
            secret_path(n->tls_key_file, keyp, sizeof keyp));
    if (s == NATS_OK && n->tls_hostname)
        s = natsOptions_SetExpectedHostname(o, n->tls_hostname);
    if (s == NATS_OK && n->tls_skip_verify)
        s = natsOptions_SkipServerVerification(o, true);
    if (s != NATS_OK)
        LOG_ERROR("nats.tls: %s", nats_GetLastError(NULL));
    return s;
}

/* user + password_file, read now and wiped after use. */
static natsStatus set_user(natsOptions *o, const nats_conf *n)
{
    char err[512], *pw = NULL;
    if (n->password_file) {
        pw = secret_read(n->password_file, err, sizeof err);
        if (!pw) {
            LOG_ERROR("nats.password_file: %s", err);
            return NATS_ERR;
        }
    }
    natsStatus s = natsOptions_SetUserInfo(o, n->user, pw ? pw : "");
    secret_free(pw);
    return s;
}

static natsStatus set_token(natsOptions *o, const nats_conf *n)
{
    char err[512];
    char *tok = secret_read(n->token_file, err, sizeof err);
    if (!tok) {
        LOG_ERROR("nats.token_file: %s", err);
        return NATS_ERR;
    }
    natsStatus s = natsOptions_SetToken(o, tok);
    secret_free(tok);
    return s;
}

static natsStatus set_auth(natsOptions *o, const nats_conf *n)
{
    char credsp[4096], seedp[4096];
    natsStatus s = NATS_OK;
    if (n->creds_file)
        s = natsOptions_SetUserCredentialsFromFiles(
            o, secret_path(n->creds_file, credsp, sizeof credsp), NULL);
    if (s == NATS_OK && n->nkey_seed_file)
        s = natsOptions_SetNKeyFromSeed(
            o, n->nkey, secret_path(n->nkey_seed_file, seedp, sizeof seedp));
    if (s == NATS_OK && n->user)
        s = set_user(o, n);
    if (s == NATS_OK && n->token_file)
        s = set_token(o, n);
    return s;
}

natsStatus conn_options(const host_conf *c, evh_host *h, natsOptions **out)
{
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK)
        s = set_basics(o, c);
    if (s == NATS_OK && h)
        s = set_callbacks(o, h);
    if (s == NATS_OK && c->nats.tls)
        s = set_tls(o, &c->nats);
    if (s == NATS_OK)
        s = set_auth(o, &c->nats);
    if (s != NATS_OK) {
        natsOptions_Destroy(o);
        return s;
    }
    *out = o;
    return NATS_OK;
}

static void describe_servers(const host_conf *c, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    if (c->nats.env_url) {
        /* Never print credentials embedded in a URL. */
        const char *at = strrchr(c->nats.env_url, '@');
        snprintf(buf, cap, "%s (from EVHOST_NATS_URL)",
                 at ? at + 1 : c->nats.env_url);
        return;
    }
    for (int i = 0; i < c->nats.nservers && len < cap; i++) {
        const char *u = c->nats.servers[i];
        const char *at = strrchr(u, '@');
        int w = snprintf(buf + len, cap - len, "%s%s", i ? ", " : "",
                         at ? at + 1 : u);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

int conn_open(evh_host *h, const atomic_bool *cancel)
{
    char where[512];
    natsStatus s = conn_options(h->conf, h, &h->opts);
    if (s != NATS_OK) {
        LOG_ERROR("NATS options: %s", natsStatus_GetText(s));
        return EVH_ECONFIG;
    }
    describe_servers(h->conf, where, sizeof where);
    int attempt = 0;
    for (;;) {
        s = natsConnection_Connect(&h->nc, h->opts);
        if (s == NATS_OK)
            break;
        if (s != NATS_NO_SERVER && s != NATS_TIMEOUT && s != NATS_IO_ERROR &&
            s != NATS_CONNECTION_CLOSED) {
            /* Credentials or TLS the server refuses will not get better by
             * retrying: say so once and stop (exit 1, a config error). */
            const char *e = nats_GetLastError(NULL);
            LOG_ERROR("cannot connect to NATS at %s: %s%s%s (check the nats "
                      "block: credentials, TLS files, server URLs)",
                      where, natsStatus_GetText(s), e ? ": " : "", e ? e : "");
            return EVH_ECONFIG;
        }
        if (attempt++ == 0)
            LOG_WARN("NATS not reachable at %s (%s); retrying until it is",
                     where, natsStatus_GetText(s));
        int64_t wait = h->conf->nats.reconnect_wait_ms;
        for (int64_t waited = 0; waited < wait; waited += 50) {
            if (*cancel)
                return EVH_ESTOPPING;
            /* Waiting for NATS is not hanging: keep systemd's watchdog fed
             * and its STATUS= saying what we wait for. */
            if (h->notify)
                notify_tick(h->notify, h);
            nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
        }
    }
    char url[256] = "";
    natsConnection_GetConnectedUrl(h->nc, url, sizeof url);
    LOG_INFO("connected to NATS at %s%s", url,
             conn_send_asap(h->conf) ? " (publishes written at once)" : "");
    return EVH_OK;
}

void conn_close(evh_host *h)
{
    if (h->nc) {
        natsConnection_FlushTimeout(h->nc, 2000);
        natsConnection_Close(h->nc);
        natsConnection_Destroy(h->nc);
        h->nc = NULL;
    }
    natsOptions_Destroy(h->opts);
    h->opts = NULL;
}
