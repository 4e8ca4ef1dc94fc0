# Shipped service configs, installed to $(sysconfdir)/evhost.
evhostconfdir = $(sysconfdir)/evhost
dist_evhostconf_DATA = etc/daemon.cfg etc/writer.cfg etc/reader.cfg \
	etc/client.cfg etc/all-in-one.cfg etc/tail.cfg etc/ingest.cfg
