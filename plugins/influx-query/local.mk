pkglib_LTLIBRARIES += plugins/influx-query/influx-query.la
plugins_influx_query_influx_query_la_SOURCES = \
	plugins/influx-query/influx-query.c \
	plugins/influx-query/request.c plugins/influx-query/request.h \
	plugins/influx-query/counts.c plugins/influx-query/counts.h \
	plugins/influx-query/fit.c plugins/influx-query/fit.h \
	plugins/influx-query/send.c plugins/influx-query/send.h \
	plugins/influx-query/health.c plugins/influx-query/health.h \
	plugins/influx-query/workq.c plugins/influx-query/workq.h
plugins_influx_query_influx_query_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS)
plugins_influx_query_influx_query_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_influx_query_influx_query_la_LIBADD = plugins/lib/libevl-influx.la $(JSONC_LIBS) $(CURL_LIBS) $(PTHREAD_LIBS)
