/* One logging path for the host and its plugins: logfmt lines on stderr. */
#ifndef EVH_LOG_H
#define EVH_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include "evhost/plugin.h"

/** Set the level below which lines are dropped (EVH_LOG_INFO at start). */
void log_set_level(evh_log_level level);
evh_log_level log_get_level(void);
/** Parse "error", "warn", "info", "debug"; returns -1 if unknown. */
int log_level_parse(const char *s);

/** Log a line attributed to `who` ("host" for the host itself). */
void log_write(const char *who, evh_log_level level, const char *fmt,
               va_list ap) __attribute__((format(printf, 3, 0)));
void log_as(const char *who, evh_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_host(evh_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define LOG_ERROR(...) log_host(EVH_LOG_ERROR, __VA_ARGS__)
#define LOG_WARN(...) log_host(EVH_LOG_WARN, __VA_ARGS__)
#define LOG_INFO(...) log_host(EVH_LOG_INFO, __VA_ARGS__)
#define LOG_DEBUG(...) log_host(EVH_LOG_DEBUG, __VA_ARGS__)

#endif
