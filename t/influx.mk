# influx-sink and influx-query against a real nats-server and influxd (2xxx),
# and the suite's NATS client for exact bytes.
check_PROGRAMS += t/tools/evh-nats
t_tools_evh_nats_SOURCES = t/tools/evh-nats.c
t_tools_evh_nats_CFLAGS = $(AM_CFLAGS) $(NATS_CFLAGS)
t_tools_evh_nats_LDADD = $(NATS_LIBS)

INFLUX_TESTS = t/2001-sink.t t/2002-sink-hostile.t t/2003-query.t \
	t/2004-sink-oversize.t t/2005-mqtt.t t/2006-file-sink.t \
	t/2007-influx-auth.t t/2010-point-identity.t t/2011-query-always-answers.t
TESTS += $(INFLUX_TESTS)
EXTRA_DIST += $(INFLUX_TESTS)

# http-ingest: request parsing (unit), the plugin against real servers, two
# of it behind nginx.
if HTTP_INGEST
check_PROGRAMS += t/unit/test-ingest-batch
t_unit_test_ingest_batch_SOURCES = t/unit/test-ingest-batch.c t/unit/tap.h \
	plugins/http-ingest/batch.c
t_unit_test_ingest_batch_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/http-ingest
t_unit_test_ingest_batch_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
t_unit_test_ingest_batch_LDADD = plugins/lib/libevl.la $(JSONC_LIBS)
TESTS += t/unit/test-ingest-batch t/2008-http-ingest.t t/2009-http-nginx.t \
	t/2012-http-ingest-atomic.t
endif
EXTRA_DIST += t/2008-http-ingest.t t/2009-http-nginx.t t/2012-http-ingest-atomic.t

# The query request members (issue 18): 7xxx.
QUERY_TESTS = t/7001-query-members.t
TESTS += $(QUERY_TESTS)
EXTRA_DIST += $(QUERY_TESTS)
if HTTP_INGEST
TESTS += t/7002-http-query.t
endif
EXTRA_DIST += t/7002-http-query.t
TESTS += t/7003-openapi.t
EXTRA_DIST += t/7003-openapi.t t/tools/openapi-check.py docs/openapi.yaml
TESTS += t/7004-client-tail-conditions.t
EXTRA_DIST += t/7004-client-tail-conditions.t
