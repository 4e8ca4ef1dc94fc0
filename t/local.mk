# Tests: TAP through automake's tap-driver.  Shell tests are t/NNNN-*.t,
# C unit tests are check_PROGRAMS that print TAP.  Test fragments:
#   t/host.mk     host, loader, NATS wiring (0xxx)
#   t/lib.mk      plugins/lib unit tests (1xxx)
#   t/influx.mk   influx-sink / influx-query against real servers (2xxx)
#   t/services.mk generator / query-client / end to end (3xxx)
TEST_EXTENSIONS = .t
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
T_LOG_DRIVER = $(LOG_DRIVER)
T_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	EVHOST="$${EVHOST_TEST:-$(abs_top_builddir)/evhost}"; export EVHOST; \
	EVHOST_PLUGIN_PATH='$(abs_top_builddir)/plugins/generator/.libs:$(abs_top_builddir)/plugins/influx-sink/.libs:$(abs_top_builddir)/plugins/influx-query/.libs:$(abs_top_builddir)/plugins/query-client/.libs:$(abs_top_builddir)/plugins/file-sink/.libs:$(abs_top_builddir)/t/plugins/.libs:$(abs_top_builddir)/plugins/tail/.libs:$(abs_top_builddir)/plugins/http-ingest/.libs:$(abs_top_builddir)/plugins/pg-sink/.libs:$(abs_top_builddir)/plugins/pg-query/.libs:$(abs_top_builddir)/plugins/http-query/.libs:$(abs_top_builddir)/plugins/alert/.libs'; export EVHOST_PLUGIN_PATH;

# Shared helpers sourced by shell tests.
EXTRA_DIST += t/lib/tap.sh t/lib/servers.sh t/lib/points.jq t/lib/deps.sh t/check t/demo

include $(srcdir)/t/host.mk
include $(srcdir)/t/lib.mk
include $(srcdir)/t/influx.mk
include $(srcdir)/t/services.mk
include $(srcdir)/t/pg.mk
include $(srcdir)/t/alert.mk
include $(srcdir)/t/bench.mk
include $(srcdir)/t/fuzz.mk
include $(srcdir)/t/analyze.mk

# Every evhost process of the end-to-end tests under valgrind (memcheck):
# 0 errors, 0 bytes definitely lost.  Part of t/check.
check-valgrind: all
	@$(SHELL) $(srcdir)/t/valgrind/run
.PHONY: check-valgrind
EXTRA_DIST += t/valgrind/run

# Line coverage of host/ and plugins/ by make check (gcov + lcov, separate
# build in _build/coverage); prints the figures, fails below 85%.
coverage:
	@$(SHELL) $(srcdir)/t/coverage/run $(abs_top_srcdir)
.PHONY: coverage
EXTRA_DIST += t/coverage/run
