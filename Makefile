# lshook: Label Studio webhook receivers for FastCGI and CGI.
# Local overrides (CC, CFLAGS, PREFIX...) go in config.mk.
-include config.mk

VERSION		= 0.1.0
PREFIX		?= /usr/local
DESTDIR		?=
BINDIR		= $(PREFIX)/bin
LIBEXECDIR	= $(PREFIX)/libexec/lshook
DOCDIR		= $(PREFIX)/share/doc/lshook
MANDIR		= $(PREFIX)/share/man
MAN1		= man/lshook.1
MAN5		= man/lshook.conf.5
MAN8		= man/lshook-handlers.8

CC		?= cc
PKG_CONFIG	?= pkg-config
PKGS		= fcgi libcjson libsodium expat
CFLAGS		?= -O2 -g
WARNINGS	= -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes \
		  -Wwrite-strings -Wshadow -Wformat=2 -Wpointer-arith
ifeq ($(WERROR),1)
WARNINGS	+= -Werror
endif
ifeq ($(SANITIZE),1)
SANFLAGS	= -fsanitize=address,undefined -fno-omit-frame-pointer \
		  -fno-sanitize-recover=undefined
endif
PKG_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS	= -std=c11 -D_GNU_SOURCE -DLSHOOK_VERSION=\"$(VERSION)\" \
		  -Ilib $(PKG_CFLAGS) $(WARNINGS) $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS	= $(SANFLAGS) $(LDFLAGS)
LIBS		= $(PKG_LIBS)

B		= build
LIB_SRC		= $(wildcard lib/*.c)
LIB_OBJ		= $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
LIB_A		= $(B)/liblshook.a
HANDLERS	= tasks annotations projects training status
HANDLER_BINS	= $(HANDLERS:%=www/hooks/%.fcgi)
BUNDLE_BINS	= $(HANDLERS:%=$(B)/bundle/%.fcgi)
BUNDLE		= dist/lshook-$(VERSION)-linux-$(shell uname -m).tar.gz
CLI_SRC		= $(wildcard cli/*.c)
CLI_OBJ		= $(CLI_SRC:cli/%.c=$(B)/cli/%.o)
CLI_BIN		= bin/lshook
FUZZ_TARGETS	= $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_REPLAYS	= $(FUZZ_TARGETS:%=$(B)/fuzz/replay-%)
FUZZ_TIME	?= 600
CLANG		?= clang
UNIT_SRC	= $(wildcard tests/unit/test_*.c)
UNIT_BINS	= $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

all: $(HANDLER_BINS) $(CLI_BIN)

# Objects are rebuilt whenever the flags change (SANITIZE=1 and back).
$(B)/flags: FORCE
	@mkdir -p $(B)
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || \
	    echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@

$(B)/lib/%.o: lib/%.c lib/*.h $(B)/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/handlers/%.o: handlers/%.c lib/*.h $(B)/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/cli/%.o: cli/%.c cli/*.h lib/*.h $(B)/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Icli -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

www/hooks/%.fcgi: $(B)/handlers/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(LIBS)

$(CLI_BIN): $(CLI_OBJ) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(LIB_A) $(LIBS)

# Bundle handlers run where the -dev packages and shared libraries are
# missing: libfcgi, libsodium and libexpat linked statically, libcjson (no static
# archive in Debian) beside them, found through an $$ORIGIN rpath.  They are
# also the faster CGI programs: two shared objects to load instead of five.
# Unused sections of the archives are dropped; -z now binds every symbol at
# start (full RELRO) rather than through the lazy resolver.  bin/lshook in the
# bundle is linked the same way, with its own copy of libcjson.so.1.
# GLIBC_FLOOR is the oldest C library the bundle runs on (the docs name it,
# bundle.sh refuses to pack a program importing a newer symbol version, and
# tests/bats/bundle.bats checks every import against it); compat/ supplies
# what the static archives of a newer system would import above it.
GLIBC_FLOOR	= 2.34
BUNDLE_LDFLAGS	= -Wl,-O1,--gc-sections,-z,now
BUNDLE_LIBS	= -Wl,-Bstatic -lfcgi -lsodium -lexpat -Wl,-Bdynamic -lcjson \
		  -Wl,-rpath,'$$ORIGIN' -Wl,--enable-new-dtags
BUNDLE_COMPAT	= $(B)/compat/arc4random.o
BUNDLE_CLI	= $(B)/bundle/lshook
BUNDLE_FILES	= README.md LICENSE www/.htaccess $(wildcard www/status/* \
		  apache/* lighttpd/* nginx/* systemd/* docs/*.md)

$(B)/compat/%.o: compat/%.c $(B)/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/bundle/%.fcgi: $(B)/handlers/%.o $(BUNDLE_COMPAT) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $(BUNDLE_LDFLAGS) -o $@ $< $(BUNDLE_COMPAT) $(LIB_A) \
	    $(BUNDLE_LIBS)

$(BUNDLE_CLI): $(CLI_OBJ) $(BUNDLE_COMPAT) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) $(BUNDLE_LDFLAGS) -o $@ $(CLI_OBJ) $(BUNDLE_COMPAT) \
	    $(LIB_A) $(BUNDLE_LIBS)

bundle: $(BUNDLE)

bundle-handlers: $(BUNDLE_BINS) $(BUNDLE_CLI)

$(BUNDLE): $(BUNDLE_BINS) $(BUNDLE_CLI) scripts/bundle.sh $(BUNDLE_FILES)
	@GLIBC_FLOOR=$(GLIBC_FLOOR) scripts/bundle.sh $(VERSION) $(B)/bundle $@

# The bundle's glibc floor, for the tests.
glibc-floor:
	@echo $(GLIBC_FLOOR)

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-discarded-qualifiers -Itests/unit $(ALL_LDFLAGS) \
	    -o $@ $< $(LIB_A) $(LIBS)

# Fuzz targets: replayed over their corpora by gcc in `make check`, run
# with libFuzzer (clang, ASan, UBSan) for FUZZ_TIME seconds each by
# `make fuzz`; new corpus entries land in fuzz/corpus/<target>/.
$(B)/fuzz/replay-%: fuzz/fuzz_%.c fuzz/util.c fuzz/replay.c fuzz/fuzz.h $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-discarded-qualifiers -Ifuzz $(ALL_LDFLAGS) -o $@ \
	    $< fuzz/util.c fuzz/replay.c $(LIB_A) $(LIBS)

FUZZ_CFLAGS	= -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
		  -std=c11 -D_GNU_SOURCE -DLSHOOK_VERSION=\"$(VERSION)\" -Ilib $(PKG_CFLAGS)
$(B)/fuzz-clang/lib/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -c -o $@ $<

$(B)/fuzz-clang/fuzz-%: fuzz/fuzz_%.c fuzz/util.c fuzz/fuzz.h $(LIB_SRC:lib/%.c=$(B)/fuzz-clang/lib/%.o)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Wno-incompatible-pointer-types-discards-qualifiers \
	    -Ifuzz -o $@ $< fuzz/util.c $(LIB_SRC:lib/%.c=$(B)/fuzz-clang/lib/%.o) $(LIBS)

fuzz-replay: $(FUZZ_REPLAYS)

fuzz: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=$(B)/fuzz-clang/fuzz-%)
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p fuzz/corpus/$$t $(B)/fuzz-clang/crashes; \
	    echo "== fuzz $$t for $(FUZZ_TIME) s"; \
	    $(B)/fuzz-clang/fuzz-$$t -max_total_time=$(FUZZ_TIME) -max_len=65536 \
	        -artifact_prefix=$(B)/fuzz-clang/crashes/$$t- fuzz/corpus/$$t \
	        2>&1 | tail -n 3 || exit 1; \
	done

# Installs missing Debian packages as root, or prints the apt-get line.
deps:
	@scripts/deps.sh

fuzz-deps:
	@scripts/deps.sh fuzz

unit: $(UNIT_BINS)

check: deps lint-man
	@$(MAKE) --no-print-directory all unit fuzz-replay
	@tests/run

check-valgrind: deps
	@$(MAKE) --no-print-directory all unit fuzz-replay
	@VALGRIND=1 tests/run

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run.sh start

stop:
	@scripts/run.sh stop

install: all
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(BINDIR)
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	install -m 0755 $(HANDLER_BINS) $(DESTDIR)$(LIBEXECDIR)/
	install -m 0755 $(CLI_BIN) $(DESTDIR)$(BINDIR)/
	install -m 0644 README.md LICENSE docs/ARCHITECTURE.md $(DESTDIR)$(DOCDIR)/
	install -d $(DESTDIR)$(PREFIX)/share/lshook/status
	install -m 0644 www/status/index.html www/status/status.css \
	    www/status/status.js $(DESTDIR)$(PREFIX)/share/lshook/status/

uninstall:
	rm -f $(HANDLERS:%=$(DESTDIR)$(LIBEXECDIR)/%.fcgi)
	rm -f $(DESTDIR)$(BINDIR)/lshook
	rm -f $(DESTDIR)$(MANDIR)/man1/lshook.1 \
	    $(DESTDIR)$(MANDIR)/man5/lshook.conf.5 \
	    $(DESTDIR)$(MANDIR)/man8/lshook-handlers.8
	rm -f $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/LICENSE \
	    $(DESTDIR)$(DOCDIR)/ARCHITECTURE.md
	rm -rf $(DESTDIR)$(PREFIX)/share/lshook/status
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(PREFIX)/share/lshook

# The man pages: mandoc -Tlint, failing on any warning or error (style
# notes such as a page not installed on this machine are not failures).
lint-man:
	mandoc -Tlint -Wwarning $(MAN1) $(MAN5) $(MAN8)

clean:
	rm -rf $(B) dist bin $(HANDLER_BINS)

FORCE:
.SECONDARY: $(HANDLERS:%=$(B)/handlers/%.o)
.PHONY: all bundle bundle-handlers glibc-floor deps fuzz-deps unit fuzz fuzz-replay check check-valgrind run stop install uninstall clean FORCE lint-man

# The benchmark (docs/PERFORMANCE.md): the ceiling, lshook, adnanh/webhook,
# a Flask receiver and CGI mode side by side on 127.0.0.1, driven by wrk for
# a bounded time; installs its packages (bench/packages.txt) as root.
# bench writes the results into docs/PERFORMANCE.md; bench-smoke runs a few
# seconds per row with the same checks (CI) and writes only with BENCH_WRITE=1.
bench:
	@bench/run.sh --write

bench-smoke:
	@bench/run.sh --smoke

.PHONY: bench bench-smoke

# The soak test (docs/SECURITY.md, "Load"): SOAK_REQUESTS unique events
# (one million) over 64 connections through lighttpd/lshook.conf, driven by
# wrk, within 15 minutes; fails on any answer but 200 ok, a log line count
# other than the number of those answers, or a handler whose VmRSS grew.
# CI: make soak SOAK_REQUESTS=20000 (same checks, under a minute).
# SOAK_WRITE=1 writes the numbers into docs/SECURITY.md.
SOAK_REQUESTS	?= 1000000
soak: deps
	@$(MAKE) --no-print-directory all
	@SOAK_REQUESTS=$(SOAK_REQUESTS) tests/soak/soak.sh

.PHONY: soak

# Long fault runs (tests/torture/): the concurrency, crash and rotation tests of
# tests/bats/faults.bats at a larger scale through lighttpd (TORTURE_EVENTS
# events, default 20000, from TORTURE_CLIENTS=64 clients, TORTURE_KILLS=20
# SIGKILLs); prints TAP and ends with "N passed, N failed".
torture: deps
	@$(MAKE) --no-print-directory all
	@tests/torture/run.sh

.PHONY: torture
