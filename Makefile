# Thin wrapper: the real build is CMake. See README.md.
BUILD ?= build
OUT   ?= out
JOBS  ?= $(shell nproc)
DEB_PACKAGES = build-essential cmake pkg-config libssl-dev libevent-dev libldns-dev \
  libpcap-dev libnet1-dev libnl-3-dev libnl-route-3-dev libcjson-dev libcmocka-dev libnftables-dev tshark \
  libxml2-utils chromium iproute2 jq python3 openssl

.PHONY: all deps build test demo bench clean
all: build

deps:
	@sh tests/deps.sh $(DEB_PACKAGES)

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@$(BUILD)/bcsim run --out $(OUT) scenarios/; rc=$$?; \
	 echo "report: $(OUT)/report.html (and report.json, junit.xml, certificate.json)"; exit $$rc

bench: build
	@sh bench/lab-setup.sh $(BUILD)
	@sh bench/jobs.sh $(BUILD) 2

clean:
	rm -rf $(BUILD) $(OUT)
