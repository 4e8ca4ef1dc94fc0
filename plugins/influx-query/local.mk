pkglib_LTLIBRARIES += plugins/influx-query/influx-query.la
plugins_influx_query_influx_query_la_SOURCES = \
	plugins/influx-query/influx-query.c \
	plugins/influx-query/request.c plugins/influx-query/request.h
plugins_influx_query_influx_query_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS)
plugins_influx_query_influx_query_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_influx_query_influx_query_la_LIBADD = plugins/lib/libevl-influx.la $(JSONC_LIBS) $(CURL_LIBS)
