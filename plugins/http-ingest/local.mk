# http-ingest: events over HTTP (libmicrohttpd); --disable-http-ingest
# leaves it out.  Accounts (accounts.c) in PostgreSQL through libpq.
if HTTP_INGEST
pkglib_LTLIBRARIES += plugins/http-ingest/http-ingest.la
plugins_http_ingest_http_ingest_la_SOURCES = \
	plugins/http-ingest/http-ingest.c \
	plugins/http-ingest/batch.c plugins/http-ingest/batch.h \
	plugins/http-ingest/accounts.c plugins/http-ingest/accounts.h
plugins_http_ingest_http_ingest_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(MHD_CFLAGS) $(PQ_CFLAGS)
plugins_http_ingest_http_ingest_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_http_ingest_http_ingest_la_LIBADD = plugins/lib/libevl-pg.la $(JSONC_LIBS) $(MHD_LIBS) $(PQ_LIBS) $(PTHREAD_LIBS)
endif
