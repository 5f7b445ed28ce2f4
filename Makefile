# ktpsync — one GNU Makefile, no configure step.
#   make            build the three binaries under build/bin/
#   make check      install missing Debian packages, build, run unit and system tests
#   make demo       start a hub and regency nodes locally and show sync and reports
#   make bench      print `bench: NAME VALUE UNIT` figures
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS under ASan+UBSan
#   make install    PREFIX=/usr/local, DESTDIR honoured; make uninstall
#   make deb        Debian package in build/deb/ (systemd/debian/, dpkg-buildpackage)
#   V=1 shows commands; SANITIZE=1 builds with ASan+UBSan into build/san/,
#   SANITIZE=thread with TSan into build/tsan/.

# The version a tarball carries; a git checkout is described by `git describe`
# (a tag, or this version and the commit, "-dirty" with local changes).
VERSION    := 0.5.0
PKG_CONFIG ?= pkg-config
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share
# The Kemendagri code table (protocol/areas/, from idn-area-data, ODbL) is installed here.
AREADIR    ?= $(DATADIR)/ktpsync/areas
SYSCONFDIR ?= /etc
DOCDIR     ?= $(DATADIR)/doc/ktpsync
# systemd reads units, sysusers.d and tmpfiles.d under /usr/local/lib as well
# as /usr/lib, so every prefix gets working paths.
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
FUZZ_SECONDS ?= 60

PKGS      := libcurl sqlite3 libsodium libmicrohttpd libzstd jansson inih libsystemd
TEST_PKGS := cmocka

# Each library as pkg-config knows it, with the Debian package that brings it.
# libpq is installed for the PostgreSQL store but not in PKGS: nothing links it yet.
DEB_LIBS  := libcurl:libcurl4-openssl-dev sqlite3:libsqlite3-dev libsodium:libsodium-dev \
	     cmocka:libcmocka-dev libmicrohttpd:libmicrohttpd-dev libzstd:libzstd-dev \
	     jansson:libjansson-dev inih:libinih-dev libsystemd:libsystemd-dev libpq:libpq-dev
# What the tests, tools and the demo use besides the libraries. postgresql-15
# brings the server binaries (/usr/lib/postgresql/15/bin) the tests run their
# own clusters with (tests/pg.sh); the tests never use the package's own cluster.
DEB_TESTS := curl sqlite3 faketime clang libclang-rt-14-dev valgrind iproute2 procps \
	     systemd tzdata e2fsprogs man-db jq openssl chromium fonts-dejavu-core prometheus \
	     dpkg-dev debhelper lintian fakeroot mandoc postgresql-15

ifeq ($(SANITIZE),1)
BUILD ?= build/san
else ifeq ($(SANITIZE),thread)
BUILD ?= build/tsan
else
BUILD ?= build
endif

WARN   := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wpointer-arith -Wformat=2 -Wsign-compare -Wvla
HARDEN := -fstack-protector-strong -D_FORTIFY_SOURCE=2
INCS   := -Itests/synth -Iprotocol -Iconf -Idaemon/common -Idaemon/node -Idaemon/hub -Idaemon/ctl

ifeq ($(SANITIZE),1)
HARDEN  := -fstack-protector-strong
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
ifeq ($(SANITIZE),thread)
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
endif

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c17 -D_GNU_SOURCE -DKTP_AREA_DIR='"$(AREADIR)"' $(WARN) $(HARDEN) $(SANFLAGS) -MMD -MP $(INCS) $(PKG_CFLAGS)
LDFLAGS += -Wl,--as-needed -Wl,-z,relro -Wl,-z,now $(SANFLAGS)
LDLIBS  += $(PKG_LIBS) -lm -lpthread

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Layers. Every .c basename is unique in the tree, so objects mirror the sources.
PROTO_SRCS  := $(wildcard protocol/*.c)
CONF_SRCS   := $(wildcard conf/*.c)
COMMON_SRCS := $(wildcard daemon/common/*.c)
NODE_SRCS   := $(filter-out daemon/node/ktpsyncd.c,$(wildcard daemon/node/*.c))
HUB_SRCS    := $(filter-out daemon/hub/ktphubd.c,$(wildcard daemon/hub/*.c))
CTL_SRCS    := $(filter-out daemon/ctl/ktpctl.c,$(wildcard daemon/ctl/*.c))

objs = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIB_OBJS  := $(call objs,$(PROTO_SRCS) $(CONF_SRCS) $(COMMON_SRCS))
NODE_OBJS := $(call objs,$(NODE_SRCS))
HUB_OBJS  := $(call objs,$(HUB_SRCS))
CTL_OBJS  := $(call objs,$(CTL_SRCS))

BINS := $(BUILD)/bin/ktpsyncd $(BUILD)/bin/ktphubd $(BUILD)/bin/ktpctl

# Synthetic realistic data (names, NIKs, statuses) for tools and benchmarks.
SYNTH_OBJS := $(call objs,$(wildcard tests/synth/*.c))

TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOLS     := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCHES   := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNITS     := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))

# Each unit test names the sources it links in tests/unit/unit.mk as
# test_<module>_DEPS, so a test binary holds only the module and what it needs.
-include tests/unit/unit.mk

.PHONY: FORCE all check unit system bench fuzz demo install uninstall deb clean deps tools
.DEFAULT_GOAL := all

all: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# Only version.c sees the version, and only when it changed is it rebuilt.
GIT_VERSION := $(shell git describe --tags --dirty 2>/dev/null || \
	{ h=$$(git rev-parse --short HEAD 2>/dev/null) && \
	  { git diff --quiet HEAD 2>/dev/null && d= || d=-dirty; } && echo "$(VERSION)-g$$h$$d"; })
KTP_VERSION := $(or $(GIT_VERSION),$(VERSION))
$(BUILD)/version.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(KTP_VERSION)' | cmp -s - $@ || echo '$(KTP_VERSION)' > $@
$(BUILD)/daemon/common/version.o: $(BUILD)/version.txt
$(BUILD)/daemon/common/version.o: CFLAGS += -DKTP_VERSION='"$(KTP_VERSION)"'
FORCE:

$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(TEST_CFLAGS) -c -o $@ $<

$(BUILD)/bin/ktpsyncd: $(BUILD)/daemon/node/ktpsyncd.o $(NODE_OBJS) $(LIB_OBJS)
$(BUILD)/bin/ktphubd: $(BUILD)/daemon/hub/ktphubd.o $(HUB_OBJS) $(LIB_OBJS)
$(BUILD)/bin/ktpctl: $(BUILD)/daemon/ctl/ktpctl.o $(CTL_OBJS) $(LIB_OBJS)
# link EXTRA_LIBS: every program and test binary is linked the same way.
define link
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(1) $(LDLIBS)
endef

$(BINS):
	$(call link)

$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(SYNTH_OBJS) $(LIB_OBJS)
	$(call link)

$(BUILD)/bench/%: $(BUILD)/tests/bench/%.o $(SYNTH_OBJS) $(LIB_OBJS) $(NODE_OBJS) $(HUB_OBJS)
	$(call link)

# Objects of tools and tests are intermediate files to make; keep them.
.SECONDARY:

.SECONDEXPANSION:
$(UNITS): $(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $$(call objs,$$($$*_DEPS))
	$(call link,$(TEST_LIBS))

tools: $(TOOLS)

# The unit tests run from the tree root; each gets its own temporary directory.
unit: $(UNITS)
	$(Q)fails=0; for t in $(UNITS); do \
		KTP_TEST_DATA=tests/data $$t || fails=$$((fails + 1)); \
	done; \
	if [ $$fails -ne 0 ]; then echo "unit: $$fails test binaries failed"; exit 1; fi

system: $(BINS) $(TOOLS)
	$(Q)KTP_BUILD=$(BUILD) tests/system/run

check: deps
	$(Q)$(MAKE) --no-print-directory all tools
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory system

bench: deps
	$(Q)$(MAKE) --no-print-directory all tools $(BENCHES)
	$(Q)KTP_BUILD=$(BUILD) tests/bench/bench.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all tools
	$(Q)KTP_BUILD=$(BUILD) tests/demo.sh

# libFuzzer targets are built with clang, ASan and UBSan, from the pure
# protocol sources and the few others each target drives (listed below as its
# prerequisites, with fuzz_NAME_PKGS for the libraries only it needs).
# FUZZ_INCLUDED are sources a target #includes to reach their static
# functions: prerequisites, not compiled on their own.
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))
FUZZ_PKGS    := libsodium libzstd jansson libcurl inih
FUZZ_CFLAGS  := -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(INCS)
FUZZ_LIBS     = $(shell $(PKG_CONFIG) --libs $(FUZZ_PKGS)) -lm -lpthread
FUZZ_INCLUDED := daemon/hub/ctl_hub.c

build/fuzz/fuzz_ctl: daemon/common/ctlio.c
build/fuzz/fuzz_conf: $(CONF_SRCS) daemon/common/fileio.c
build/fuzz/fuzz_answer: daemon/node/pusher.c
build/fuzz/fuzz_bundle: daemon/hub/ctl_hub.c daemon/common/version.c
build/fuzz/fuzz_dashboard: daemon/hub/dashboard.c
# fuzz_http runs the hub's HTTP server in its process, on 127.0.0.1.
build/fuzz/fuzz_http: daemon/hub/http.c daemon/hub/dashboard.c daemon/common/log.c daemon/common/ktime.c
fuzz_http_PKGS := libmicrohttpd libsystemd
# fuzz_ingest drives the node's import against a real journal (SQLite).
build/fuzz/fuzz_ingest: daemon/node/ingest.c daemon/node/journal.c daemon/common/db.c \
			daemon/common/area.c daemon/common/fileio.c
fuzz_ingest_PKGS := sqlite3

build/fuzz/%: tests/fuzz/%.c $(PROTO_SRCS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)clang $(FUZZ_CFLAGS) $(shell $(PKG_CONFIG) --cflags $(FUZZ_PKGS) $($*_PKGS)) \
		-o $@ $(filter-out $(FUZZ_INCLUDED),$(filter %.c,$^)) $(FUZZ_LIBS) \
		$(if $($*_PKGS),$(shell $(PKG_CONFIG) --libs $($*_PKGS)))

fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)for f in $(FUZZ_BINS); do \
		n=$$(basename $$f); mkdir -p build/fuzz/corpus-$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
		    -artifact_prefix=build/fuzz/$$n- \
		    build/fuzz/corpus-$$n tests/fuzz/corpus/$$n > build/fuzz/$$n.log 2>&1 || \
			{ tail -n 60 build/fuzz/$$n.log; echo "fuzz: $$n: FINDING (log build/fuzz/$$n.log)"; exit 1; }; \
		echo "fuzz: $$n: $$(grep -h '^Done' build/fuzz/$$n.log), no finding"; \
	done

# `make deps`: quiet when every package is present; as root it installs what is
# missing, otherwise it prints the exact apt-get line and fails.
deps:
	$(Q)missing=$$( \
		command -v pkg-config >/dev/null || echo pkg-config; \
		for lp in $(DEB_LIBS); do \
			$(PKG_CONFIG) --exists $${lp%%:*} 2>/dev/null || echo $${lp#*:}; \
		done; \
		for p in $(DEB_TESTS); do \
			dpkg-query -W -f='$${db:Status-Abbrev}' $$p 2>/dev/null | grep -q '^ii' || echo $$p; \
		done | tr '\n' ' '); \
	missing=$$(echo $$missing); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "deps: installing $$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
		else \
			echo "deps: missing packages; run as root:"; \
			echo "  apt-get install -y $$missing"; exit 1; \
		fi; \
	fi

# Man pages sit next to the code they describe, in roff.
MAN8 := daemon/node/ktpsyncd.8 daemon/hub/ktphubd.8 daemon/ctl/ktpctl.8
MAN5 := conf/ktpsync.conf.5
# Every unit under systemd/ names /usr/local/sbin and /etc/ktpsync; install
# rewrites both to SBINDIR and SYSCONFDIR, and the area table's default place
# in ktpsync.conf(5) and the examples to AREADIR.
SYSTEMD_UNITS := $(wildcard systemd/*.service systemd/*.timer)
AREA_FILES    := provinces.csv regencies.csv districts.csv villages.csv LICENSE.md
EXAMPLES      := ktpsyncd.conf.example ktphubd.conf.example ktpsync.rules.yml

# /etc/ktpsync is root:ktpsync 0750 (the units' ConfigurationDirectoryMode; the
# daemons read their configuration and keys through the group). The group
# exists once systemd-sysusers has read ktpsync.conf: when it does not yet (or
# under DESTDIR, a staging tree), the directory stays root:root and
# `systemd-tmpfiles --create ktpsync.conf` (after systemd-sysusers) gives it
# its group; the Debian package's postinst does both.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(AREADIR)
	install -m 0755 $(BUILD)/bin/ktpsyncd $(BUILD)/bin/ktphubd $(BUILD)/bin/ktpctl \
		$(DESTDIR)$(SBINDIR)/
	for u in $(notdir $(SYSTEMD_UNITS)); do \
		sed -e 's|/usr/local/sbin|$(SBINDIR)|g' -e 's|/etc/ktpsync|$(SYSCONFDIR)/ktpsync|g' \
			systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 0644 systemd/ktpsync.sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/ktpsync.conf
	install -m 0644 systemd/ktpsync.tmpfiles.conf $(DESTDIR)$(TMPFILESDIR)/ktpsync.conf
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 README.md LICENSE $(DESTDIR)$(DOCDIR)/
	for f in $(MAN5) $(addprefix conf/,$(EXAMPLES)); do \
		case $$f in *.5) d=$(DESTDIR)$(MANDIR)/man5 ;; *) d=$(DESTDIR)$(DOCDIR)/examples ;; esac; \
		sed -e 's|/usr/local/share/ktpsync/areas|$(AREADIR)|g' $$f > $$d/$${f##*/} && \
		chmod 0644 $$d/$${f##*/} || exit 1; \
	done
	install -m 0644 $(addprefix protocol/areas/,$(AREA_FILES)) $(DESTDIR)$(AREADIR)/
	install -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/ktpsync
	@if [ -n "$(DESTDIR)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && getent group ktpsync >/dev/null; then \
		chown root:ktpsync $(SYSCONFDIR)/ktpsync; \
	else \
		echo "install: $(SYSCONFDIR)/ktpsync left as $$(stat -c %U:%G $(SYSCONFDIR)/ktpsync);" \
			"as root, run systemd-sysusers ktpsync.conf, then" \
			"systemd-tmpfiles --create ktpsync.conf, to make it root:ktpsync"; \
	fi

# Removes what install put there (and ktpctl from BINDIR, where it was once);
# SYSCONFDIR/ktpsync goes only when empty: configuration and keys stay, as do
# the state in /var/lib/ktpsync and the ktpsync user.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,ktpsyncd ktphubd ktpctl) $(DESTDIR)$(BINDIR)/ktpctl \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(SYSTEMD_UNITS))) \
		$(DESTDIR)$(SYSUSERSDIR)/ktpsync.conf $(DESTDIR)$(TMPFILESDIR)/ktpsync.conf \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MAN8))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5))) \
		$(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/LICENSE \
		$(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(EXAMPLES)) \
		$(addprefix $(DESTDIR)$(AREADIR)/,$(AREA_FILES))
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) $(DESTDIR)$(AREADIR) \
		$(DESTDIR)$(DATADIR)/ktpsync $(DESTDIR)$(SYSCONFDIR)/ktpsync 2>/dev/null || true

# `make deb`: a copy of the tree (git's files as they are now, or every file
# outside build/ in a tarball's tree) in
# build/deb/ktpsync-VERSION/ with systemd/debian/ as its debian/, then
# dpkg-buildpackage; the .deb, .buildinfo and .changes land in build/deb/.
# DEB_BUILD_OPTIONS (e.g. nocheck, parallel=2) passes through.
DEB_VERSION := $(shell echo '$(KTP_VERSION)' | sed -e 's/^v//' -e 's/-\([0-9]*\)-g/+git\1.g/' -e 's/-dirty$$/.dirty/' -e 's/-g/+g/')
DEB_TREE    := build/deb/ktpsync-$(DEB_VERSION)
DEB_JOBS    ?= -jauto
deb:
	$(Q)rm -rf build/deb && mkdir -p $(DEB_TREE)
	$(Q)if git rev-parse --git-dir >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard; \
	else \
		find . -path ./build -prune -o ! -type d -print0; \
	fi | tar -c --null -T - --ignore-failed-read -f - 2>/dev/null | tar -x -C $(DEB_TREE) -f -
	$(Q)cp -a systemd/debian $(DEB_TREE)/debian
	$(Q)sed -i -e '1s/(VERSION)/($(DEB_VERSION))/' -e "s/DATE\$$/$$(date -R)/" \
		$(DEB_TREE)/debian/changelog
	$(Q)cd $(DEB_TREE) && KTP_VERSION='$(KTP_VERSION)' dpkg-buildpackage -b -us -uc $(DEB_JOBS)
	$(Q)ls build/deb/*.deb

clean:
	rm -rf build

# build/deb holds a whole packaging tree (directories named *.d among it).
-include $(shell find $(BUILD) -path build/deb -prune -o -name '*.d' -type f -print 2>/dev/null)
