# The evhost binary.  It compiles the RFC 3339 parser it shares with the
# plugins' event code (common/), for `deliver = "since <time>"`;
# -Wl,--dynamic-list exports only the evh_* API.
bin_PROGRAMS += evhost
evhost_SOURCES = \
	host/main.c host/host.h host/supervise.c host/supervise.h \
	host/config_file.c host/config_file.h host/settings.c host/settings.h \
	host/conn.c host/instance.c host/jetstream.c host/jetstream.h host/jsconfirm.c host/kv.c \
	host/msg.c \
	host/retry.c host/services.c host/stats.c host/status.c \
	host/loader.c host/loader.h host/log.c host/log.h \
	host/secret.c host/secret.h host/natsfiles.c host/natsfiles.h \
	host/notify.c host/notify.h host/metrics.c host/metrics.h \
	common/rfc3339.c common/rfc3339.h common/wipe.h
evhost_CPPFLAGS = $(BASE_CPPFLAGS) -I$(top_srcdir)/host
evhost_CFLAGS = $(AM_CFLAGS) $(NATS_CFLAGS) $(LIBCONFIG_CFLAGS) $(JSONC_CFLAGS) \
	$(SYSTEMD_CFLAGS) $(MHD_CFLAGS)
evhost_LDADD = $(NATS_LIBS) $(LIBCONFIG_LIBS) $(JSONC_LIBS) $(SYSTEMD_LIBS) \
	$(MHD_LIBS) $(PTHREAD_LIBS)
# Export the evh_* API (and nothing else) to plugins.
evhost_LDFLAGS = $(AM_LDFLAGS) -Wl,--dynamic-list=$(srcdir)/host/evhost.dynlist
EXTRA_DIST += host/evhost.dynlist
