# Two commands on a fresh Debian machine: `make run` (the app) and `make test` (the whole suite).
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-fast validate browser-deps bench clean

$(VENV)/.runtime: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## run: create the environment if needed and start the app, record pages and data API on http://localhost:$(PORT)
# serve.py wraps app.py in st.App with the plain-HTTP routes: one command, one process, one port.
run: $(VENV)/.runtime
	$(PY) -m streamlit run serve.py --server.port $(PORT)

## browser-deps: Debian's Chromium (Playwright cannot download browsers here), emoji and CJK fonts for screenshots
browser-deps:
	@# A machine with chromium but no CJK font would draw Chinese as boxes: both are checked, not chromium alone.
	@{ command -v chromium && fc-list :lang=zh family | grep -q . ; } >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		$(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji fonts-noto-cjk >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { echo "chromium is still missing" >&2; exit 1; }
	@fc-list :lang=zh family | grep -q . || { echo "no font for Chinese (fonts-noto-cjk) is installed" >&2; exit 1; }

## validate: the atlas validator and the Frictionless validator on data/
validate: $(VENV)/.dev
	$(PY) -m atlas validate data
	$(VENV)/bin/frictionless validate data/datapackage.json

## test: install everything missing, validate the data, run unit + app + browser tests
test: $(VENV)/.dev browser-deps cluster-deps validate
	$(PY) -m pytest tests

## test-fast: unit and app tests only (no browser)
test-fast: $(VENV)/.dev
	$(PY) -m pytest tests/unit tests/app

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache

.PHONY: loadtest

## bench: server-like reruns of every page against its replay floor and the sidebar floor at 1x/10x/100x/1000x, memory, refusal page, Chromium; targets as ratios in BENCHMARKS.md (~15 min)
bench: $(VENV)/.dev browser-deps
	$(PY) benchmarks/run.py
	$(PY) benchmarks/api_bench.py

## bench-api: requests/s and p95 of the record pages and data API against /_stcore/health on one server
bench-api: $(VENV)/.dev
	$(PY) benchmarks/api_bench.py

## loadtest: 20 concurrent Chromium visitors on one server; fails on any error; updates BENCHMARKS.md (minutes)
loadtest: $(VENV)/.dev browser-deps
	$(PY) benchmarks/loadtest.py

.PHONY: bench-api bench-load cluster-deps cluster cluster-stop loadtest-cluster loadtest-protocol loadtest-protocol-compare

## bench-load: load_atlas at 1x-1000x, vectorised vs the per-value reference code, ratios into BENCHMARKS.md (~5 min)
bench-load: $(VENV)/.dev
	$(PY) benchmarks/load_speed.py

## cluster-deps: Debian's HAProxy, the load balancer in front of the replicas
cluster-deps:
	@command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || { $(SUDO) apt-get update -qq && \
		$(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; }
	@command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || { echo "haproxy is still missing" >&2; exit 1; }

## cluster: REPLICAS (default 3) Streamlit replicas behind HAProxy on http://127.0.0.1:$(CLUSTER_PORT); returns at once
CLUSTER_PORT ?= 8600
REPLICAS ?= 3
cluster: $(VENV)/.runtime cluster-deps
	$(PY) deploy/cluster.py start --replicas $(REPLICAS) --port $(CLUSTER_PORT)

## cluster-stop: stop the balancer and the replicas that `make cluster` started
cluster-stop:
	$(PY) deploy/cluster.py stop

## loadtest-cluster: browser sessions through HAProxy to 3 replicas, one replica killed mid-run (~3 min)
loadtest-cluster: $(VENV)/.dev browser-deps cluster-deps
	$(PY) benchmarks/loadtest_cluster.py

## loadtest-protocol: 120 protocol-level sessions (no browser) through HAProxy to 3 replicas changing filters
## for DURATION_S (default 180) s, one replica SIGKILLed, then 60 s more; fails on any error or lost session (~5 min)
loadtest-protocol: $(VENV)/.dev cluster-deps
	$(PY) benchmarks/loadtest_protocol.py

## loadtest-protocol-compare: one filter change timed with the protocol client and with Chromium on one server
loadtest-protocol-compare: $(VENV)/.dev browser-deps
	$(PY) benchmarks/loadtest_protocol.py --compare
