# SPDX-License-Identifier: GPL-2.0
# restrack: entry points.  See README.md.
#
#   make patch   out/restrack-<line>.patch for each line with a tree here
#   make series  out/series-<LINE>/: the same as a patch series with a cover
#                letter, for review (LINE=7.3 by default)
#   make check-series  the tree of LINE/ARCH builds after each patch of it
#   make check   apply, lint, build, boot and test every line on x86_64, and
#                the newest line on arm64 too (CI runs this); STRESS_SEED
#                reruns the stress test's seed (check-debug too)
#   make check-full  make check on both architectures for every line
#   make check-debug  the in-VM suite, the fault-injection suite, the
#                stress-ng suite and the fuzzer on lockdep/KASAN/UBSAN/kmemleak kernels (LINES,
#                DEBUG_ARCHES, FUZZ_SECONDS)
#   make fuzz    the fuzzer alone on the debug kernel of LINE/ARCH for
#                SECONDS (default 600), SEED to rerun a seed
#   make faults  the fault-injection suite alone on the debug kernel of
#                LINE/ARCH: every allocation of restrack's paths failed
#   make stressng  the stress-ng suite alone on the debug kernel of
#                LINE/ARCH: real programs at and over the limits
#   make run     build and boot the 6.1 kernel and show restrack working
#   make shell   boot the 6.1 kernel to a guest shell
#   make bench   restrack's cost against the unpatched kernel (scripts/bench.sh)
#   make check-systemd  restrack under a Debian guest's systemd and libcgroup
#                (SUITE=bookworm|trixie, SUITES="bookworm trixie"; LINE=6.12)
#   make deb     Debian packages of the patched kernel (bindeb-pkg) from
#                CONFIG (default /boot/config-$(uname -r); CONFIG=test: the
#                kernel of check-install) into out/deb-<line>-<arch>/ (LINE=6.12)
#   make check-install  the test package installed with dpkg -i into a
#                Debian guest and booted from its /boot (SUITE, SUITES; LINE=6.12)
#   make check-containers  restrack limits on podman (crun, runc, rootless)
#                and containerd containers in a Debian trixie guest (LINE=6.12)
#
# LINES, ARCHES, ARCH, LINE and KSRC select what to build (see README.md).

LINES	?=
LINE	?= 6.1
ARCH	?= x86_64
ARCHES	?=
export LINES ARCHES KSRC KSRC_6_1 KSRC_6_12 KSRC_6_13 KSRC_7_3

S := scripts

.PHONY: all patch series check-series check check-full check-debug check-systemd shell-systemd deb check-install check-containers fuzz faults stressng run shell bench kernel clean

all: patch

patch:
	@$(S)/patches.sh

# The series of LINE (7.3 unless LINE is given on the command line).
SERIES_LINE = $(if $(filter command line,$(origin LINE)),$(LINE),7.3)
series:
	@$(S)/mkseries.sh $(SERIES_LINE)

check-series:
	@$(S)/series-check.sh $(SERIES_LINE) $(ARCH)

check:
	@RESTRACK_STRESS_SEED=$(STRESS_SEED) $(S)/check.sh

check-full:
	@RESTRACK_STRESS_SEED=$(STRESS_SEED) ARCHES="$(or $(ARCHES),x86_64 arm64)" \
		$(S)/check.sh

check-debug:
	@RESTRACK_STRESS_SEED=$(STRESS_SEED) $(S)/check-debug.sh

# The Debian guest runs 6.12 unless LINE is given on the command line.
SYSTEMD_ENV = LINE=$(if $(filter command line,$(origin LINE)),$(LINE),6.12) \
	ARCH=$(ARCH) SUITE=$(or $(SUITE),bookworm) SUITES="$(SUITES)"

check-systemd:
	@$(SYSTEMD_ENV) $(S)/check-systemd.sh

shell-systemd:
	@$(SYSTEMD_ENV) RESTRACK_MODE=shell $(S)/check-systemd.sh

deb:
	@CONFIG="$(CONFIG)" $(S)/build-deb.sh $(if $(filter command line,$(origin LINE)),$(LINE),6.12) $(ARCH)

check-install:
	@$(SYSTEMD_ENV) $(S)/check-install.sh

check-containers:
	@$(SYSTEMD_ENV) SUITE=$(or $(SUITE),trixie) $(S)/check-containers.sh
SECONDS	?= 600
fuzz:
	@DEBUG_MODE=fuzz DEBUG_LINES=$(LINE) DEBUG_ARCHES=$(ARCH) \
		FUZZ_SECONDS=$(SECONDS) FUZZ_SEED=$(SEED) $(S)/check-debug.sh

faults:
	@DEBUG_MODE=faults DEBUG_LINES=$(LINE) DEBUG_ARCHES=$(ARCH) \
		FUZZ_SECONDS=0 $(S)/check-debug.sh

stressng:
	@DEBUG_MODE=stressng DEBUG_LINES=$(LINE) DEBUG_ARCHES=$(ARCH) \
		FUZZ_SECONDS=0 $(S)/check-debug.sh

kernel:
	$(S)/build-kernel.sh $(LINE) $(ARCH)
	$(S)/mkinitramfs.sh $(LINE) $(ARCH)

run: kernel
	$(S)/run-vm.sh $(LINE) $(ARCH) run

shell: kernel
	$(S)/run-vm.sh $(LINE) $(ARCH) shell

# Lines 6.1 and 6.12 on x86_64 unless LINES or ARCHES are given.
bench:
	@LINES="$(or $(LINES),6.1 6.12)" \
	 ARCHES="$(or $(ARCHES),x86_64)" \
	 $(S)/bench.sh

clean:
	rm -rf out
