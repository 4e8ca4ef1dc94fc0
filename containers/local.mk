# Containers: the image, compose.yml, Kubernetes manifests, scale-out.
#   make secrets            random secrets for compose.yml in ./secrets
#   make check-containers   build the image with podman and run the stack
CONTAINER_TESTS = t/5001-compose.t t/5002-scale-out.t t/5003-k8s.t
TESTS += $(CONTAINER_TESTS)
EXTRA_DIST += $(CONTAINER_TESTS) compose.yml containers/Containerfile \
	containers/Containerfile.dockerignore containers/make-secrets \
	containers/etc/daemon.cfg containers/etc/writer.cfg \
	containers/etc/reader.cfg containers/etc/client.cfg \
	containers/etc/pg-writer.cfg containers/etc/pg-reader.cfg \
	containers/etc/alert.cfg containers/alertmanager/Containerfile \
	containers/alertmanager/alertmanager.yml \
	containers/k8s/evhost.yaml containers/k8s/secret.example.yaml \
	containers/k8s/README.md containers/nats/nats.conf docs/scaling.md \
	docs/mqtt.md

secrets:
	$(SHELL) $(srcdir)/containers/make-secrets $(srcdir)/secrets
.PHONY: secrets

# The image and the compose stack with podman (installs it; see
# t/containers/run).  Called by .ci/run after the main suite.
check-containers:
	$(SHELL) $(srcdir)/t/containers/run
.PHONY: check-containers
EXTRA_DIST += t/containers/run t/containers/compose.test.yml \
	t/containers/nats.Containerfile t/containers/influxdb.Containerfile \
	t/containers/etc/daemon.cfg t/containers/etc/writer.cfg \
	t/containers/etc/reader.cfg t/containers/etc/client.cfg \
	t/containers/etc/alert.cfg
