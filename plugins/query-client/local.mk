pkglib_LTLIBRARIES += plugins/query-client/query-client.la
plugins_query_client_query_client_la_SOURCES = \
	plugins/query-client/query-client.c plugins/lib/querycfg.c \
	plugins/query-client/render.c plugins/query-client/render.h
plugins_query_client_query_client_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
plugins_query_client_query_client_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_query_client_query_client_la_LIBADD = plugins/lib/libevl.la $(JSONC_LIBS)
