/* Tiny TAP for C unit tests. */
#ifndef EVH_TEST_TAP_H
#define EVH_TEST_TAP_H
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define OK(cond, ...)                                                          \
    do {                                                                       \
        int ok_ = !!(cond);                                                    \
        printf("%s %d - ", ok_ ? "ok" : "not ok", ++tap_n);                    \
        printf(__VA_ARGS__);                                                   \
        printf("\n");                                                          \
        if (!ok_) {                                                            \
            tap_failed++;                                                      \
            printf("#   at %s:%d\n", __FILE__, __LINE__);                      \
        }                                                                      \
    } while (0)

#define IS_STR(got, want, ...)                                                 \
    do {                                                                       \
        const char *g_ = (got), *w_ = (want);                                  \
        int same_ = g_ && w_ && strcmp(g_, w_) == 0;                           \
        OK(same_, __VA_ARGS__);                                                \
        if (!same_)                                                            \
            printf("#        got: [%s]\n#   expected: [%s]\n",                  \
                   g_ ? g_ : "(null)", w_ ? w_ : "(null)");                    \
    } while (0)

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}
#endif
