/* lg_cpu.c - CPU time per phase of the three parties: QEMU's main thread (its I/O loop: the stream socket, the
 * virtio queues' bottom halves), QEMU's other threads (the vCPU, under TCG or KVM), and loadgen; from /proc. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lg.h"

static pid_t qemu_pid;

/* utime + stime (clock ticks) and the parent pid from a /proc stat file; 0 if unreadable. */
static int read_stat(const char *path, unsigned long long *ticks, long *ppid, char *comm, size_t ncomm)
{
	char buf[1024], *open_p, *close_p;
	unsigned long long ut, st;
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	open_p = strchr(buf, '(');
	close_p = strrchr(buf, ')');
	if (!open_p || !close_p || close_p < open_p)
		return 0;
	if (comm)
		snprintf(comm, ncomm, "%.*s", (int)(close_p - open_p - 1), open_p + 1);
	/* after ") ": state(3) ppid(4) pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
	if (sscanf(close_p + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", ppid, &ut, &st) != 3)
		return 0;
	*ticks = ut + st;
	return 1;
}

/* 1 if process p descends from anc. */
static int descends(pid_t p, pid_t anc)
{
	char path[64];
	unsigned long long t;
	long pp;
	int depth;

	for (depth = 0; depth < 32 && p > 1; depth++) {
		snprintf(path, sizeof path, "/proc/%d/stat", (int)p);
		if (!read_stat(path, &t, &pp, NULL, 0))
			return 0;
		if (pp == anc)
			return 1;
		p = (pid_t)pp;
	}
	return 0;
}

/* Finds the QEMU process among the descendants of the --run command (once QEMU runs). */
void cpu_find_qemu(pid_t cmd)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[300], comm[64];
	unsigned long long t;
	long pp;

	if (!d || cmd <= 0) {
		if (d)
			closedir(d);
		return;
	}
	while ((e = readdir(d)) && !qemu_pid) {
		pid_t p = (pid_t)atoi(e->d_name);

		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if (p > 0 && read_stat(path, &t, &pp, comm, sizeof comm) && !strncmp(comm, "qemu-system", 11) &&
		    descends(p, cmd))
			qemu_pid = p;
	}
	closedir(d);
}

/* Ticks so far: QEMU's main thread, its other threads, loadgen (QEMU's are 0 if it was not found). */
void cpu_sample(struct lg_cpu *c)
{
	char path[300];
	unsigned long long t;
	struct dirent *e;
	long pp;
	DIR *d;

	memset(c, 0, sizeof *c);
	if (read_stat("/proc/self/stat", &t, &pp, NULL, 0))
		c->self = t;
	if (!qemu_pid)
		return;
	c->have_qemu = 1;
	snprintf(path, sizeof path, "/proc/%d/task", (int)qemu_pid);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		pid_t tid = (pid_t)atoi(e->d_name);

		snprintf(path, sizeof path, "/proc/%d/task/%s/stat", (int)qemu_pid, e->d_name);
		if (tid <= 0 || !read_stat(path, &t, &pp, NULL, 0))
			continue;
		if (tid == qemu_pid)
			c->qemu_main = t;
		else
			c->qemu_other += t;
	}
	closedir(d);
}

/* Microseconds of CPU per response in a phase: b - a spread over n responses. */
void cpu_per_response(const struct lg_cpu *a, const struct lg_cpu *b, uint64_t n, struct lg_phase *ph)
{
	double us = 1e6 / (double)sysconf(_SC_CLK_TCK);

	ph->cpu_known = b->have_qemu && a->have_qemu && n > 0;
	if (!n)
		return;
	ph->us_main = (double)(b->qemu_main - a->qemu_main) * us / (double)n;
	ph->us_vcpu = (double)(b->qemu_other - a->qemu_other) * us / (double)n;
	ph->us_self = (double)(b->self - a->self) * us / (double)n;
}
