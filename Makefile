# Entry points. CMake does the building; this file installs what is missing and drives it.
#   make        build build/bootstrap
#   make run    install missing packages (as root), build, start the tracer (ARGS="-d 100" to pass options)
#   make test   install missing packages, build, run every test (ctest)
#   make fuzz   build the libFuzzer targets with clang in build-fuzz, run each for FUZZ_SECONDS
#   make sanitize  build with ASan+UBSan+LSan in build-asan, run the unit and runtime tests
#   make bench  build Release in build-bench, compare bootstrap with its peers (bench/run.sh, as root),
#               then the decode+format micro-benchmarks; see bench/README.md
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
ARGS ?=
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = fuzz_decode fuzz_options
ASAN_DIR ?= build-asan
BENCH_DIR ?= build-bench

# Every target is a command, not a file: make runs it even when a file of that name exists.
.PHONY: all build deps test-deps run test clean fuzz-deps fuzz sanitize bench-deps bench

all: build

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh test

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/bootstrap $(ARGS)

test: test-deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DBOOTSTRAP_TESTS=ON
	cmake --build $(BUILD_DIR) -j $(JOBS)
	cd $(BUILD_DIR) && ctest --output-on-failure -j 1

clean:
	rm -rf $(BUILD_DIR)

fuzz-deps:
	@scripts/install-deps.sh fuzz

# New inputs go to $(FUZZ_DIR)/corpus, so the committed seeds in fuzz/corpus stay as they are; a crash
# leaves its input in $(FUZZ_DIR)/artifacts and fails the target.
fuzz: fuzz-deps
	cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
		-DCMAKE_CXX_COMPILER=clang++ -DBOOTSTRAP_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(FUZZ_TARGETS)
	mkdir -p $(FUZZ_DIR)/artifacts
	for target in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$target && \
		$(FUZZ_DIR)/fuzz/$$target -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/artifacts/$$target- $(FUZZ_DIR)/corpus/$$target fuzz/corpus/$$target \
			|| exit 1; \
	done

# The unit and runtime tests, and the binary they run, under ASan, UBSan and LeakSanitizer (runtime tests
# need root; they skip without it). The kernels tests' static, VM-bound scenario cannot be sanitized.
sanitize: test-deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOOTSTRAP_TESTS=ON -DBOOTSTRAP_SANITIZE=ON
	cmake --build $(ASAN_DIR) -j $(JOBS) --target bootstrap unit_tests capture_tests runtime_tests
	cd $(ASAN_DIR) && ctest -L 'unit|runtime' --output-on-failure -j 1

bench-deps:
	@scripts/install-deps.sh bench

# Release, as shipped: the figures are those of the binary users run. Settings: BENCH_EXECS etc. (bench/run.sh).
bench: bench-deps
	cmake -S . -B $(BENCH_DIR) -DCMAKE_BUILD_TYPE=Release -DBOOTSTRAP_BENCH=ON
	cmake --build $(BENCH_DIR) -j $(JOBS)
	BENCH_BUILD=$(abspath $(BENCH_DIR)) bench/run.sh
	$(BENCH_DIR)/bench/format_bench
