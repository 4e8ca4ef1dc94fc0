/*
 * nats-bench: the raw limits the evhost benchmark compares against, with
 * nats.c like the host.
 *
 *   nats-bench pubsub URL N SIZE    core publish of N messages with nobody
 *                                   subscribed, then N to an async subscriber
 *                                   on a second connection; prints
 *                                   "pub_per_s pubsub_recv_per_s received"
 *   nats-bench jspub URL N SIZE     js_PublishAsync of N messages to stream
 *                                   BENCHJS (created); prints "per_s"
 *   nats-bench req URL SUBJ PAYLOAD N
 *                                   N sequential requests; prints
 *                                   "p50_ms p99_ms max_ms errors"
 *   nats-bench capture URL SUBJ N   subscribe (no pending limits), say
 *                                   "ready" on stderr, then write the
 *                                   first N payloads to stdout one per
 *                                   line: the events the bench's rows share
 *                                   (exit 1 if fewer came within 60 s of
 *                                   the last one)
 */
#include <nats/nats.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static _Atomic long received;

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *m,
                   void *closure)
{
    (void)nc, (void)sub, (void)closure;
    received++;
    natsMsg_Destroy(m);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    if (argc < 5) {
        fprintf(stderr, "usage: see the comment in nats-bench.c\n");
        return 2;
    }
    if (natsConnection_ConnectTo(&nc, argv[2]) != NATS_OK) {
        fprintf(stderr, "nats-bench: cannot connect to %s\n", argv[2]);
        return 1;
    }
    int rc = 0;
    if (strcmp(argv[1], "pubsub") == 0) {
        long n = atol(argv[3]);
        int size = atoi(argv[4]);
        char *buf = calloc(1, (size_t)size);
        memset(buf, 'x', (size_t)size);
        /* Publish rate alone first (nobody subscribed: the server drops),
         * the figure the generator is compared with. */
        double p0 = now_s();
        for (long i = 0; i < n; i++)
            natsConnection_Publish(nc, "bench.none", buf, size);
        natsConnection_Flush(nc);
        double pub_only = n / (now_s() - p0);
        /* Then with a subscriber on its own connection, as the sink has. */
        natsConnection *snc = NULL;
        natsConnection_ConnectTo(&snc, argv[2]);
        natsSubscription *sub = NULL;
        natsConnection_Subscribe(&sub, snc, "bench.raw", on_msg, NULL);
        natsConnection_Flush(snc);
        natsSubscription_SetPendingLimits(sub, -1, -1);
        natsConnection_Flush(nc);
        double t0 = now_s();
        for (long i = 0; i < n; i++)
            natsConnection_Publish(nc, "bench.raw", buf, size);
        natsConnection_Flush(nc);
        double t1 = now_s();
        while (received < n && now_s() - t1 < 30)
            nats_Sleep(1);
        double t2 = now_s();
        printf("%.0f %.0f %ld\n", pub_only, (double)received / (t2 - t0),
               (long)received);
        (void)t1;
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(snc);
        free(buf);
    } else if (strcmp(argv[1], "jspub") == 0) {
        long n = atol(argv[3]);
        int size = atoi(argv[4]);
        char *buf = calloc(1, (size_t)size);
        memset(buf, 'x', (size_t)size);
        jsCtx *js = NULL;
        jsOptions o;
        jsOptions_Init(&o);
        o.PublishAsync.MaxPending = 20000;
        natsConnection_JetStream(&js, nc, &o);
        jsStreamConfig sc;
        jsStreamConfig_Init(&sc);
        const char *subj[] = {"bench.js"};
        sc.Name = "BENCHJS";
        sc.Subjects = subj;
        sc.SubjectsLen = 1;
        sc.Storage = js_FileStorage;
        js_AddStream(NULL, js, &sc, NULL, NULL);
        double t0 = now_s();
        for (long i = 0; i < n; i++)
            js_PublishAsync(js, "bench.js", buf, size, NULL);
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = 60000;
        natsStatus s = js_PublishAsyncComplete(js, &po);
        double t1 = now_s();
        natsMsgList pending = {0};
        int failed = js_PublishAsyncGetPendingList(&pending, js) == NATS_OK
                         ? pending.Count
                         : 0;
        natsMsgList_Destroy(&pending);
        printf("%.0f %d\n", n / (t1 - t0), s == NATS_OK ? failed : -1);
        js_DeleteStream(js, "BENCHJS", NULL, NULL);
        jsCtx_Destroy(js);
        free(buf);
    } else if (strcmp(argv[1], "req") == 0 && argc >= 6) {
        int n = atoi(argv[5]), errors = 0;
        double *lat = calloc((size_t)n, sizeof *lat);
        for (int i = 0; i < n; i++) {
            natsMsg *r = NULL;
            double t0 = now_s();
            natsStatus s = natsConnection_RequestString(&r, nc, argv[3],
                                                        argv[4], 5000);
            lat[i] = (now_s() - t0) * 1000;
            if (s != NATS_OK || !r || strstr(natsMsg_GetData(r), "\"error\""))
                errors++;
            natsMsg_Destroy(r);
        }
        qsort(lat, (size_t)n, sizeof *lat, cmp_d);
        printf("%.2f %.2f %.2f %d\n", lat[n / 2], lat[(n * 99) / 100],
               lat[n - 1], errors);
        free(lat);
    } else if (strcmp(argv[1], "capture") == 0 && argc >= 5) {
        long n = atol(argv[4]), got = 0;
        natsSubscription *sub = NULL;
        if (natsConnection_SubscribeSync(&sub, nc, argv[3]) != NATS_OK ||
            natsSubscription_SetPendingLimits(sub, -1, -1) != NATS_OK ||
            natsConnection_Flush(nc) != NATS_OK) {
            fprintf(stderr, "nats-bench: cannot subscribe to %s\n", argv[3]);
            rc = 1;
        } else {
            fprintf(stderr, "ready\n");
            while (got < n) {
                natsMsg *m = NULL;
                if (natsSubscription_NextMsg(&m, sub, 60000) != NATS_OK)
                    break;
                fwrite(natsMsg_GetData(m), 1, (size_t)natsMsg_GetDataLength(m),
                       stdout);
                putchar('\n');
                natsMsg_Destroy(m);
                got++;
            }
            if (fflush(stdout) != 0 || got < n) {
                fprintf(stderr, "nats-bench: captured %ld of %ld\n", got, n);
                rc = 1;
            }
        }
        natsSubscription_Destroy(sub);
    } else {
        rc = 2;
    }
    natsConnection_Destroy(nc);
    nats_Close();
    return rc;
}
