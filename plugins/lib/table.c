#include "table.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "event.h"

void evl_table_clock(int64_t ns, bool with_date, char *buf, size_t cap)
{
    time_t secs = (time_t)(ns / 1000000000);
    struct tm tm;
    localtime_r(&secs, &tm);
    strftime(buf, cap, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
}

void evl_table_local_time(const char *rfc3339, char *buf, size_t cap)
{
    int64_t ns;
    if (evl_time_parse(rfc3339, strlen(rfc3339), &ns) != 0) {
        snprintf(buf, cap, "%s", rfc3339);
        return;
    }
    time_t secs = (time_t)(ns / 1000000000);
    int64_t frac = ns % 1000000000;
    if (frac < 0) {
        frac += 1000000000;
        secs--;
    }
    struct tm tm;
    localtime_r(&secs, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%03lld", (long long)(frac / 1000000));
}

void evl_table_add_visible(evl_buf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n')
            evl_buf_adds(out, "\\n");
        else if (*p == '\r')
            evl_buf_adds(out, "\\r");
        else if (*p == '\t')
            evl_buf_adds(out, "\\t");
        else if (*p < 0x20 || *p == 0x7f) {
            char hex[8];
            snprintf(hex, sizeof hex, "\\x%02x", *p);
            evl_buf_adds(out, hex);
        } else
            evl_buf_addc(out, (char)*p);
    }
}

void evl_table_row(evl_buf *out, char mark, int64_t criticality,
                   const char *timestamp, const char *message)
{
    char t[64], head[128];
    evl_table_local_time(timestamp, t, sizeof t);
    snprintf(head, sizeof head, " %c %-23s %5lld  ", mark, t,
             (long long)criticality);
    evl_buf_adds(out, head);
    evl_table_add_visible(out, message);
    evl_buf_addc(out, '\n');
}
