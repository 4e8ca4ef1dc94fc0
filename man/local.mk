# Manual pages: evhost(8), evhost.cfg(5), evhost-plugin(3) and one page per
# plugin (7).  Makefile.am declares `dist_man_MANS =`; this adds to it.
dist_man_MANS += man/evhost.8 man/evhost.cfg.5 man/evhost-plugin.3 \
	man/evhost-generator.7 man/evhost-influx-sink.7 \
	man/evhost-influx-query.7 man/evhost-query-client.7 \
	man/evhost-file-sink.7 man/evhost-http-ingest.7 man/evhost-tail.7 \
	man/evhost-pg-sink.7 man/evhost-pg-query.7 man/evhost-http-query.7 \
	man/evhost-alert.7
