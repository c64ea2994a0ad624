# parapass - top-level build. GNU make + gcc.
#
#   make            hosted library + parapass command + freestanding core check
#   make check      every test (unit tests plain and under ASan/UBSan, fuzz, replay, system)
#   make demo       the main job
#   make bench      benchmarks (figures, not pass/fail)
#   make bench-system  the Linux guest in Bochs with and without parapass (minutes)
#
# Sources are found by wildcard, so adding a file needs no edit here.
# The hal backend is chosen at link time: hosted binaries link hal/sim.

CC      ?= gcc
# Build directory; parallel work in one tree uses its own (make O=build-x).
O       ?= build
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)

WARN    := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
           -Wpointer-arith -Wcast-align -Wwrite-strings -Wvla -Wundef \
           -Wimplicit-fallthrough -Wformat=2
CSTD    := -std=gnu11
BASE    := $(CSTD) $(WARN) -I. -MMD -MP
# Core = what also runs inside the hypervisor: no libc, nothing hosted.
CORE_SRC  := $(wildcard vmm/*.c ata/*.c crypto/*.c)
SIM_SRC   := $(wildcard hal/sim/*.c)
REPLAY_SRC:= $(wildcard replay/*.c)
CLI_SRC   := $(wildcard cli/*.c)
# The command minus its main(): the tests/cli/ suites link it.
CLI_LIB_SRC := $(filter-out cli/parapass.c,$(CLI_SRC))
TEST_SRC  := $(wildcard tests/*.c tests/*/*.c tests/*/*/*.c)
# tests/guest/*_main.c are programs of their own (the guest workload, the
# host pattern scanner), built by tests/guest/*.sh, not by the test runner.
TEST_SRC  := $(filter-out tests/guest/%_main.c,$(TEST_SRC))
# tests/vtxguest/ is the bare-metal test guest: built by its own script, never hosted.
TEST_SRC  := $(filter-out tests/vtxguest/%,$(TEST_SRC))
# tests/tools/ programs have their own main() and rules (below); their libraries stay in.
TOOL_MAIN := tests/tools/xts_oracle.c tests/tools/tg_pattern.c
TEST_SRC  := $(filter-out $(TOOL_MAIN),$(TEST_SRC))
# tests/fuzz/ holds libFuzzer targets, built with clang by check-fuzz (below).
TEST_SRC  := $(filter-out tests/fuzz/%,$(TEST_SRC))
BENCH_SRC := $(wildcard bench/*.c)

HOST_LIBS := $(shell pkg-config --libs yaml-0.1 libcrypto 2>/dev/null || echo -lyaml -lcrypto)
CHECK_LIBS:= $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm -lpthread)

# ---- three flavours of the same sources ----
HOST_CFLAGS := $(BASE) -O2 -g
ASAN_CFLAGS := $(BASE) -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=undefined
GCC_INC     := $(shell $(CC) -print-file-name=include)
# -nostdinc keeps every libc header out; only the compiler's own
# (stdint.h, stdarg.h, the intrinsics) remain. crypto/fs/ supplies the one
# stand-in gcc's intrinsics headers want (mm_malloc.h pulls <stdlib.h>).
FS_CFLAGS   := $(BASE) -O2 -g -ffreestanding -nostdlib -nostdinc -isystem $(GCC_INC) \
               -Icrypto/fs -mno-red-zone -fno-pic -fno-stack-protector \
               -fno-asynchronous-unwind-tables -mcmodel=kernel
# vmm/ and ata/ never touch SIMD registers, which belong to the guest;
# crypto/ does, between the backend's XSAVE/XRSTOR of the guest state.
FS_GPR_ONLY := -mgeneral-regs-only

host_obj = $(patsubst %.c,$(O)/host/%.o,$(1))
asan_obj = $(patsubst %.c,$(O)/asan/%.o,$(1))
fs_obj   = $(patsubst %.c,$(O)/fs/%.o,$(1))

LIB_SRC   := $(CORE_SRC) $(SIM_SRC) $(REPLAY_SRC)
HOST_LIB  := $(O)/host/libparapass.a
ASAN_LIB  := $(O)/asan/libparapass.a
PARAPASS  := $(O)/host/parapass
CHECK_BIN := $(O)/host/check_parapass
CHECK_ASAN:= $(O)/asan/check_parapass
FS_CORE   := $(O)/fs/core.o
SUITES_H  := $(O)/gen/suites.h

.PHONY: all check check-unit check-asan check-fs check-system demo bench deps clean
.DEFAULT_GOAL := all

all: $(HOST_LIB) $(PARAPASS) $(CHECK_BIN) $(FS_CORE)

deps:
	@scripts/deps.sh

$(O)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -c $< -o $@
$(O)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -c $< -o $@
$(O)/fs/crypto/%.o: crypto/%.c
	@mkdir -p $(dir $@)
	$(CC) $(FS_CFLAGS) -c $< -o $@
$(O)/fs/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(FS_CFLAGS) $(FS_GPR_ONLY) -c $< -o $@

$(HOST_LIB): $(call host_obj,$(LIB_SRC))
	@rm -f $@
	ar rcs $@ $^
$(ASAN_LIB): $(call asan_obj,$(LIB_SRC))
	@rm -f $@
	ar rcs $@ $^

$(PARAPASS): $(call host_obj,$(CLI_SRC)) $(HOST_LIB)
	$(CC) $(HOST_CFLAGS) -o $@ $^ $(HOST_LIBS)

# The runner calls every "Suite *<name>_suite(void)" found under tests/.
$(SUITES_H): $(TEST_SRC)
	@mkdir -p $(dir $@)
	@sed -n 's/^Suite \*\([a-z0-9_]*_suite\)(void)$$/\1/p' $(TEST_SRC) | sort | \
	  awk '{d = d "Suite *" $$0 "(void);\n"; l = l "\t" $$0 ",\n"} \
	       END {printf "%s#define SUITE_LIST \\\n%s", d, l; print ""}' | \
	  sed 's/,$$/, \\/' > $@.tmp && mv $@.tmp $@

$(O)/host/tests/check_main.o $(O)/asan/tests/check_main.o: $(SUITES_H)
# A suite's only outside caller is the generated list: no header to share.
$(O)/host/tests/%.o: HOST_CFLAGS += -Wno-missing-prototypes -I$(O)/gen
$(O)/asan/tests/%.o: ASAN_CFLAGS += -Wno-missing-prototypes -I$(O)/gen

$(CHECK_BIN): $(call host_obj,$(TEST_SRC) $(CLI_LIB_SRC)) $(HOST_LIB)
	$(CC) $(HOST_CFLAGS) -o $@ $^ $(HOST_LIBS) $(CHECK_LIBS)
$(CHECK_ASAN): $(call asan_obj,$(TEST_SRC) $(CLI_LIB_SRC)) $(ASAN_LIB)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(HOST_LIBS) $(CHECK_LIBS)

# Freestanding check: the core links into one relocatable object whose
# only undefined symbols are the hal contract and what gcc may emit calls
# to (memcpy, memset, memmove, memcmp).
$(FS_CORE): $(call fs_obj,$(CORE_SRC))
	ld -r -o $@ $^
	@bad=$$(nm -u $@ | awk '{print $$2}' | grep -v -E '^(hal_[a-z0-9_]+|memcpy|memset|memmove|memcmp)$$' || true); \
	if [ -n "$$bad" ]; then echo "freestanding core needs non-hal symbols: $$bad"; rm -f $@; exit 1; fi

check-fs: $(FS_CORE)
	@echo "freestanding core: OK ($(words $(CORE_SRC)) files, undefined symbols only hal_* and mem*)"

check-unit: $(CHECK_BIN)
	$(CHECK_BIN)
check-asan: $(CHECK_ASAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 $(CHECK_ASAN)

# System tests: every tests/system/*.sh, in name order; each exits 0 on pass.
check-system: all
	@set -e; for t in $(sort $(wildcard tests/system/*.sh)); do \
	  echo "== $$t"; O=$(O) $$t; done

check: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all $(CHECK_ASAN)
	@$(MAKE) --no-print-directory check-fs check-unit check-asan check-fuzz check-replay check-system

# The build's compiler lines go to a log, so the demo's own output fits the screen.
demo: deps
	@mkdir -p $(O) && echo "== make all (compiler output in $(O)/demo-build.log)"
	@$(MAKE) --no-print-directory -j$(JOBS) all >$(O)/demo-build.log 2>&1 || \
	  { tail -n 30 $(O)/demo-build.log; exit 1; }
	@O=$(O) scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@scripts/bench.sh

# The Linux guest in Bochs with and without parapass (issue 8): figures, not pass/fail.
.PHONY: bench-system
bench-system: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@O=$(O) scripts/bench-system.sh

clean:
	rm -rf $(O)

# ---- hal/vtx: the hypervisor image and the bootable USB/CD image ----
# The ELF links the freestanding core with hal/vtx (compiled by the fs rules,
# so vmm/ rules such as -mgeneral-regs-only apply to it too). make usb puts it,
# the configuration and the key on a hybrid BIOS+UEFI GRUB image. Without
# PARAPASS_CFG/PARAPASS_KEY it uses a CI default: a key generated at build
# time, named as a test key, never committed.
VTX_SRC  := $(wildcard hal/vtx/*.c)
VTX_ASM  := $(wildcard hal/vtx/*.S)
VTX_OBJ  := $(call fs_obj,$(VTX_SRC)) $(patsubst %.S,$(O)/fs/%.o,$(VTX_ASM))
VTX_ELF  := $(O)/vtx/parapass.elf
USB_ISO  := $(O)/usb/parapass.iso
CI_CFG   := $(O)/usb/ci-test.cfg
CI_KEY   := $(O)/usb/ci-test-key.bin
PARAPASS_CFG ?= $(CI_CFG)
PARAPASS_KEY ?= $(CI_KEY)

.PHONY: vtx usb
vtx: $(VTX_ELF)
usb: $(USB_ISO)
check-system: usb

$(O)/fs/hal/vtx/%.o: hal/vtx/%.S
	@mkdir -p $(dir $@)
	$(CC) $(FS_CFLAGS) -c $< -o $@
$(VTX_ELF): $(VTX_OBJ) $(FS_CORE) hal/vtx/vtx.ld
	@mkdir -p $(dir $@)
	ld -n -nostdlib -z max-page-size=0x1000 --no-warn-rwx-segments -T hal/vtx/vtx.ld -o $@ $(VTX_OBJ) $(FS_CORE)
	@bad=$$(nm -u $@); if [ -n "$$bad" ]; then echo "$@: undefined: $$bad"; rm -f $@; exit 1; fi
$(CI_CFG):
	@mkdir -p $(dir $@)
	printf '# CI default: the first IDE disk encrypted with the generated test key\ndisk ata0-master encrypt key=0\nunconfigured pass\n' > $@
$(CI_KEY):
	@mkdir -p $(dir $@)
	head -c 64 /dev/urandom > $@
$(USB_ISO): $(VTX_ELF) $(PARAPASS_CFG) $(PARAPASS_KEY) hal/vtx/mkusb.sh
	hal/vtx/mkusb.sh $(VTX_ELF) $(PARAPASS_CFG) $(PARAPASS_KEY) $@

# ---- test tools and the test guest (tests/tools, tests/vtxguest) ----
# xts_oracle links OpenSSL only, never crypto/: an independent oracle.
XTS_ORACLE := $(O)/host/xts_oracle
TG_PATTERN := $(O)/host/tg_pattern
TG_BIN     := $(O)/vtxguest/tg.bin
.PHONY: testtools
testtools: $(XTS_ORACLE) $(TG_PATTERN) $(TG_BIN)
check-system: testtools

$(XTS_ORACLE): $(call host_obj,tests/tools/xts_oracle.c tests/tools/xts_oracle_lib.c)
	$(CC) $(HOST_CFLAGS) -o $@ $^ $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
$(TG_PATTERN): $(call host_obj,tests/tools/tg_pattern.c)
	$(CC) $(HOST_CFLAGS) -o $@ $^
$(TG_BIN): $(wildcard tests/vtxguest/tg*) tests/vtxguest/build.sh
	tests/vtxguest/build.sh $(dir $@)

-include $(shell find $(O) -name '*.d' 2>/dev/null)

# ---- fuzzing (tests/fuzz): the trace reader under libFuzzer, ASan and UBSan ----
# A short bounded run (FUZZ_TIME seconds) from the committed seed corpus; new
# inputs go to the build directory, never into the tree. The reader's
# sources are listed, not globbed: the rest of replay/ needs the simulator.
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 30
FUZZ_TRACE := $(O)/fuzz/fuzz_trace
FUZZ_TRACE_SRC := tests/fuzz/fuzz_trace.c replay/replay_trace.c replay/replay_yaml.c \
		  replay/replay_header.c replay/replay_b64.c replay/replay_input.c vmm/vmm_record.c \
		  vmm/vmm_record_check.c vmm/vmm_lib.c
.PHONY: check-fuzz
$(FUZZ_TRACE): $(FUZZ_TRACE_SRC) $(wildcard replay/*.h vmm/*.h hal/hal.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) $(WARN) -I. -g -O1 -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=undefined -o $@ $(FUZZ_TRACE_SRC) \
	  $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)
check-fuzz: $(FUZZ_TRACE)
	@rm -rf $(O)/fuzz/trace-corpus && mkdir -p $(O)/fuzz/trace-corpus
	$(FUZZ_TRACE) -max_total_time=$(FUZZ_TIME) -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
	  -dict=tests/fuzz/trace.dict -print_final_stats=1 $(O)/fuzz/trace-corpus tests/fuzz/corpus/trace

# ---- record/replay: the trace corpus through the mediator (replay/README.md) ----
# The committed corpus (traces/*.yaml) always; then the Linux guest's whole
# QEMU captures, made at test time from Debian packages and replayed with the
# profile (tests/replay/qemu-corpus.sh), unless REPLAY_QEMU=0.
REPLAY_QEMU ?= 1
.PHONY: check-replay
check-replay: $(PARAPASS)
	$(PARAPASS) replay $(sort $(wildcard traces/*.yaml))
	@if [ "$(REPLAY_QEMU)" = 1 ]; then O=$(O) tests/replay/qemu-corpus.sh $(O)/replay-corpus; \
	else echo "check-replay: the generated QEMU traces were not replayed (REPLAY_QEMU=$(REPLAY_QEMU))"; fi
