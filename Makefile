# podmigrate: `make` builds build/podmigrate, `make test` runs every test.
# SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer into build/asan,
# SANITIZE=thread with ThreadSanitizer into build/tsan.

CC      ?= cc
PKGS    := libpq libmariadb sqlite3 yajl libutf8proc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lm -pthread

ifeq ($(SANITIZE),1)
BUILD   := build/asan
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else ifeq ($(SANITIZE),thread)
# ThreadSanitizer (clang): verify's reader thread (src/row_stream.c) against its consumer
BUILD   := build/tsan
CC      := clang
CFLAGS  += -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS += -fsanitize=thread
else
BUILD   := build
endif

SRCS    := $(wildcard src/*.c)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
OBJS    := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
LIB_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
UNIT_SRCS := $(wildcard tests/unit/*.c)

.PHONY: all test check unit-test demo clean

all: $(BUILD)/podmigrate

$(BUILD)/podmigrate: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# -MMD -MP: each object's header dependencies, written beside it and read back below.
$(BUILD)/obj/%.o: src/%.c | $(BUILD)/obj
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj:
	mkdir -p $@

$(BUILD)/unit_tests: $(UNIT_SRCS) $(LIB_OBJS) $(wildcard src/*.h tests/unit/*.h)
	$(CC) $(CFLAGS) -Isrc $(LDFLAGS) -o $@ $(UNIT_SRCS) $(LIB_OBJS) $(LDLIBS)

unit-test: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

# Every test (tests/run.sh): unit tests, then export/import against real SQLite,
# MariaDB and PostgreSQL servers started for the run, with the AddressSanitizer/UBSan
# build (a memory error anywhere fails them) and again with the release build users
# install (uninitialised heap made garbage by MALLOC_PERTURB_, then a valgrind pass).
test:
	$(MAKE) --no-print-directory SANITIZE=1 build/asan/podmigrate build/asan/unit_tests
	$(MAKE) --no-print-directory SANITIZE= build/podmigrate build/unit_tests
	$(MAKE) --no-print-directory SANITIZE=thread build/tsan/podmigrate build/tsan/unit_tests
	PODMIGRATE_TSAN=$(CURDIR)/build/tsan/podmigrate tests/run.sh build/asan build

# The same tests with the current build flags (make check, or make SANITIZE=1 check).
check: $(BUILD)/podmigrate $(BUILD)/unit_tests
	tests/run.sh $(BUILD)

# The demo: a generated Pod v3 SQLite database, exported to JSON.
demo: $(BUILD)/podmigrate
	scripts/demo.sh $(BUILD)

clean:
	rm -rf build

-include $(OBJS:.o=.d)

# The fuzzers' targets (make fuzz), when tests/fuzz is there.
-include tests/fuzz/fuzz.mk
