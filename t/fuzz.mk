# libFuzzer targets (make fuzz): clang with -fsanitize=fuzzer,address,
# undefined; each runs FUZZ_SECONDS on a copy of its seed corpus in t/fuzz/.
# A crash leaves its input as t/fuzz/crash-*: add it to the seeds and to a
# unit test once fixed.  fuzz-config runs without leak detection: libconfig
# 1.5's scanner leaks on some malformed files (in strbuf_append and
# libconfig_yylex, not ours to fix); the ASan and valgrind stages check the
# host's own leaks on every config the suite loads.
FUZZ_CC = clang
FUZZ_SECONDS = 30
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
	-include $(top_builddir)/config.h -I$(top_srcdir)/include \
	-I$(top_srcdir)/common -I$(top_srcdir)/plugins/lib \
	-I$(top_srcdir)/plugins/influx-query
FUZZ_EVENT_SRC = t/fuzz/fuzz-event.c plugins/lib/event.c common/rfc3339.c plugins/lib/event_scan.c plugins/lib/buf.c \
	plugins/lib/lineproto.c
FUZZ_REQUEST_SRC = t/fuzz/fuzz-request.c plugins/influx-query/request.c plugins/lib/lineproto.c \
	plugins/lib/event.c common/rfc3339.c plugins/lib/buf.c plugins/lib/query.c
FUZZ_QUERY_SRC = t/fuzz/fuzz-query.c plugins/lib/query.c plugins/lib/event.c common/rfc3339.c plugins/lib/buf.c
FUZZ_CONFIG_SRC = t/fuzz/fuzz-config.c host/config_file.c host/settings.c host/log.c common/rfc3339.c
FUZZ_PG_SRC = t/fuzz/fuzz-pg.c plugins/pg-sink/rows.c plugins/pg-query/sql.c \
	plugins/lib/pg.c plugins/lib/query.c plugins/lib/event.c common/rfc3339.c plugins/lib/buf.c
EXTRA_DIST += t/fuzz/fuzz-pg.c t/fuzz/pg/event.json t/fuzz/pg/request.json \
	t/fuzz/pg/counts.json
FUZZ_ALERT_SRC = t/fuzz/fuzz-alert.c plugins/alert/state.c plugins/lib/filter.c plugins/lib/buf.c
EXTRA_DIST += t/fuzz/fuzz-event.c t/fuzz/fuzz-request.c t/fuzz/fuzz-config.c \
	t/fuzz/fuzz-query.c t/fuzz/query/classic.json t/fuzz/query/all.json \
	t/fuzz/query/counts.json t/fuzz/query/cursor.txt \
	t/fuzz/config/edge.cfg t/fuzz/config/all-in-one.cfg \
	t/fuzz/event/basic.json t/fuzz/event/edge.json \
	t/fuzz/event/regress-nul.json t/fuzz/event/regress-tag-backslash.json \
	t/fuzz/request/new-members.json t/fuzz/request/counts.json t/fuzz/request/classic.json t/fuzz/request/edge.json t/fuzz/request/answer.json \
	t/fuzz/request/regress-series-string.json \
	t/fuzz/fuzz-alert.c t/fuzz/alert/where.txt t/fuzz/alert/record.txt t/fuzz/alert/edge.txt

fuzz:
	@mkdir -p t/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) $(addprefix $(top_srcdir)/,$(FUZZ_EVENT_SRC)) $(JSONC_LIBS) -o t/fuzz/fuzz-event
	$(FUZZ_CC) $(FUZZ_FLAGS) $(addprefix $(top_srcdir)/,$(FUZZ_REQUEST_SRC)) $(JSONC_LIBS) -o t/fuzz/fuzz-request
	$(FUZZ_CC) $(FUZZ_FLAGS) $(addprefix $(top_srcdir)/,$(FUZZ_QUERY_SRC)) $(JSONC_LIBS) -o t/fuzz/fuzz-query
	$(FUZZ_CC) $(FUZZ_FLAGS) -I$(top_srcdir)/plugins/pg-sink -I$(top_srcdir)/plugins/pg-query $(PQ_CFLAGS) $(addprefix $(top_srcdir)/,$(FUZZ_PG_SRC)) $(JSONC_LIBS) $(PQ_LIBS) -o t/fuzz/fuzz-pg
	$(FUZZ_CC) $(FUZZ_FLAGS) -I$(top_srcdir)/host -DEVH_PKGLIBDIR='"/nonexistent"' -DEVH_SYSCONFDIR='"/nonexistent"' $(addprefix $(top_srcdir)/,$(FUZZ_CONFIG_SRC)) $(LIBCONFIG_LIBS) $(JSONC_LIBS) -lpthread -o t/fuzz/fuzz-config
	$(FUZZ_CC) $(FUZZ_FLAGS) -I$(top_srcdir)/plugins/alert $(addprefix $(top_srcdir)/,$(FUZZ_ALERT_SRC)) $(JSONC_LIBS) -o t/fuzz/fuzz-alert
	@for t in event request query pg config alert; do \
	  rm -rf t/fuzz/corpus-$$t; mkdir -p t/fuzz/corpus-$$t; \
	  echo "fuzz-$$t: $(FUZZ_SECONDS) s"; \
	  leaks=1; [ $$t = config ] && leaks=0; \
	  ASAN_OPTIONS=detect_leaks=$$leaks \
	  t/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -close_fd_mask=2 -detect_leaks=$$leaks -artifact_prefix=t/fuzz/crash-$$t- \
	    t/fuzz/corpus-$$t $(top_srcdir)/t/fuzz/$$t >t/fuzz/fuzz-$$t.log 2>&1 || \
	    { tail -n 40 t/fuzz/fuzz-$$t.log; exit 1; }; \
	  grep "^Done" t/fuzz/fuzz-$$t.log | tail -n 1; \
	done
.PHONY: fuzz
clean-local: clean-fuzz
clean-fuzz:
	rm -rf t/fuzz/fuzz-event t/fuzz/fuzz-request t/fuzz/fuzz-query t/fuzz/fuzz-pg t/fuzz/fuzz-config t/fuzz/fuzz-alert t/fuzz/corpus-* t/fuzz/*.log
