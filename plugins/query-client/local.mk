pkglib_LTLIBRARIES += plugins/query-client/query-client.la
plugins_query_client_query_client_la_SOURCES = \
	plugins/query-client/query-client.c plugins/lib/querycfg.c \
	plugins/query-client/render.c plugins/query-client/render.h
plugins_query_client_query_client_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
plugins_query_client_query_client_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_query_client_query_client_la_LIBADD = plugins/lib/libevl.la $(JSONC_LIBS)
# evhost-client: the client's options (--json, --min-criticality) in front
# of evhost -c client.cfg.
bin_SCRIPTS = evhost-client
CLEANFILES += evhost-client
EXTRA_DIST += plugins/query-client/evhost-client.in
evhost-client: $(srcdir)/plugins/query-client/evhost-client.in Makefile
	$(AM_V_GEN)sed -e 's|@evhostconfdir@|$(sysconfdir)/evhost|g' \
		-e 's|@bindir@|$(bindir)|g' $(srcdir)/plugins/query-client/evhost-client.in >$@.tmp && \
		chmod +x $@.tmp && mv $@.tmp $@
