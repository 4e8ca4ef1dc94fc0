# PostgreSQL: pg-sink, pg-query and http-ingest's accounts against a real
# nats-server and a throwaway PostgreSQL cluster (8xxx).
PG_TESTS = t/8001-pg-store.t
TESTS += $(PG_TESTS)
EXTRA_DIST += $(PG_TESTS) t/pg.mk
