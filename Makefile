# Thin wrapper: the real build is CMake. See README.md.
BUILD ?= build
OUT   ?= out
JOBS  ?= $(shell nproc)
# Tests at once. Most of them wait on their labs' timelines rather than use a
# core, so ctest runs more than nproc; the tests that load the machine with
# labs are RUN_SERIAL whatever this says (docs/testing.md).
TEST_JOBS ?= $(shell n=$$(nproc); [ $$n -gt 8 ] && echo $$n || echo 8)
DEB_PACKAGES = build-essential cmake pkg-config libssl-dev libevent-dev libldns-dev \
  libpcap-dev libnet1-dev libnl-3-dev libnl-route-3-dev libcjson-dev libcmocka-dev libnftables-dev \
  libnetfilter-queue-dev libnftnl-dev libmnl-dev tshark \
  libxml2-utils chromium iproute2 jq python3 openssl clang libclang-rt-14-dev
# make bench also needs the tools bcsim is compared with (docs/benchmarks.md).
BENCH_DEB_PACKAGES = dnsperf dnsmasq-base time
# The sanitized build, and where every sanitizer report of its processes lands.
ASAN_BUILD ?= $(BUILD)-asan
FUZZ_RUNS ?= 1000000

.PHONY: all deps build test test-asan fuzz demo bench clean
all: build

deps:
	@sh tests/deps.sh $(DEB_PACKAGES)

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(TEST_JOBS)

# Every test, with AddressSanitizer and UndefinedBehaviorSanitizer in bcsim,
# the lab's services and the reference client. A process that reports aborts;
# every report also lands in $(ASAN_BUILD)/sanitizer/, and any there fails
# the target even if no test noticed. Sanitized labs are slower, so the suite
# runs 2 labs at a time (BCSIM_TEST_JOBS) rather than as many as the machine holds.
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBCSIM_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) -- --no-print-directory
	@rm -rf $(ASAN_BUILD)/sanitizer && mkdir -p $(ASAN_BUILD)/sanitizer
	@cd $(ASAN_BUILD) && BCSIM_TEST_JOBS=$${BCSIM_TEST_JOBS:-2} \
	 ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:log_path=$(abspath $(ASAN_BUILD))/sanitizer/asan \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(abspath $(ASAN_BUILD))/sanitizer/ubsan \
	 ctest --output-on-failure -j $(JOBS)
	@if [ -n "$$(ls $(ASAN_BUILD)/sanitizer)" ]; then \
	   echo "test-asan: sanitizer reports:" >&2; head -n 40 $(ASAN_BUILD)/sanitizer/* >&2; exit 1; fi
	@echo "test-asan: every test passed; no sanitizer report"

# Every fuzz target for FUZZ_RUNS executions (docs/testing.md); ctest runs
# the same script with a few thousand as its smoke run.
fuzz: build
	@sh tests/fuzz/run.sh $(BUILD)/bcsim . $(BUILD)/fuzz-build $(BUILD)/fuzz-out $(FUZZ_RUNS)

demo: build
	@$(BUILD)/bcsim run --out $(OUT) scenarios/; rc=$$?; \
	 echo "report: $(OUT)/report.html (and report.json, junit.xml, certificate.json)"; exit $$rc

# The five comparisons of docs/benchmarks.md; bench/run.sh lists the
# variables that shorten them (BENCH_JOBS="2 8 16 default" skips --jobs 1).
bench: build
	@sh tests/deps.sh $(BENCH_DEB_PACKAGES)
	@sh bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(OUT)
