# Entry points: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.NOTPARALLEL:

ifeq ($(shell command -v swift 2>/dev/null),)
export PATH := /opt/swift/usr/bin:$(PATH)
endif

CONFIG       ?= conf/weir.yaml
WEIR_BIN     ?= .build/release/weir
SWIFT_FLAGS  ?= --static-swift-stdlib
PYTEST_FLAGS ?= -x -q

.PHONY: all deps build run test unit integration

all: build

deps:
	scripts/install-deps.sh

build:
	swift build -c release --product weir $(SWIFT_FLAGS)

run: deps build
	$(WEIR_BIN) run --config $(CONFIG)

test: deps build unit integration test-deb bench-quick

unit:
	swift test

integration: deps build
	WEIR_BIN=$(abspath $(WEIR_BIN)) python3 -m pytest $(PYTEST_FLAGS) Tests/integration

.PHONY: deb test-deb

# weir_VERSION_ARCH.deb in out/ (see packaging/build-deb.sh).
deb:
	packaging/install-deps.sh scripts/deb-deps.txt
	packaging/build-deb.sh

# Builds the package, installs it into a fresh Debian 12 root and on this machine (needs root).
test-deb:
	packaging/install-deps.sh scripts/deb-deps.txt
	packaging/tests/test-deb.sh

.PHONY: bench bench-quick

# Weir against nginx-rtmp on this machine (bench/README.md): about 12 minutes, writes bench/RESULTS.md.
bench: deps build
	bench/install-deps.sh
	WEIR_BIN=$(abspath $(WEIR_BIN)) python3 bench/bench.py

# Every benchmark measurement, briefly (about 30 s): fails when the harness or a server is broken.
bench-quick: deps build
	bench/install-deps.sh
	WEIR_BIN=$(abspath $(WEIR_BIN)) python3 bench/bench.py --quick

.PHONY: fuzz

FUZZ_SECONDS ?= 60

# Builds the libFuzzer targets into .build-fuzz and runs each for FUZZ_SECONDS on its seed
# corpus; crash inputs go to Fuzz/crashes/TARGET/ and fail the run (Fuzz/README.md).
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/fuzz.sh $(FUZZ_TARGETS)
