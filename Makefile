# ngx_webrtc: the two commands of the README, and the helpers they use.
#
#   make run    install what is needed, build the module against Debian's
#               nginx, run nginx in the foreground with conf.example
#   make test   install test dependencies, build with -Werror, run every test

SHELL       := /bin/bash
TOP         := $(CURDIR)
BUILD       := $(TOP)/build
NGX_SRC     := /usr/share/nginx/src
NGX_BUILD   := $(BUILD)/nginx
PYTHON      := /usr/bin/python3
SUDO        := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

RUN_DEPS    := nginx-core nginx-dev libssl-dev libsrtp2-dev libnss3-dev \
               libnice-dev libjansson-dev dpkg-dev \
               pkg-config gcc make
# GStreamer's webrtcbin: WHIP and WHEP clients in t/test_gstreamer.py
GST_DEPS    := python3-gi python3-gst-1.0 gir1.2-gst-plugins-bad-1.0 \
               gir1.2-nice-0.1 gstreamer1.0-plugins-base \
               gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
               gstreamer1.0-nice
TEST_DEPS   := $(RUN_DEPS) python3-aiortc python3-pytest python3-websockets \
               python3-requests python3-av chromium firefox-esr nftables \
               iproute2 curl $(GST_DEPS)

SRCS        := $(wildcard $(TOP)/src/*.c $(TOP)/src/*.h) $(TOP)/config

# SRTP=openssl (the default): libsrtp2 from Debian's source built on
# OpenSSL by .ci/build-srtp and linked statically into the module; Debian's
# binary libsrtp2 is built on NSS, whose key lookup in every protect grows
# with the viewers of a worker (docs/benchmarks.md). SRTP=debian: Debian's
# shared libsrtp2 as it is, built in a directory of its own.
SRTP        ?= openssl
ifeq ($(SRTP),openssl)
SRTP_PREFIX := $(BUILD)/srtp
SRTP_LIB    := $(SRTP_PREFIX)/lib/libsrtp2.a
else
SRTP_PREFIX :=
SRTP_LIB    :=
NGX_BUILD   := $(BUILD)/nginx-srtp-$(SRTP)
endif

# make test SANITIZE=1: a whole nginx, core and module, built with ASan
# and UBSan from Debian's source of the same nginx (fetched by
# .ci/debian-source), with Debian's configure flags and nginx's pool
# debugging (NGX_DEBUG_PALLOC: every pool allocation is a malloc of its
# own, so that ASan sees an overflow inside a pool). The tests run that
# binary, with a leak check at every nginx process's exit, and fail on any
# sanitizer report (t/conftest.py). -z nodelete keeps the module mapped
# after nginx's dlclose() at exit, so that a leak in it is still named;
# nonnull-attribute is recoverable only so that t/ubsan.supp can take
# nginx's own memcpy(p, NULL, 0). t/{asan,lsan,ubsan}.supp: nginx's, never
# the module's, each with why.
NGX_CONF_FLAGS := /usr/share/nginx/src/conf_flags
NGX_TARGET  := modules
NGX_PREPARE := true
ifeq ($(SANITIZE),1)
SAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=undefined \
               -fsanitize-recover=nonnull-attribute
NGX_SRC     := $(BUILD)/nginx-source
NGX_BUILD   := $(BUILD)/nginx-asan
NGX_TARGET  :=
NGX_CONFIGURE_EXTRA := --with-cc-opt="$(SAN_FLAGS) -DNGX_DEBUG_PALLOC=1" \
               --with-ld-opt="$(SAN_FLAGS) -Wl,-z,nodelete"
SAN_DEPS    := dpkg-dev libpcre2-dev zlib1g-dev
NGX_PREPARE := ./.ci/apt-install $(RUN_DEPS) $(SAN_DEPS) && \
               { test -x $(NGX_SRC)/configure || \
                 ./.ci/debian-source nginx nginx-dev $(NGX_SRC); }
E2E_ENV     := NGX_WEBRTC_NGINX=$(NGX_BUILD)/objs/nginx
endif

MODULE       = $(NGX_BUILD)/objs/ngx_webrtc_module.so

NGX_INCS    := -I$(NGX_BUILD)/objs -I$(NGX_BUILD)/src/core \
               -I$(NGX_BUILD)/src/event -I$(NGX_BUILD)/src/os/unix \
               -I$(TOP)/src
UNIT_CFLAGS := -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
               $(NGX_INCS)

UNIT_TESTS  := sdp rtp rtcp ring ws

FUZZ_SECONDS ?= 60

.PHONY: all run test deps test-deps build unit e2e static clean fuzz \
        fuzz-replay fuzz-seeds bench profile soak

all: build

deps:
	@./.ci/apt-install $(RUN_DEPS)

test-deps:
	@./.ci/apt-install $(TEST_DEPS)

# Debian's nginx-dev ships the headers and the configure script of the nginx
# that Debian's /usr/sbin/nginx was built from; a dynamic module built with
# the same flags loads into it. (SANITIZE=1: the whole source instead, and
# the nginx binary is built too.)
$(NGX_BUILD)/objs/Makefile: $(TOP)/config $(TOP)/Makefile $(SRTP_LIB)
	@$(NGX_PREPARE)
	rm -rf $(NGX_BUILD)
	mkdir -p $(BUILD)
	cp -r $(NGX_SRC) $(NGX_BUILD)
	cd $(NGX_BUILD) && . $(NGX_CONF_FLAGS) && \
	    NGX_WEBRTC_SRTP_PREFIX=$(SRTP_PREFIX) \
	    ./configure "$${NGX_CONF_FLAGS[@]}" $(NGX_CONFIGURE_EXTRA) \
	    --add-dynamic-module=$(TOP) \
	    > $(BUILD)/configure.log 2>&1 || { tail -20 $(BUILD)/configure.log; exit 1; }

ifneq ($(SRTP_LIB),)
$(SRTP_LIB): $(TOP)/.ci/build-srtp
	@./.ci/apt-install libsrtp2-dev libssl-dev dpkg-dev
	@./.ci/build-srtp $(SRTP_PREFIX) || { echo "make: libsrtp2 could" \
	    "not be built from Debian's source; SRTP=debian uses Debian's" \
	    "binary libsrtp2 (NSS) instead"; exit 1; }
endif

$(MODULE): $(NGX_BUILD)/objs/Makefile $(SRCS)
	$(MAKE) -C $(NGX_BUILD) -f objs/Makefile $(NGX_TARGET)

build: $(MODULE)

run: deps build
	@$(TOP)/.ci/run-demo

$(BUILD)/unit/%: $(TOP)/t/unit/test_%.c $(NGX_BUILD)/objs/Makefile $(SRCS)
	@mkdir -p $(BUILD)/unit
	cc $(UNIT_CFLAGS) -o $@ $< $(TOP)/src/ngx_webrtc_$*.c \
	    $(if $(filter rtcp,$*),$(TOP)/src/ngx_webrtc_rtp.c) \
	    $(if $(filter ring,$*),$(TOP)/src/ngx_webrtc_rtp.c \
	        $(TOP)/src/ngx_webrtc_rtcp.c)

unit: $(addprefix $(BUILD)/unit/,$(UNIT_TESTS))
	@for t in $(UNIT_TESTS); do \
	    echo "unit: $$t"; (cd $(TOP)/t/unit && $(BUILD)/unit/$$t) || exit 1; \
	done

# every committed fuzz seed and regression input through a sanitized build
fuzz-replay: $(NGX_BUILD)/objs/Makefile
	$(MAKE) -C $(TOP)/t/fuzz replay NGX_BUILD=$(NGX_BUILD)

# libFuzzer, FUZZ_SECONDS per target (make fuzz FUZZ_SECONDS=600
# FUZZ_TARGETS=stun: one target)
fuzz: $(NGX_BUILD)/objs/Makefile
	@./.ci/apt-install clang libclang-rt-14-dev
	$(MAKE) -C $(TOP)/t/fuzz fuzz NGX_BUILD=$(NGX_BUILD) \
	    FUZZ_SECONDS=$(FUZZ_SECONDS) \
	    $(if $(FUZZ_TARGETS),FUZZ_TARGETS="$(FUZZ_TARGETS)")

# seeds from real clients' packets: a few end-to-end tests with their
# aiortc and WebSocket clients recording what they send and receive
# (t/capture.py), then a bounded, varied set of it written as
# t/fuzz/corpus/<target>/cap-<sha1> (t/fuzz/select_seeds.py)
FUZZ_SEED_TESTS := test_whip_aiortc.py test_whep_media.py test_whip_rtcp.py \
                   test_whep_rtcp.py test_room_aiortc.py test_room_signaling.py

fuzz-seeds: test-deps build
	rm -rf $(BUILD)/capture
	cd $(TOP)/t && $(E2E_ENV) NGX_WEBRTC_MODULE=$(MODULE) \
	    NGX_WEBRTC_CAPTURE=$(BUILD)/capture \
	    $(PYTHON) -m pytest -q $(FUZZ_SEED_TESTS)
	$(PYTHON) $(TOP)/t/fuzz/select_seeds.py $(BUILD)/capture \
	    $(TOP)/t/fuzz/corpus

# the benchmark of docs/benchmarks.md (make bench QUICK=1: 2 minutes)
BENCH_DEPS  := $(RUN_DEPS) python3 janus

bench: build
	@./.ci/apt-install $(BENCH_DEPS)
	$(MAKE) -C $(TOP)/t/bench bench QUICK=$(QUICK) SRTP_PREFIX=$(SRTP_PREFIX) \
	    MODULE=$(MODULE)

# callgrind's count of the worker's instructions and cache misses per
# forwarded packet, N = 10, 100, 250 (docs/benchmarks.md, "Profile")
profile: build
	@./.ci/apt-install $(BENCH_DEPS) valgrind
	$(MAKE) -C $(TOP)/t/bench all SRTP_PREFIX=$(SRTP_PREFIX)
	$(PYTHON) $(TOP)/t/bench/callgrind.py --module $(MODULE)

# the soak test of docs/testing.md: SOAK_MINUTES (10) of a call under
# loss and churn, watching the workers' memory and descriptors
SOAK_MINUTES ?= 10

soak: build
	@./.ci/apt-install $(TEST_DEPS)
	$(MAKE) -C $(TOP)/t/bench all SRTP_PREFIX=$(SRTP_PREFIX)
	cd $(TOP)/t && NGX_WEBRTC_MODULE=$(MODULE) SOAK_MINUTES=$(SOAK_MINUTES) \
	    $(PYTHON) soak.py

# test_whep_fanout.py drives the benchmark's load generator
e2e: build
	$(MAKE) -C $(TOP)/t/bench $(BUILD)/bench/webrtc_load \
	    SRTP_PREFIX=$(SRTP_PREFIX)
	cd $(TOP)/t && $(E2E_ENV) NGX_WEBRTC_MODULE=$(MODULE) \
	    $(PYTHON) -m pytest -v -x .

test: test-deps build unit fuzz-replay e2e

# A static nginx with the module compiled in, from an nginx source tree:
#   make static NGINX_SRC=/path/to/nginx-1.xx
static:
	@test -n "$(NGINX_SRC)" || { echo "usage: make static NGINX_SRC=DIR"; exit 1; }
	cd $(NGINX_SRC) && (test -x ./configure && ./configure || auto/configure) \
	    --with-http_ssl_module --add-module=$(TOP) --prefix=$(BUILD)/static
	$(MAKE) -C $(NGINX_SRC)
	$(MAKE) -C $(NGINX_SRC) install

clean:
	rm -rf $(BUILD)
