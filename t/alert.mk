# The alert plugin against real nats-server, Alertmanager and an HTTP
# receiver (60xx).
ALERT_TESTS = t/6001-alert-threshold.t t/6002-alert-rate.t t/6003-alert-deadman.t \
	t/6004-alert-kill.t t/6005-alert-webhook.t t/6006-alert-config.t
TESTS += $(ALERT_TESTS)
EXTRA_DIST += $(ALERT_TESTS) t/lib/alert.sh t/lib/receiver.py
