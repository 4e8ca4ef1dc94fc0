# The alert plugin against real nats-server, Alertmanager and an HTTP
# receiver (60xx).
ALERT_TESTS = t/6001-alert-threshold.t t/6002-alert-rate.t t/6003-alert-deadman.t \
	t/6004-alert-kill.t t/6005-alert-webhook.t t/6006-alert-config.t
TESTS += $(ALERT_TESTS)
EXTRA_DIST += $(ALERT_TESTS) t/lib/alert.sh t/lib/receiver.py
check_PROGRAMS += t/unit/test-alert-eval
t_unit_test_alert_eval_SOURCES = t/unit/test-alert-eval.c t/unit/tap.h \
	plugins/alert/eval.c plugins/alert/state.c plugins/alert/body.c
t_unit_test_alert_eval_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/alert
t_unit_test_alert_eval_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
t_unit_test_alert_eval_LDADD = plugins/lib/libevl.la $(JSONC_LIBS)
TESTS += t/unit/test-alert-eval
