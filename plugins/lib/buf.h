/* A growable byte buffer: the one output type of the encoders. */
#ifndef EVL_BUF_H
#define EVL_BUF_H

#include <stddef.h>

typedef struct evl_buf {
    char *data; /* NUL-terminated when non-NULL */
    size_t len, cap;
} evl_buf;

/** Make room for `extra` more bytes (+ NUL).  0 or -1 (out of memory). */
int evl_buf_reserve(evl_buf *b, size_t extra);
int evl_buf_add(evl_buf *b, const void *p, size_t n);
int evl_buf_adds(evl_buf *b, const char *s);
int evl_buf_addc(evl_buf *b, char c);
/** Append a formatted integer. */
int evl_buf_add_i64(evl_buf *b, long long v);
/** Forget the content, keep the memory. */
void evl_buf_reset(evl_buf *b);
void evl_buf_free(evl_buf *b);

#endif
