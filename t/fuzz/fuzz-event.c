/*
 * libFuzzer target: the event parser, the serializer and the line-protocol
 * encoder.  Properties: whatever parses, serializes and parses back to the
 * same values; and encodes to one line-protocol line (or a clear error)
 * that a separate, minimal line-protocol reader below (written from the
 * InfluxDB spec, sharing no code with the encoder) reads back to the same
 * criticality, eventMessage, timestamp and time.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "lineproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* ---- an independent line-protocol reader (one line, no '\n') ---------- */
typedef struct lp_point {
    bool has_crit, has_msg, has_band;
    long long crit, time, sub; /* sub: the sub-millisecond field, 0 when absent */
    char band[EVL_CRIT_BAND_LEN]; /* the crit_band tag's value */
    char *msg;
    size_t msg_len;
} lp_point;

/* Skip an identifier (measurement, tag or field key, tag value): ends at an
 * unescaped one of `stops`; backslash escapes the next byte. */
static const char *lp_skip(const char *p, const char *end, const char *stops)
{
    while (p < end && !strchr(stops, *p)) {
        if (*p == '\\' && p + 1 < end)
            p++;
        p++;
    }
    return p;
}

/* A field key, unescaped, compared with `want`. */
static bool lp_key_is(const char *a, const char *b, const char *want)
{
    size_t n = 0;
    for (const char *p = a; p < b; p++) {
        if (*p == '\\' && p + 1 < b)
            p++;
        if (want[n] != *p)
            return false;
        n++;
    }
    return want[n] == '\0';
}

static int lp_read(const char *p, const char *end, lp_point *pt)
{
    memset(pt, 0, sizeof *pt);
    p = lp_skip(p, end, ", "); /* measurement */
    while (p < end && *p == ',') { /* tags */
        const char *t = p + 1;
        p = lp_skip(t, end, ", ");
        if (p - t > 10 && p - t < 10 + EVL_CRIT_BAND_LEN &&
            !memcmp(t, "crit_band=", 10) && !pt->has_band) {
            memcpy(pt->band, t + 10, (size_t)(p - t - 10));
            pt->band[p - t - 10] = '\0';
            pt->has_band = true;
        }
    }
    if (p >= end || *p != ' ')
        return -1;
    p++;
    for (;;) { /* fields */
        const char *k = p;
        p = lp_skip(p, end, "=");
        if (p >= end)
            return -1;
        const char *ke = p++;
        if (p < end && *p == '"') {
            char *out = malloc((size_t)(end - p) + 1);
            size_t n = 0;
            for (p++; p < end && *p != '"'; p++) {
                if (*p == '\\' && p + 1 < end && (p[1] == '"' || p[1] == '\\'))
                    p++;
                out[n++] = *p;
            }
            if (p >= end) {
                free(out);
                return -1;
            }
            p++;
            out[n] = '\0';
            if (lp_key_is(k, ke, "eventMessage") && !pt->has_msg) {
                pt->msg = out, pt->msg_len = n, pt->has_msg = true;
            } else {
                free(out);
            }
        } else {
            char *e;
            long long v = strtoll(p, &e, 10);
            if (lp_key_is(k, ke, "criticality")) {
                if (e == p || *e != 'i')
                    return -1;
                pt->crit = v, pt->has_crit = true;
            } else if (lp_key_is(k, ke, EVL_POINT_SUB_FIELD)) {
                if (e == p || *e != 'i' || pt->sub != 0 || v <= 0)
                    return -1;
                pt->sub = v;
            }
            p = lp_skip(p, end, ", ");
        }
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        break;
    }
    if (p >= end || *p != ' ')
        return -1;
    char *e;
    pt->time = strtoll(p + 1, &e, 10);
    return e == end ? 0 : -1;
}

static void lp_free(lp_point *pt)
{
    free(pt->msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    evl_event ev, back, fast;
    char err[256];
    evl_buf scratch = {0};
    /* The fast path accepts only what the full parser accepts, with the
     * same values. */
    int fast_rc = evl_event_scan((const char *)data, len, 0, &fast, &scratch);
    if (evl_event_parse((const char *)data, len, 0, &ev, err, sizeof err) != 0) {
        if (fast_rc == 0)
            abort();
        evl_buf_free(&scratch);
        return 0;
    }
    if (fast_rc == 0 &&
        (fast.criticality != ev.criticality || fast.time_ns != ev.time_ns ||
         strcmp(fast.timestamp, ev.timestamp) != 0 ||
         fast.message_len != ev.message_len ||
         memcmp(fast.message, ev.message, ev.message_len) != 0 || fast.obj))
        abort();
    evl_buf_free(&scratch);
    size_t cap = 6 * len + 256;
    char *buf = malloc(cap);
    int n = evl_event_format(buf, cap, ev.criticality, ev.timestamp, ev.message);
    if (n < 0)
        abort(); /* 6x is enough for any escaping */
    if (evl_event_parse(buf, (size_t)n, 0, &back, err, sizeof err) != 0)
        abort(); /* what we write, we read */
    if (back.criticality != ev.criticality || back.time_ns != ev.time_ns ||
        strcmp(back.timestamp, ev.timestamp) != 0 ||
        back.message_len != ev.message_len ||
        memcmp(back.message, ev.message, ev.message_len) != 0)
        abort();
    evl_event_free(&back);

    static const char *const tags[] = {"host", "criticality"};
    static const char *const fields[] = {"extra"};
    evl_lp_map map = {.measurement = "event", .tags = tags, .ntags = 2,
                      .fields = fields, .nfields = 1,
                      .crit_band_tag = "crit_band"};
    char band[EVL_CRIT_BAND_LEN];
    evl_crit_band(ev.criticality, band);
    evl_buf b = {0};
    /* A slot from the input, so that every part of the slot range is
     * exercised; the instant must come back from the point whatever it is. */
    uint64_t slot = 0;
    for (size_t i = 0; i < len; i++)
        slot = slot * 1099511628211u + data[i];
    if (evl_lp_event(&b, &map, &ev, slot, NULL, err, sizeof err) == 0) {
        /* One line, ended by LF.  (A raw LF inside a quoted string field
         * is part of the value: InfluxDB 1.6 stores it as such.) */
        if (b.len == 0 || b.data[b.len - 1] != '\n')
            abort();
        lp_point pt;
        if (lp_read(b.data, b.data + b.len - 1, &pt) != 0 || !pt.has_crit ||
            !pt.has_msg || pt.crit != ev.criticality ||
            evl_point_instant(pt.time, pt.sub) != ev.time_ns ||
            pt.msg_len != ev.message_len ||
            memcmp(pt.msg, ev.message, ev.message_len) != 0 || !pt.has_band ||
            strcmp(pt.band, band) != 0) {
            fprintf(stderr, "line protocol does not read back: %.*s\n",
                    (int)b.len, b.data);
            abort();
        }
        lp_free(&pt);
    } else if (b.len != 0) {
        abort(); /* on error the buffer is left as it was */
    }
    evl_buf_free(&b);
    evl_event_free(&ev);
    free(buf);
    return 0;
}
