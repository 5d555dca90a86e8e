# libFuzzer harnesses, tests/fuzz/fuzz_NAME.c (see tests/fuzz/RESULTS.md), built with clang:
#   make fuzz-build                  every harness into build/fuzz/fuzz_NAME
#   make fuzz [FUZZ_SECONDS=60]      each harness for that long over its corpus (tests/fuzz/run.sh)
# The library objects are built again with clang, the sanitizers and coverage instrumentation.

FUZZ_CC      ?= clang
FUZZ_DIR     := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g -std=c11 -D_GNU_SOURCE $(WARN) $(PKG_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link
# FUZZ_SKIP_KNOWN=1: let through the inputs of bugs reported and not fixed yet (tests/fuzz/fuzz.h)
ifeq ($(FUZZ_SKIP_KNOWN),1)
FUZZ_DIR     := build/fuzz-skip-known
FUZZ_CFLAGS  += -DFUZZ_SKIP_KNOWN
endif
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_NAMES))
FUZZ_OBJS    := $(patsubst src/%.c,$(FUZZ_DIR)/obj/%.o,$(LIB_SRCS))
FUZZ_SECONDS ?= 60

.PHONY: fuzz fuzz-build
# kept: a harness rebuild must not recompile every object
.SECONDARY: $(FUZZ_OBJS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	tests/fuzz/run.sh --seconds $(FUZZ_SECONDS)

$(FUZZ_DIR)/obj/%.o: src/%.c $(wildcard src/*.h) | $(FUZZ_DIR)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/obj:
	mkdir -p $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Isrc -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(PKG_LIBS) -lm
