# influx-sink and influx-query against a real nats-server and influxd (2xxx),
# and the suite's NATS client for exact bytes.
check_PROGRAMS += t/tools/evh-nats
t_tools_evh_nats_SOURCES = t/tools/evh-nats.c
t_tools_evh_nats_CFLAGS = $(AM_CFLAGS) $(NATS_CFLAGS)
t_tools_evh_nats_LDADD = $(NATS_LIBS)

INFLUX_TESTS = t/2001-sink.t t/2002-sink-hostile.t t/2003-query.t \
	t/2004-sink-oversize.t t/2005-mqtt.t t/2006-file-sink.t \
	t/2007-influx-auth.t
TESTS += $(INFLUX_TESTS)
EXTRA_DIST += $(INFLUX_TESTS)
