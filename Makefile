# Entry points. CMake does the building; this file installs what is missing and drives it.
#   make        build build/bootstrap
#   make run    install missing packages (as root), build, start the tracer (ARGS="-d 100" to pass options)
#   make test   install missing packages, build, run every test (ctest)
#   make fuzz   build the libFuzzer targets with clang in build-fuzz, run each for FUZZ_SECONDS
#   make sanitize  build with ASan+UBSan+LSan in build-asan, run the unit and runtime tests
#   make bench  build Release in build-bench, compare bootstrap with its peers (bench/run.sh, as root),
#               then the decode+format micro-benchmarks; see bench/README.md
#   make dist   build the release binaries for x86_64 and aarch64 (cross-compiled) into dist/:
#               bootstrap-VERSION-ARCH and SHA256SUMS
#   make deb    build the Debian package (debian/) into dist/: bootstrap-tracer_VERSION_ARCH.deb with the
#               release binary, its man page, shell completions, systemd unit and docs; lintian checks it
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
ARGS ?=
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = fuzz_decode fuzz_options
ASAN_DIR ?= build-asan
BENCH_DIR ?= build-bench
DIST_DIR ?= dist
# project()'s version; "." stands for its parenthesis, which make would try to pair.
VERSION := $(shell sed -n 's/^project.bootstrap VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)

# Every target is a command, not a file: make runs it even when a file of that name exists.
.PHONY: all build deps test-deps run test clean fuzz-deps fuzz sanitize bench-deps bench dist-deps dist deb-deps deb

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

dist-deps:
	@scripts/install-deps.sh dist

# Release, each binary linked as `make` links it (only glibc shared). This machine builds x86_64 itself and
# aarch64 with Debian's cross compiler and arm64 libraries (cmake/aarch64-linux-gnu.cmake).
dist: dist-deps
	@[ "$$(uname -m)" = x86_64 ] || { echo "make dist builds on an x86_64 machine" >&2; exit 1; }
	cmake -S . -B build-dist-x86_64 -DCMAKE_BUILD_TYPE=Release
	cmake --build build-dist-x86_64 -j $(JOBS) --target bootstrap
	cmake -S . -B build-dist-aarch64 -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_TOOLCHAIN_FILE=$(abspath cmake/aarch64-linux-gnu.cmake)
	cmake --build build-dist-aarch64 -j $(JOBS) --target bootstrap
	mkdir -p $(DIST_DIR)
	for arch in x86_64 aarch64; do cp build-dist-$$arch/bootstrap $(DIST_DIR)/bootstrap-$(VERSION)-$$arch || exit 1; done
	cd $(DIST_DIR) && sha256sum bootstrap-$(VERSION)-x86_64 bootstrap-$(VERSION)-aarch64 >SHA256SUMS && cat SHA256SUMS

deb-deps:
	@scripts/install-deps.sh deb

# The package's binary is built as `make dist` builds it (Release, in build-deb); scripts/build-deb.sh
# says how, and the package test in `make test` runs it too. See docs/fleet.md for what to do with it.
deb: deb-deps
	scripts/build-deb.sh $(DIST_DIR) $(JOBS)
