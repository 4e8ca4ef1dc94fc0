# Shipped service configs, installed to $(sysconfdir)/evhost.
evhostconfdir = $(sysconfdir)/evhost
dist_evhostconf_DATA = etc/daemon.cfg etc/writer.cfg etc/reader.cfg \
	etc/client.cfg etc/all-in-one.cfg etc/tail.cfg etc/ingest.cfg \
	etc/pg-writer.cfg etc/pg-reader.cfg etc/http-query.cfg \
	etc/alert.cfg

# The systemd template unit, evhost@NAME runs $(sysconfdir)/evhost/NAME.cfg.
systemdsystemunit_DATA = etc/systemd/evhost@.service
etc/systemd/evhost@.service: $(srcdir)/etc/systemd/evhost@.service.in Makefile
	@mkdir -p etc/systemd
	$(AM_V_GEN)sed -e 's|@bindir[@]|$(bindir)|g' \
	  -e 's|@evhostconfdir[@]|$(evhostconfdir)|g' \
	  $(srcdir)/etc/systemd/evhost@.service.in >$@
CLEANFILES += etc/systemd/evhost@.service
EXTRA_DIST += etc/systemd/evhost@.service.in
