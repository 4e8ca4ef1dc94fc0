#include "buf.h"

#include <stdlib.h>
#include <string.h>

int evl_buf_reserve(evl_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > ((size_t)-1) / 2)
            return -1;
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int evl_buf_add(evl_buf *b, const void *p, size_t n)
{
    if (evl_buf_reserve(b, n) != 0)
        return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int evl_buf_adds(evl_buf *b, const char *s)
{
    return evl_buf_add(b, s, strlen(s));
}

int evl_buf_addc(evl_buf *b, char c) { return evl_buf_add(b, &c, 1); }

int evl_buf_add_i64(evl_buf *b, long long v)
{
    /* Digits by hand: snprintf was 6% of the sink's CPU (two integers per
     * point).  Negated as unsigned so that LLONG_MIN works. */
    char tmp[24], *p = tmp + sizeof tmp;
    unsigned long long u =
        v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return evl_buf_add(b, p, (size_t)(tmp + sizeof tmp - p));
}

void evl_buf_reset(evl_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void evl_buf_free(evl_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
