# Entry points: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.NOTPARALLEL:

ifeq ($(shell command -v swift 2>/dev/null),)
export PATH := /opt/swift/usr/bin:$(PATH)
endif

CONFIG       ?= conf/weir.yaml
WEIR_BIN     ?= .build/release/weir
SWIFT_FLAGS  ?=
PYTEST_FLAGS ?= -x -q

.PHONY: all deps build run test unit integration

all: build

deps:
	scripts/install-deps.sh

build:
	swift build -c release --product weir $(SWIFT_FLAGS)

run: deps build
	$(WEIR_BIN) run --config $(CONFIG)

test: deps build unit integration

unit:
	swift test

integration: deps build
	WEIR_BIN=$(abspath $(WEIR_BIN)) python3 -m pytest $(PYTEST_FLAGS) Tests/integration
