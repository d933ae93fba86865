# Thin wrapper over CMake: everything builds into build/ (build-asan/ for the sanitizer build).
BUILD    ?= build
TYPE     ?= RelWithDebInfo
SANITIZE ?= OFF
WERROR   ?= OFF
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?=

.PHONY: all build demo check test deps asan bench install clean

all: build

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(TYPE) -DVG_SANITIZE=$(SANITIZE) -DVG_WERROR=$(WERROR)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The main demonstration: a peer crashes, and keep-alive finds out two hours later (virtual time).
demo: build
	./$(BUILD)/vigil demo

deps:
	@sh scripts/install-deps

# Installs what the tests need (as root; otherwise prints the command), builds, runs every test.
check: deps build test

test:
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) $(CTEST_ARGS)

asan:
	$(MAKE) check BUILD=build-asan SANITIZE=ON TYPE=Debug

bench: build
	sh scripts/run-benches $(BUILD)

install: build
	cmake --install $(BUILD)

clean:
	rm -rf build build-asan
