# http-query: GET /events and /events/counts answered by asking the reader
# over NATS (libmicrohttpd, like http-ingest; built with it).
if HTTP_INGEST
pkglib_LTLIBRARIES += plugins/http-query/http-query.la
plugins_http_query_http_query_la_SOURCES = \
	plugins/http-query/http-query.c \
	plugins/http-query/params.c plugins/http-query/params.h
plugins_http_query_http_query_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(MHD_CFLAGS)
plugins_http_query_http_query_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_http_query_http_query_la_LIBADD = plugins/lib/libevl.la $(JSONC_LIBS) $(MHD_LIBS)
endif
