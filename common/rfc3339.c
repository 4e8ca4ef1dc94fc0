/* RFC 3339 date-times (see rfc3339.h). */
#include "rfc3339.h"

#include <stdbool.h>

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * algorithm), valid for any year representable here. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int digits(const char *s, size_t len, size_t *pos, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (*pos >= len || s[*pos] < '0' || s[*pos] > '9')
            return -1;
        v = v * 10 + (s[(*pos)++] - '0');
    }
    *out = v;
    return 0;
}

static bool expect(const char *s, size_t len, size_t *pos, char c)
{
    if (*pos < len && s[*pos] == c) {
        (*pos)++;
        return true;
    }
    return false;
}

/* Two-digit fields with a separator between them: "YYYY-MM-DD" has a
 * four-digit first field. */
static int fields(const char *s, size_t len, size_t *p, int first, char sep,
                  int f[3])
{
    if (digits(s, len, p, first, &f[0]) || !expect(s, len, p, sep) ||
        digits(s, len, p, 2, &f[1]) || !expect(s, len, p, sep) ||
        digits(s, len, p, 2, &f[2]))
        return -1;
    return 0;
}

/* ".nnn" (optional): the fraction in ns. */
static int fraction(const char *s, size_t len, size_t *p, int *frac)
{
    int fdigits = 0;
    *frac = 0;
    if (!expect(s, len, p, '.'))
        return 0;
    while (*p < len && s[*p] >= '0' && s[*p] <= '9') {
        if (fdigits == 9)
            return -1; /* more than nanoseconds */
        *frac = *frac * 10 + (s[(*p)++] - '0');
        fdigits++;
    }
    if (fdigits == 0)
        return -1;
    for (int i = fdigits; i < 9; i++)
        *frac *= 10;
    return 0;
}

/* "Z" or "+hh:mm" / "-hh:mm": the offset in minutes.  RFC 3339 requires a
 * zone. */
static int zone(const char *s, size_t len, size_t *p, int *off_min)
{
    *off_min = 0;
    if (expect(s, len, p, 'Z') || expect(s, len, p, 'z'))
        return 0;
    if (*p >= len || (s[*p] != '+' && s[*p] != '-'))
        return -1;
    int sign = s[(*p)++] == '-' ? -1 : 1, oh, om;
    if (digits(s, len, p, 2, &oh) || !expect(s, len, p, ':') ||
        digits(s, len, p, 2, &om) || oh > 23 || om > 59)
        return -1;
    *off_min = sign * (oh * 60 + om);
    return 0;
}

/* A leap second is :60 of the last minute of a UTC day (23:59:60Z, or
 * 00:59:60+01:00).  Stored as POSIX time counts it, the first second of
 * the next day: in order with the seconds around it. */
static bool in_range(const int date[3], const int clock[3], int off_min)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int Y = date[0], M = date[1], D = date[2];
    int h = clock[0], mi = clock[1], sec = clock[2];
    bool leap_second =
        sec == 60 && ((h * 60 + mi - off_min) % 1440 + 1440) % 1440 == 1439;
    return M >= 1 && M <= 12 && D >= 1 &&
           D <= mdays[M - 1] + (M == 2 && leap(Y)) && h <= 23 && mi <= 59 &&
           (sec <= 59 || leap_second);
}

int rfc3339_parse(const char *s, size_t len, int64_t *ns)
{
    size_t p = 0;
    int date[3], clock[3], frac, off_min;

    if (fields(s, len, &p, 4, '-', date))
        return -1;
    if (p >= len || (s[p] != 'T' && s[p] != 't' && s[p] != ' '))
        return -1;
    p++;
    if (fields(s, len, &p, 2, ':', clock) || fraction(s, len, &p, &frac) ||
        zone(s, len, &p, &off_min) || p != len ||
        !in_range(date, clock, off_min))
        return -1;
    int64_t days = days_from_civil(date[0], date[1], date[2]);
    int64_t secs = days * 86400 + clock[0] * 3600 + clock[1] * 60 + clock[2] -
                   off_min * 60;
    /* InfluxDB stores int64 ns but for its two extremes, which it keeps as
     * markers (MinNanoTime = INT64_MIN + 2, MaxNanoTime = INT64_MAX - 1). */
    int64_t t;
    /* Before the epoch with a fraction, secs * 10^9 alone can overflow
     * where the time itself does not (the earliest time above). */
    int64_t whole = secs < 0 && frac ? secs + 1 : secs;
    int64_t part = secs < 0 && frac ? frac - 1000000000 : frac;
    if (__builtin_mul_overflow(whole, INT64_C(1000000000), &t) ||
        __builtin_add_overflow(t, part, &t) || t < INT64_MIN + 2 ||
        t > INT64_MAX - 1)
        return -2;
    *ns = t;
    return 0;
}
