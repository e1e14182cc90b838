# Thin front door over CMake. Every target installs its dependencies first, so a
# fresh Debian 12 machine needs nothing done by hand.

BUILD_DIR      ?= build
ASAN_BUILD_DIR ?= build-asan
TSAN_BUILD_DIR ?= build-tsan
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS   ?= 600
JOBS           ?= $(shell nproc)
PYTHON         := /usr/bin/python3
BENCH_ARGS     ?=
TBENCH_ARGS    ?=
KBENCH_ARGS    ?=

CMAKE_LAUNCHER := $(if $(shell command -v ccache 2>/dev/null),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache,)

.PHONY: all deps test-deps kernel-deps build build-asan build-tsan build-fuzz kernel-module iptables-extension run check check-asan check-tsan fuzz bench bench-kernel deb clean

all: build

deps:
	@./scripts/install-deps.sh

test-deps:
	@./scripts/install-deps.sh --test

kernel-deps:
	@./scripts/install-deps.sh --kernel

# xt_RTPENGINE.ko against Debian's linux-headers-amd64 (or KSRC=...), and libxt_RTPENGINE.so
# (docs/kernel.md). t/kernel builds its own copies from the sources and boots them in qemu.
kernel-module: kernel-deps
	$(MAKE) -C kernel-module RTPE_WERROR=1

iptables-extension: kernel-deps
	$(MAKE) -C iptables-extension

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_LAUNCHER)
	cmake --build $(BUILD_DIR) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRTPE_SANITIZE=ON $(CMAKE_LAUNCHER)
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)

build-tsan: deps
	cmake -S . -B $(TSAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRTPE_TSAN=ON -DRTPE_MAN_PAGES=OFF $(CMAKE_LAUNCHER)
	cmake --build $(TSAN_BUILD_DIR) -j $(JOBS)

build-fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRTPE_FUZZ=ON $(CMAKE_LAUNCHER)
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/bin/rtpengine --config-file=etc/rtpengine.conf.sample --foreground --log-stderr

# Everything, and the unit and integration suites once more on a ThreadSanitizer build.
check: test-deps build build-fuzz build-tsan kernel-module iptables-extension
	$(PYTHON) t/run_all.py --build-dir $(BUILD_DIR) --fuzz-build-dir $(FUZZ_BUILD_DIR) --tsan-build-dir $(TSAN_BUILD_DIR)

check-asan: test-deps build-asan build-fuzz
	$(PYTHON) t/run_all.py --build-dir $(ASAN_BUILD_DIR) --fuzz-build-dir $(FUZZ_BUILD_DIR)

# The unit and integration suites on a ThreadSanitizer build (make check runs them too): a
# data race stops the daemon (halt_on_error), which fails the test that met it.
check-tsan: test-deps build-tsan
	$(PYTHON) t/run_all.py --only tsan --tsan-build-dir $(TSAN_BUILD_DIR)

fuzz: build-fuzz
	$(PYTHON) t/run_all.py --fuzz-build-dir $(FUZZ_BUILD_DIR) --only fuzz --fuzz-seconds $(FUZZ_SECONDS)

# Benchmarks, not tests (t/bench/README.md): our relay against Debian's rtpengine side by
# side (BENCH_ARGS=--quick for ~30 s), then transcoding the same way (TBENCH_ARGS=--quick
# for ~1 min), then in-kernel forwarding against our userspace relay in the qemu guest of
# t/kernel (KBENCH_ARGS=--quick for ~1 min). One after the other, never in parallel: they
# would measure each other.
bench: test-deps build
	$(PYTHON) t/bench/relay_bench.py --ours $(BUILD_DIR)/bin/rtpengine $(BENCH_ARGS)
	$(PYTHON) t/bench/transcode_bench.py --ours $(BUILD_DIR)/bin/rtpengine $(TBENCH_ARGS)
	RTPE_BUILD_DIR=$(abspath $(BUILD_DIR)) $(PYTHON) t/bench/kernel_bench.py $(KBENCH_ARGS)

# Only the kernel forwarding benchmark (about 5 minutes under TCG).
bench-kernel: kernel-deps build
	RTPE_BUILD_DIR=$(abspath $(BUILD_DIR)) $(PYTHON) t/bench/kernel_bench.py $(KBENCH_ARGS)

# rtpengine-daemon and rtpengine-utils .debs in $(DEB_DIR)/ (docs/packaging.md).
DEB_DIR ?= build-deb
deb: deps
	JOBS=$(JOBS) ./scripts/build-deb.sh $(DEB_DIR)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(TSAN_BUILD_DIR) $(FUZZ_BUILD_DIR) $(DEB_DIR)
	-$(MAKE) -C kernel-module clean
	-$(MAKE) -C iptables-extension clean
