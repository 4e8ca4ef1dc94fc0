/*
 * Logging: `ts=... level=... instance=... msg="..."` on stderr, one write per
 * line under a lock so lines from several threads never interleave.  An
 * identical line repeated by the same source within REPEAT_WINDOW_S is
 * counted instead of printed, so a flood of one error cannot drown the log.
 */
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define REPEAT_WINDOW_S 10
#define LINE_MAX_BYTES 4096

/* Read by every thread, set by the main thread on reload. */
static _Atomic int g_level = EVH_LOG_INFO;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

/* Repeat suppression state (protected by g_lock). */
static char g_last_who[128];
static char g_last_msg[LINE_MAX_BYTES];
static time_t g_last_time;
static evh_log_level g_last_level;
static unsigned long g_repeats;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(evh_log_level level) { g_level = level; }
evh_log_level log_get_level(void) { return (evh_log_level)g_level; }

int log_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    if (strcmp(s, "warning") == 0)
        return EVH_LOG_WARN;
    return -1;
}

/* Quote a value for logfmt: backslash-escape '"' and '\', and make control
 * characters visible so one log record stays one line. */
static size_t quote(char *out, size_t cap, const char *in)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && n + 5 < cap;
         p++) {
        if (*p == '"' || *p == '\\') {
            out[n++] = '\\';
            out[n++] = (char)*p;
        } else if (*p == '\n') {
            out[n++] = '\\';
            out[n++] = 'n';
        } else if (*p < 0x20 || *p == 0x7f) {
            n += (size_t)snprintf(out + n, cap - n, "\\x%02x", *p);
        } else {
            out[n++] = (char)*p;
        }
    }
    out[n] = '\0';
    return n;
}

static void emit(const char *who, evh_log_level level, const char *msg)
{
    char ts[40], qmsg[LINE_MAX_BYTES * 2], qwho[256];
    struct timespec now;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03ldZ", now.tv_nsec / 1000000);
    quote(qmsg, sizeof qmsg, msg);
    quote(qwho, sizeof qwho, who);
    fprintf(stderr, "ts=%s level=%s instance=\"%s\" msg=\"%s\"\n", ts,
            level_names[level], qwho, qmsg);
}

void log_write(const char *who, evh_log_level level, const char *fmt,
               va_list ap)
{
    char msg[LINE_MAX_BYTES];

    if ((int)level > g_level)
        return;
    if ((int)level < 0)
        level = EVH_LOG_ERROR;
    vsnprintf(msg, sizeof msg, fmt, ap);

    pthread_mutex_lock(&g_lock);
    time_t now = time(NULL);
    bool same = strcmp(who, g_last_who) == 0 && strcmp(msg, g_last_msg) == 0;
    if (same && now - g_last_time < REPEAT_WINDOW_S) {
        g_repeats++;
        pthread_mutex_unlock(&g_lock);
        return;
    }
    if (g_repeats > 0) {
        char note[128];
        snprintf(note, sizeof note, "last message repeated %lu more times",
                 g_repeats);
        emit(g_last_who, g_last_level, note);
    }
    g_repeats = 0;
    snprintf(g_last_who, sizeof g_last_who, "%s", who);
    snprintf(g_last_msg, sizeof g_last_msg, "%s", msg);
    g_last_time = now;
    g_last_level = level;
    emit(who, level, msg);
    fflush(stderr);
    pthread_mutex_unlock(&g_lock);
}

void log_host(evh_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_write("host", level, fmt, ap);
    va_end(ap);
}

void log_as(const char *who, evh_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_write(who, level, fmt, ap);
    va_end(ap);
}
