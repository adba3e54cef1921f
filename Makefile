# The two commands of the README, and the CI variants.  Everything builds in build*/.
#   make run   — install missing Debian packages, build, migrate the bundled corpus
#   make test  — install missing Debian packages, build, run the whole suite (ctest)
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DANYC_WERROR=ON
CTEST = ctest --output-on-failure -j$(JOBS)

.PHONY: all deps build run test test-asan test-ucontext test-valgrind install clean

all: build

deps:
	@.ci/deps.sh

build: deps
	cmake -S . -B build $(CMAKE_FLAGS)
	cmake --build build -j$(JOBS)

run: build
	@scripts/make-run.sh build

test: build
	cd build && $(CTEST)

test-asan: deps
	cmake -S . -B build-asan $(CMAKE_FLAGS) -DANYC_SANITIZE=address,undefined \
	  -DANYC_TEST_TIMEOUT_MULTIPLIER=3
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(CTEST) -LE slow

test-ucontext: deps
	cmake -S . -B build-ucontext $(CMAKE_FLAGS) -DANYC_SWITCH=ucontext -DANYC_BUILD_REWRITER=OFF
	cmake --build build-ucontext -j$(JOBS)
	cd build-ucontext && $(CTEST) -L runtime -LE slow

test-valgrind: build
	@scripts/valgrind-tests.sh build

install: build
	cmake --install build

clean:
	rm -rf build build-asan build-ucontext
