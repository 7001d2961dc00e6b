# SPDX-License-Identifier: GPL-2.0
# xlb — one build entry. `make help` lists the targets.

OUTPUT  ?= build
SAN     ?= 0
ifeq ($(SAN),1)
OUTPUT  := $(OUTPUT)/san
endif

CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
ARCH    := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

PREFIX  ?= /usr/local
DESTDIR ?=

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-9s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SUFFIXES:

PKGS       := libbpf json-c libmnl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ifeq ($(PKG_LIBS),)
PKG_LIBS   := -lbpf -ljson-c -lmnl
endif

CFLAGS  ?= -O2 -g
CFLAGS  += -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
	   -Iinclude -Ictl -I$(OUTPUT) $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lelf -lz
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -Iinclude -I. -Ibpf

# Maglev table size (a prime), shared by both sides: make XLB_MAGLEV_SIZE=251
ifdef XLB_MAGLEV_SIZE
CFLAGS     += -DXLB_MAGLEV_SIZE=$(XLB_MAGLEV_SIZE)
BPF_CFLAGS += -DXLB_MAGLEV_SIZE=$(XLB_MAGLEV_SIZE)
endif

# ---- sources ---------------------------------------------------------------
BPF_SRCS   := bpf/xlb.bpf.c
BPF_HDRS   := $(wildcard bpf/*.h) include/xlb/abi.h
LIB_SRCS   := $(filter-out ctl/xlbd.c ctl/xlbctl.c,$(wildcard ctl/*.c))
LIB_HDRS   := $(wildcard ctl/*.h) include/xlb/abi.h
LIB_OBJS   := $(patsubst ctl/%.c,$(OUTPUT)/ctl/%.o,$(LIB_SRCS))
LIBXLB     := $(OUTPUT)/libxlb.a
SKEL       := $(OUTPUT)/xlb.skel.h
BPF_OBJ    := $(OUTPUT)/xlb.bpf.o

TEST_PROGS_SRCS := $(wildcard selftests/bpf/progs/*.bpf.c)
TEST_SKELS := $(patsubst selftests/bpf/progs/%.bpf.c,$(OUTPUT)/selftests/%.skel.h,$(TEST_PROGS_SRCS))

UNIT_SRCS  := $(wildcard selftests/unit/*.c)
BPFT_SRCS  := $(wildcard selftests/bpf/*.c)
BENCH_SRCS := $(wildcard selftests/bench/*.c)
UNIT_BIN   := $(OUTPUT)/selftests/unit_tests
BPFT_BIN   := $(OUTPUT)/selftests/bpf_tests
BENCH_BINS := $(patsubst selftests/bench/%.c,$(OUTPUT)/selftests/bench_%,$(BENCH_SRCS))

BINS := $(OUTPUT)/xlbd $(OUTPUT)/xlbctl

.PHONY: all
all: $(BINS) $(BPF_OBJ)

# ---- BPF -------------------------------------------------------------------
$(OUTPUT)/%.bpf.tmp.o: bpf/%.bpf.c $(BPF_HDRS) vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$(@F))
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.bpf.o: $(OUTPUT)/%.bpf.tmp.o
	$(call msg,GEN-OBJ,$(@F))
	$(Q)$(BPFTOOL) gen object $@ $<

$(SKEL): $(BPF_OBJ)
	$(call msg,GEN-SKEL,$(@F))
	$(Q)$(BPFTOOL) gen skeleton $< name xlb > $@

$(OUTPUT)/selftests/%.bpf.o: selftests/bpf/progs/%.bpf.c $(BPF_HDRS) vmlinux.h | $(OUTPUT)/selftests
	$(call msg,BPF,$(@F))
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(OUTPUT)/selftests/%.skel.h: $(OUTPUT)/selftests/%.bpf.o
	$(call msg,GEN-SKEL,$(@F))
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

# ---- user space ------------------------------------------------------------
$(OUTPUT)/ctl/%.o: ctl/%.c $(LIB_HDRS) | $(OUTPUT)/ctl
	$(call msg,CC,$(@F))
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# only the loader needs the generated skeleton
$(OUTPUT)/ctl/maps.o: $(SKEL)

$(LIBXLB): $(LIB_OBJS)
	$(call msg,AR,$(@F))
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/xlbd: ctl/xlbd.c $(LIBXLB) $(LIB_HDRS) $(SKEL)
	$(call msg,CC,$(@F))
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIBXLB) $(LDLIBS) -o $@

$(OUTPUT)/xlbctl: ctl/xlbctl.c $(LIBXLB) $(LIB_HDRS) $(SKEL)
	$(call msg,CC,$(@F))
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIBXLB) $(LDLIBS) -o $@

# ---- tests -----------------------------------------------------------------
TEST_CFLAGS := $(CFLAGS) -I$(OUTPUT)/selftests -Iselftests -Wno-missing-field-initializers

$(UNIT_BIN): $(UNIT_SRCS) $(wildcard selftests/unit/*.h) $(LIBXLB) | $(OUTPUT)/selftests
	$(call msg,CC,$(@F))
	$(Q)$(CC) $(TEST_CFLAGS) $(LDFLAGS) $(UNIT_SRCS) $(LIBXLB) $(LDLIBS) -lcriterion -o $@

$(BPFT_BIN): $(BPFT_SRCS) $(wildcard selftests/bpf/*.h) $(LIBXLB) $(SKEL) $(TEST_SKELS) | $(OUTPUT)/selftests
	$(call msg,CC,$(@F))
	$(Q)$(CC) $(TEST_CFLAGS) $(LDFLAGS) $(BPFT_SRCS) $(LIBXLB) $(LDLIBS) -lcriterion -o $@

$(OUTPUT)/selftests/bench_%: selftests/bench/%.c $(wildcard selftests/bench/*.h) $(wildcard selftests/bpf/*.h) $(wildcard selftests/bpf/*.c) $(LIBXLB) $(SKEL) $(TEST_SKELS) | $(OUTPUT)/selftests
	$(call msg,CC,$(@F))
	$(Q)$(CC) $(TEST_CFLAGS) $(LDFLAGS) $< $(LIBXLB) $(LDLIBS) -o $@

# ---- fuzzing (libFuzzer, clang) ---------------------------------------------
# Each selftests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput and is linked
# with the ctl/ sources under ASan+UBSan; selftests/fuzz/run.sh runs each
# target for FUZZ_SECONDS on its corpus selftests/fuzz/corpus/NAME/.
FUZZ_SRCS    := $(wildcard selftests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst selftests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 60
# the short pass per target that is part of make check
CHECK_FUZZ_SECONDS ?= 30
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-std=gnu11 -D_GNU_SOURCE -Iinclude -Ictl -I$(OUTPUT) -Iselftests $(PKG_CFLAGS)

$(OUTPUT)/fuzz/%: selftests/fuzz/%.c $(LIB_SRCS) $(LIB_HDRS) $(SKEL) | $(OUTPUT)/fuzz
	$(call msg,FUZZ-CC,$(@F))
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(LIB_SRCS) $(LDLIBS) -o $@

$(OUTPUT)/fuzz:
	$(Q)mkdir -p $@

.PHONY: fuzz check-fuzz
fuzz: $(FUZZ_BINS)
	$(Q)bash selftests/fuzz/run.sh $(OUTPUT) $(FUZZ_SECONDS)

check-fuzz: $(FUZZ_BINS)
	$(Q)bash selftests/fuzz/run.sh $(OUTPUT) $(FUZZ_SECONDS)

.PHONY: deps
deps:
	$(Q)bash scripts/deps.sh

.PHONY: check check-unit check-bpf check-netns tests
tests: all $(UNIT_BIN) $(BPFT_BIN) $(BENCH_BINS)

# The daemon and CLI are also built with ASan+UBSan (build/san) for the
# namespace tests that run them (XLB_SAN_BUILD); a sanitizer report fails them.
check: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)$(MAKE) --no-print-directory SAN=1 all unit-bin
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)XLB_SAN_BUILD=$(OUTPUT)/san FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS) bash selftests/run.sh \
		$(OUTPUT) unit unit-san bpf netns fuzz

.PHONY: unit-bin
unit-bin: $(UNIT_BIN)

check-unit: $(UNIT_BIN)
	$(Q)bash selftests/run.sh $(OUTPUT) unit

check-bpf: $(BPFT_BIN)
	$(Q)bash selftests/run.sh $(OUTPUT) bpf

check-netns: all
	$(Q)$(MAKE) --no-print-directory SAN=1 all
	$(Q)XLB_SAN_BUILD=$(OUTPUT)/san bash selftests/run.sh $(OUTPUT) netns

.PHONY: bench
bench: $(BENCH_BINS) all
	$(Q)bash selftests/bench/run.sh $(OUTPUT)

.PHONY: bench-e2e soak
bench-e2e: all
	$(Q)XLB_DEPS_BENCH=1 bash scripts/deps.sh
	$(Q)bash selftests/bench/e2e.sh $(OUTPUT)

soak: all
	$(Q)bash selftests/soak.sh $(OUTPUT)

.PHONY: demo
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash scripts/demo.sh $(OUTPUT)

.PHONY: vmlinux
vmlinux:
	$(call msg,GEN,vmlinux.h)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

.PHONY: install
SBINDIR := $(PREFIX)/sbin
install: all
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(PREFIX)/lib/xlb \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)/lib/systemd/system $(DESTDIR)/etc/xlb
	$(Q)install -m 0755 $(OUTPUT)/xlbd $(OUTPUT)/xlbctl $(DESTDIR)$(SBINDIR)/
	$(Q)install -m 0644 $(BPF_OBJ) $(DESTDIR)$(PREFIX)/lib/xlb/
	$(Q)install -m 0644 $(wildcard man/*.8) $(DESTDIR)$(PREFIX)/share/man/man8/
	$(Q)install -m 0644 $(wildcard man/*.5) $(DESTDIR)$(PREFIX)/share/man/man5/
	$(Q)sed 's|@SBINDIR@|$(SBINDIR)|g' dist/xlbd.service > $(DESTDIR)/lib/systemd/system/xlbd.service
	$(Q)install -m 0644 configs/seed-equivalent.json $(DESTDIR)/etc/xlb/xlb.json.example
	$(Q)[ -e $(DESTDIR)/etc/xlb/xlb.json ] || install -m 0600 configs/seed-equivalent.json $(DESTDIR)/etc/xlb/xlb.json

$(OUTPUT) $(OUTPUT)/ctl $(OUTPUT)/selftests:
	$(Q)mkdir -p $@

.PHONY: clean
clean:
	$(call msg,CLEAN,build)
	$(Q)rm -rf build $(if $(filter build%,$(OUTPUT)),,$(OUTPUT))

.PHONY: help
help:
	@echo 'make            build xlbd, xlbctl and the XDP object into $(OUTPUT)/'
	@echo 'make check      install missing packages, run unit + bpf + netns tests'
	@echo 'make check-unit | check-bpf | check-netns   one suite'
	@echo 'make demo       run the namespace lab demo (root)'
	@echo 'make bench      print data-plane, controller and health figures'
	@echo 'make bench-e2e  xlb vs nftables DNAT, nginx stream, HAProxy (root)'
	@echo 'make fuzz       libFuzzer targets, FUZZ_SECONDS each (default 60)'
	@echo 'make soak       lab under load with failures, SOAK_SECONDS (default 600)'
	@echo 'make vmlinux    regenerate vmlinux.h from the running kernel'
	@echo 'make install    install to $$(DESTDIR)$$(PREFIX)'
	@echo 'V=1 shows commands, SAN=1 builds with ASan+UBSan into $(OUTPUT)/san'
