# SPDX-License-Identifier: GPL-2.0
# -I../..: kselftest_harness.h, which 6.1's lib.mk does not add
CFLAGS += -Wall -O2 -pthread $(KHDR_INCLUDES) -I../..

TEST_GEN_PROGS := test_restrack test_syscalls test_restrack_stress test_overcommit

LOCAL_HDRS += agent.h cgroup_util.h fixture.h ksft.h oracle.h \
	restrack_harness.h restrack_test.h restrack_sys.h seeded.h

include ../../lib.mk

HELPERS := agent.c agent_child.c agent_fds.c cgroup_util.c fixture.c ksft.c \
	oracle.c util.c

$(OUTPUT)/test_restrack: $(HELPERS)
$(OUTPUT)/test_syscalls: $(HELPERS)
$(OUTPUT)/test_restrack_stress: $(HELPERS)
$(OUTPUT)/test_overcommit: $(HELPERS)
