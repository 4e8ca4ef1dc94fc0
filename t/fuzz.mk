# libFuzzer targets (make fuzz): clang with -fsanitize=fuzzer,address,
# undefined; each runs FUZZ_SECONDS on a copy of its seed corpus in t/fuzz/.
# A crash leaves its input as t/fuzz/crash-*: add it to the seeds and to a
# unit test once fixed.
FUZZ_CC = clang
FUZZ_SECONDS = 30
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
	-include $(top_builddir)/config.h -I$(top_srcdir)/plugins/lib \
	-I$(top_srcdir)/plugins/influx-query
FUZZ_EVENT_SRC = t/fuzz/fuzz-event.c plugins/lib/event.c plugins/lib/buf.c \
	plugins/lib/lineproto.c
FUZZ_REQUEST_SRC = t/fuzz/fuzz-request.c plugins/influx-query/request.c \
	plugins/lib/event.c plugins/lib/buf.c
EXTRA_DIST += t/fuzz/fuzz-event.c t/fuzz/fuzz-request.c \
	t/fuzz/event/basic.json t/fuzz/event/edge.json \
	t/fuzz/event/regress-nul.json \
	t/fuzz/request/classic.json t/fuzz/request/edge.json

fuzz:
	@mkdir -p t/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) $(addprefix $(top_srcdir)/,$(FUZZ_EVENT_SRC)) $(JSONC_LIBS) -o t/fuzz/fuzz-event
	$(FUZZ_CC) $(FUZZ_FLAGS) $(addprefix $(top_srcdir)/,$(FUZZ_REQUEST_SRC)) $(JSONC_LIBS) -o t/fuzz/fuzz-request
	@for t in event request; do \
	  rm -rf t/fuzz/corpus-$$t; mkdir -p t/fuzz/corpus-$$t; \
	  echo "fuzz-$$t: $(FUZZ_SECONDS) s"; \
	  t/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=t/fuzz/crash-$$t- \
	    t/fuzz/corpus-$$t $(top_srcdir)/t/fuzz/$$t >t/fuzz/fuzz-$$t.log 2>&1 || \
	    { tail -n 40 t/fuzz/fuzz-$$t.log; exit 1; }; \
	  tail -n 1 t/fuzz/fuzz-$$t.log; \
	done
.PHONY: fuzz
clean-local: clean-fuzz
clean-fuzz:
	rm -rf t/fuzz/fuzz-event t/fuzz/fuzz-request t/fuzz/corpus-* t/fuzz/*.log
