# Thin wrapper over CMake: everything builds into build/ (build-asan/ for the sanitizer build).
BUILD    ?= build
TYPE     ?= RelWithDebInfo
SANITIZE ?= OFF
WERROR   ?= OFF
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?=

.PHONY: all build demo check test deps asan bench fuzz install clean

all: build

CONFIGURE = cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(TYPE) -DVG_SANITIZE=$(SANITIZE) -DVG_WERROR=$(WERROR)

$(BUILD)/CMakeCache.txt:
	$(CONFIGURE)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The main demonstration: a peer crashes, and keep-alive finds out two hours later (virtual time).
# Only the CLI is built, so it needs nothing but a C toolchain and CMake.
demo: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target vigil_cli
	./$(BUILD)/vigil demo

deps:
	@sh scripts/install-deps

# Installs what the tests need (as root; otherwise prints the command), configures again with
# the tests required (a build directory made by `make demo` without cmocka gains them, and
# WERROR/SANITIZE given here always apply), builds, runs every test.
check: deps
	$(CONFIGURE) -DVG_TESTS=REQUIRED
	cmake --build $(BUILD) -j $(JOBS)
	$(MAKE) test

test:
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) $(CTEST_ARGS)

asan:
	$(MAKE) check BUILD=build-asan SANITIZE=ON TYPE=Debug

# Every libFuzzer target for 60 s (clang), as .ci/run does.
fuzz:
	sh scripts/run-fuzzers 60

# Every benchmark, vigil next to lwIP and Linux where they compare (README "Performance"):
# tables on stdout, $(BUILD)/bench/results.json and results.svg. QUICK=1: one short run of each
# (checks they work; the figures mean nothing); RUNS=N: runs per measurement (default 5).
bench: build
	python3 scripts/run-benches $(BUILD) $(if $(QUICK),--quick) $(if $(RUNS),--runs $(RUNS))

# PREFIX=/some/dir installs there (default: CMAKE_INSTALL_PREFIX, /usr/local); DESTDIR=/stage
# prepends a staging root, as packagers expect. vigil.pc is relocatable, so either works.
PREFIX ?=
DESTDIR ?=
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) $(if $(PREFIX),--prefix "$(PREFIX)")

clean:
	rm -rf build build-asan
