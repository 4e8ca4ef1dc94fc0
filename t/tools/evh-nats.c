/*
 * evh-nats: the test suite's NATS client, on nats.c like the host, so that
 * tests can send exact bytes (invalid UTF-8, 1 MiB payloads, no trailing
 * newline) that a shell cannot.
 *
 *   evh-nats pub  URL SUBJECT FILE   each line of FILE is one message
 *   evh-nats pub1 URL SUBJECT FILE   the whole FILE is one message
 *   evh-nats req  URL SUBJECT PAYLOAD [TIMEOUT_MS]
 *                                    print the reply (no newline added)
 *
 * pub/pub1 flush and wait for the server's PONG, so every message has
 * reached the server (and a stream bound to SUBJECT) when it exits 0.
 * req exits 3 when nobody listens, 4 on timeout.
 */
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, natsStatus s)
{
    fprintf(stderr, "evh-nats: %s: %s\n", what, natsStatus_GetText(s));
    return s == NATS_NO_RESPONDERS ? 3 : s == NATS_TIMEOUT ? 4 : 1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0, r;
    char *buf = malloc(cap);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    natsStatus s;
    int rc = 0;

    if (argc < 5) {
        fprintf(stderr, "usage: evh-nats pub|pub1 URL SUBJECT FILE | "
                        "req URL SUBJECT PAYLOAD [TIMEOUT_MS] | "
                        "sub1 URL SUBJECT TIMEOUT_MS\n");
        return 2;
    }
    const char *mode = argv[1], *url = argv[2], *subj = argv[3];
    if ((s = natsConnection_ConnectTo(&nc, url)) != NATS_OK)
        return fail("connect", s);

    if (strcmp(mode, "req") == 0) {
        natsMsg *reply = NULL;
        int64_t tmo = argc > 5 ? atoll(argv[5]) : 5000;
        s = natsConnection_Request(&reply, nc, subj, argv[4],
                                   (int)strlen(argv[4]), tmo);
        if (s != NATS_OK) {
            rc = fail("request", s);
        } else {
            fwrite(natsMsg_GetData(reply), 1,
                   (size_t)natsMsg_GetDataLength(reply), stdout);
            natsMsg_Destroy(reply);
        }
    } else if (strcmp(mode, "sub1") == 0) {
        /* One message's exact bytes (a request a client sent), then exit:
         * "subscribed" on stderr once the server has the subscription. */
        natsSubscription *sub = NULL;
        natsMsg *m = NULL;
        s = natsConnection_SubscribeSync(&sub, nc, subj);
        if (s == NATS_OK)
            s = natsConnection_FlushTimeout(nc, 10000);
        if (s == NATS_OK) {
            fprintf(stderr, "subscribed\n");
            s = natsSubscription_NextMsg(&m, sub, atoll(argv[4]));
        }
        if (s != NATS_OK) {
            rc = fail("sub1", s);
        } else {
            fwrite(natsMsg_GetData(m), 1, (size_t)natsMsg_GetDataLength(m),
                   stdout);
            natsMsg_Destroy(m);
        }
        natsSubscription_Destroy(sub);
    } else if (strcmp(mode, "pub") == 0 || strcmp(mode, "pub1") == 0) {
        size_t len = 0;
        char *data = slurp(argv[4], &len);
        if (!data) {
            rc = 1;
        } else if (strcmp(mode, "pub1") == 0) {
            s = natsConnection_Publish(nc, subj, data, (int)len);
            rc = s == NATS_OK ? 0 : fail("publish", s);
        } else {
            size_t i = 0;
            while (i < len && rc == 0) {
                char *nl = memchr(data + i, '\n', len - i);
                size_t end = nl ? (size_t)(nl - data) : len;
                s = natsConnection_Publish(nc, subj, data + i, (int)(end - i));
                if (s != NATS_OK)
                    rc = fail("publish", s);
                i = end + 1;
            }
        }
        free(data);
        if (rc == 0 && (s = natsConnection_FlushTimeout(nc, 10000)) != NATS_OK)
            rc = fail("flush", s);
    } else {
        fprintf(stderr, "evh-nats: unknown mode %s\n", mode);
        rc = 2;
    }
    natsConnection_Destroy(nc);
    nats_Close();
    return rc;
}
