# PostgreSQL: pg-sink, pg-query and http-ingest's accounts against a real
# nats-server and a throwaway PostgreSQL cluster (8xxx).
PG_TESTS = t/8001-pg-store.t t/8002-pg-outage.t t/8003-pg-writer-kill.t t/8004-pg-hostile.t t/8005-pg-accounts.t
TESTS += $(PG_TESTS)
EXTRA_DIST += $(PG_TESTS) t/pg.mk
