/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netns.c: what the real-path unit tests share (check_dp_ipset, check_dp_kube_ipvs0): a
 * private network namespace and shell commands run in it. Failures are Check assertions,
 * never skips: these tests need root and Debian's ip and ipset.
 */
#ifndef IPVSTOP_TESTS_NETNS_H
#define IPVSTOP_TESTS_NETNS_H

/*
 * Moves the calling process (a test: Check forks each) into a new, empty network namespace;
 * what it makes there goes with it.
 */
void netns_private(void);

/* Runs cmd with sh -c and fails the test unless it exits 0. */
void netns_run(const char *cmd);

#endif
