# ccqa — the two commands that matter: `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/ccqa

# Development services (deploy/dev/*.sh). Tests use these unless CCQA_TEST_CLICKHOUSE /
# CCQA_TEST_KAFKA point at existing servers.
CCQA_CH_TCP_PORT ?= 19000
CCQA_KAFKA_PORT ?= 19092
export CCQA_CH_TCP_PORT CCQA_KAFKA_PORT

.PHONY: all build demo test test-unit vet fuzz services-up services-down install-deps clean bench-decode bench-ingest

all: build

build:
	$(GO) build -o $(BIN) ./cmd/ccqa

install-deps:
	deploy/dev/install.sh

# Runs the main job end to end: a month of traffic through an embedded Kafka into the local
# ClickHouse (installed and started first when missing), then the per-agent table.
demo:
	deploy/dev/install.sh clickhouse
	deploy/dev/clickhouse.sh up
	$(GO) run ./cmd/ccqa demo --clickhouse 127.0.0.1:$(CCQA_CH_TCP_PORT) $(DEMO_FLAGS)

services-up:
	deploy/dev/clickhouse.sh up
	deploy/dev/kafka.sh up

services-down:
	-deploy/dev/kafka.sh down
	-deploy/dev/clickhouse.sh down

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Unit tests plus integration tests against a real Kafka broker and a real ClickHouse server.
# The services are started here unless the CCQA_TEST_* variables point at running ones; with
# CCQA_REQUIRE_SERVICES=1 an integration test fails instead of skipping when they are missing.
test: vet
	@if [ -z "$$CCQA_TEST_CLICKHOUSE" ] || [ -z "$$CCQA_TEST_KAFKA" ]; then deploy/dev/install.sh && $(MAKE) --no-print-directory services-up; fi
	CCQA_TEST_CLICKHOUSE=$${CCQA_TEST_CLICKHOUSE:-127.0.0.1:$(CCQA_CH_TCP_PORT)} \
	CCQA_TEST_KAFKA=$${CCQA_TEST_KAFKA:-127.0.0.1:$(CCQA_KAFKA_PORT)} \
	CCQA_REQUIRE_SERVICES=1 \
	CCQA_CHDB_PYTHON=$${CCQA_CHDB_PYTHON:-$$(metrics/compat/install.sh || echo)} \
	$(GO) test -count=1 -timeout 15m ./...

# Unit tests only: no services needed (integration tests skip).
test-unit:
	$(GO) test -count=1 ./...

# Short fuzzing of every event decoder.
FUZZTIME ?= 20s
fuzz:
	for f in FuzzDecodeCall FuzzDecodeChat FuzzDecodeSurvey FuzzDecodeOrder FuzzFastDecoders; do \
	  $(GO) test ./event -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) || exit 1; done

bench-decode:
	$(GO) test ./event -run='^$$' -bench=. -benchmem

# Ingest end to end on the real broker and ClickHouse (started unless CCQA_BENCH_* point at
# running ones): BENCH_EVENTS events, calls only and mixed, against the raw clickhouse-go ceiling.
BENCH_EVENTS ?= 1000000
bench-ingest: build
	@if [ -z "$$CCQA_BENCH_CLICKHOUSE" ] || [ -z "$$CCQA_BENCH_KAFKA" ]; then $(MAKE) --no-print-directory services-up; fi
	$(BIN) bench ingest --events $(BENCH_EVENTS) $(BENCH_FLAGS) \
	  --clickhouse $${CCQA_BENCH_CLICKHOUSE:-127.0.0.1:$(CCQA_CH_TCP_PORT)} \
	  --brokers $${CCQA_BENCH_KAFKA:-127.0.0.1:$(CCQA_KAFKA_PORT)}

clean:
	rm -rf bin

# QA review: auto-QA phrase detection, monthly sampling and review scoring (pure Go, no services).
.PHONY: bench-qa
bench-qa:
	$(GO) test ./qa -run='^$$' -bench=. -benchmem

# Metrics on a year of traffic: loads 10,000,000 contacts for 1,000 agents over 12 months
# straight into ClickHouse (once, kept in database ccqa_bench; CCQA_BENCH_RELOAD=1 reloads), then
# times the monthly per-agent table, one agent's 12-month daily trend, the team table, a month
# rebuild and the raw-scan alternative. ClickHouse is started unless CCQA_TEST_CLICKHOUSE is set.
.PHONY: bench-metrics
bench-metrics:
	@if [ -z "$$CCQA_TEST_CLICKHOUSE" ]; then deploy/dev/install.sh clickhouse && deploy/dev/clickhouse.sh up; fi
	CCQA_TEST_CLICKHOUSE=$${CCQA_TEST_CLICKHOUSE:-127.0.0.1:$(CCQA_CH_TCP_PORT)} CCQA_REQUIRE_SERVICES=1 \
	$(GO) test ./metrics -run='^$$' -bench=BenchmarkMetrics -benchtime=$${BENCHTIME:-5x} -timeout 60m

# Scorecard: scoring one agent-month and the Go part of a 10,000-agent month (no services), then
# a whole rollup of 2,000 agents on ClickHouse (started unless CCQA_TEST_CLICKHOUSE is set).
.PHONY: bench-scorecard
bench-scorecard:
	$(GO) test ./scorecard -run='^$$' -bench='BenchmarkScore|BenchmarkMonth10k' -benchmem
	@if [ -z "$$CCQA_TEST_CLICKHOUSE" ]; then deploy/dev/install.sh clickhouse && deploy/dev/clickhouse.sh up; fi
	CCQA_TEST_CLICKHOUSE=$${CCQA_TEST_CLICKHOUSE:-127.0.0.1:$(CCQA_CH_TCP_PORT)} CCQA_REQUIRE_SERVICES=1 \
	$(GO) test ./scorecard -run='^$$' -bench=BenchmarkRollupClickHouse -benchtime=$${BENCHTIME:-5x}

# Dashboards: server time of the agent page (12 months) and the team page on the metrics data set
# (10,000,000 contacts, 1,000 agents; loaded once into ccqa_bench, shared with bench-metrics).
# ClickHouse is started unless CCQA_TEST_CLICKHOUSE is set.
.PHONY: bench-dashboards
bench-dashboards:
	@if [ -z "$$CCQA_TEST_CLICKHOUSE" ]; then deploy/dev/install.sh clickhouse && deploy/dev/clickhouse.sh up; fi
	@# The server's CPU per page is printed when its pid is known: the dev server's, unless another is named.
	CCQA_BENCH_CLICKHOUSE_PID=$${CCQA_BENCH_CLICKHOUSE_PID:-$$([ -n "$$CCQA_TEST_CLICKHOUSE" ] || cat $${CCQA_DEV_DIR:-.dev}/clickhouse/server.pid 2>/dev/null)} \
	CCQA_TEST_CLICKHOUSE=$${CCQA_TEST_CLICKHOUSE:-127.0.0.1:$(CCQA_CH_TCP_PORT)} CCQA_REQUIRE_SERVICES=1 \
	$(GO) test ./dashboards -run='^$$' -bench=BenchmarkPages -benchtime=$${BENCHTIME:-5x} -timeout 60m

# Scale-out on real distributed engines (README "Scale-out"): ZooKeeper + ClickHouse 2 shards x 2
# replicas (deploy/dev/cluster.sh) and the Kafka broker, `ccqa migrate --cluster ccqa`, 3 ingest
# processes on 6-partition topics, one SIGKILLed and one ClickHouse replica stopped mid-stream;
# per-agent metrics must equal the oracle's. The cluster stays up (deploy/dev/cluster.sh down).
.PHONY: test-cluster
test-cluster:
	deploy/dev/install.sh zookeeper
	deploy/dev/cluster.sh up
	@if [ -z "$$CCQA_TEST_KAFKA" ]; then deploy/dev/kafka.sh up; fi
	CCQA_TEST_CLUSTER=$$(deploy/dev/cluster.sh addrs) \
	CCQA_TEST_KAFKA=$${CCQA_TEST_KAFKA:-127.0.0.1:$(CCQA_KAFKA_PORT)} \
	$(GO) test -tags cluster -count=1 -run '^TestCluster$$' -timeout 10m -v ./cmd/ccqa
