# The evhost binary.  It compiles the shared event code too, for RFC 3339
# times in the config (`deliver = "since <time>"`); -Wl,--dynamic-list keeps
# those evl_* symbols private to the binary.
bin_PROGRAMS += evhost
evhost_SOURCES = \
	host/main.c host/host.h \
	host/conf.c host/conf.h host/cfg.c host/cfg.h \
	host/conn.c host/instance.c host/jetstream.c host/jsconfirm.c host/kv.c host/msg.c \
	host/retry.c host/services.c host/stats.c host/status.c \
	host/loader.c host/loader.h host/log.c host/log.h \
	host/secret.c host/secret.h host/natsfiles.c host/natsfiles.h \
	host/notify.c host/notify.h host/metrics.c host/metrics.h \
	plugins/lib/event.c plugins/lib/event.h
evhost_CFLAGS = $(AM_CFLAGS) $(NATS_CFLAGS) $(LIBCONFIG_CFLAGS) $(JSONC_CFLAGS) \
	$(SYSTEMD_CFLAGS) $(MHD_CFLAGS)
evhost_LDADD = $(NATS_LIBS) $(LIBCONFIG_LIBS) $(JSONC_LIBS) $(SYSTEMD_LIBS) \
	$(MHD_LIBS) $(PTHREAD_LIBS)
# Export the evh_* API (and nothing else) to plugins.
evhost_LDFLAGS = $(AM_LDFLAGS) -Wl,--dynamic-list=$(srcdir)/host/evhost.dynlist
EXTRA_DIST += host/evhost.dynlist
