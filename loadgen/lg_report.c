/* lg_report.c - loadgen's report: totals, phases and their comparison, as text or JSON, and the summary table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lg.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The p-quantile of the sorted v[0..n) (nearest rank). */
static uint32_t pct(const uint32_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)ceil(p * (double)n) - 1;
	return v[i >= n ? n - 1 : i];
}

static double tput(uint64_t responses, double secs)
{
	return secs > 0 ? (double)responses / secs : 0.0;
}

/* The phase's window (start to the end of sending or its last answer, whichever is later) and percentiles. */
void report_phase_end(struct lg_phase *ph)
{
	size_t n = ph->lat1 - ph->lat0;
	uint32_t *v = malloc((n ? n : 1) * sizeof *v);
	uint64_t end = ph->t_last > ph->t_stop ? ph->t_last : ph->t_stop;

	if (!v)
		lg_die("out of memory");
	memcpy(v, G.lat_us + ph->lat0, n * sizeof *v);
	qsort(v, n, sizeof *v, cmp_u32);
	ph->p50 = pct(v, n, 0.5);
	ph->p99 = pct(v, n, 0.99);
	ph->max = n ? v[n - 1] : 0;
	ph->secs = (double)(end - ph->t_main) / 1e9;
	G.secs += ph->secs;
	free(v);
	if (!G.quiet && G.nphases > 1)
		fprintf(stderr, "loadgen: phase %s: %llu responses in %.3f s = %.1f/s, p50 %u us, p99 %u us; CPU us per "
			"response: QEMU main %.2f, vCPU %.2f, loadgen %.2f\n", ph->name, (unsigned long long)ph->responses,
			ph->secs, tput(ph->responses, ph->secs), ph->p50, ph->p99, ph->cpu_known ? ph->us_main : NAN,
			ph->cpu_known ? ph->us_vcpu : NAN, ph->us_self);
}

/* The median of v[0..n) (sorted in place; NaN if n is 0). */
static double median_of(double *v, uint32_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof *v, cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median throughput of the phases called name (NaN if none). */
static double median_tput(const char *name)
{
	double v[LG_MAX_PHASES];
	uint32_t i, n = 0;

	for (i = 0; i < G.nphases; i++)
		if (!strcmp(G.phases[i].name, name))
			v[n++] = tput(G.phases[i].responses, G.phases[i].secs);
	return median_of(v, n);
}

/* --alternate: the ratio switched/bare of each pair (phases 2i and 2i+1, in either order) into r; how many. */
static uint32_t pair_ratios(double *r)
{
	uint32_t i, n = 0;

	for (i = 0; G.alternate && i + 1 < G.nphases; i += 2) {
		const struct lg_phase *p = &G.phases[i], *q = &G.phases[i + 1];
		if (!strcmp(p->name, G.ratio_a))
			p = q, q = &G.phases[i];
		double b = tput(p->responses, p->secs), a = tput(q->responses, q->secs);
		r[n++] = b > 0 ? a / b : 0;
	}
	return n;
}

double report_ratio(double *a_med, double *b_med)
{
	double r[LG_MAX_PHASES / 2];

	*a_med = *b_med = NAN;
	if (!G.ratio_a)
		return NAN;
	*a_med = median_tput(G.ratio_a);
	*b_med = median_tput(G.ratio_b);
	if (G.alternate)
		return median_of(r, pair_ratios(r));
	return *b_med > 0 ? *a_med / *b_med : NAN;
}

static uint32_t answered_measured(void)
{
	uint32_t i, n = 0;

	for (i = 0; i < G.nload; i++)
		n += G.vm_resp[i] > 0;
	return n;
}

static const char *order_name(void)
{
	return G.sweep ? "sweep" : G.zipf > 0 ? "zipf" : "uniform";
}

/* A JSON number, or null for NaN. */
static void jnum(FILE *f, const char *key, double v, const char *fmt)
{
	fprintf(f, "\"%s\": ", key);
	if (isnan(v))
		fputs("null", f);
	else
		fprintf(f, fmt, v);
}

static void json_phases(FILE *f)
{
	double a, b, r = report_ratio(&a, &b);
	uint32_t i;

	fputs("  \"phases\": [", f);
	for (i = 0; i < G.nphases; i++) {
		const struct lg_phase *ph = &G.phases[i];

		fprintf(f, "%s\n    {\"name\": \"%s\", \"requests\": %llu, \"responses\": %llu, \"errors\": %llu, "
			"\"timeouts\": %llu, \"drops\": %llu, \"seconds\": %.3f, \"throughput\": %.1f, "
			"\"latency_us\": {\"p50\": %u, \"p99\": %u, \"max\": %u}, \"cpu_us_per_response\": ", i ? "," : "",
			ph->name, (unsigned long long)ph->requests, (unsigned long long)ph->responses,
			(unsigned long long)ph->errors, (unsigned long long)ph->timeouts, (unsigned long long)ph->drops,
			ph->secs, tput(ph->responses, ph->secs), ph->p50, ph->p99, ph->max);
		if (ph->cpu_known)
			fprintf(f, "{\"qemu_main\": %.3f, \"qemu_vcpu\": %.3f, \"loadgen\": %.3f}}", ph->us_main,
				ph->us_vcpu, ph->us_self);
		else
			fputs("null}", f);
	}
	fputs("\n  ],\n  \"ratio\": ", f);
	if (!G.ratio_a) {
		fputs("null,\n", f);
		return;
	}
	fprintf(f, "{\"of\": \"%s/%s\", ", G.ratio_a, G.ratio_b);
	jnum(f, "numerator_median", a, "%.1f");
	fputs(", ", f);
	jnum(f, "denominator_median", b, "%.1f");
	fputs(", ", f);
	jnum(f, "value", r, "%.4f");
	if (G.alternate) {
		double pr[LG_MAX_PHASES / 2];
		uint32_t i, n = pair_ratios(pr);

		fputs(", ", f);
		jnum(f, "ratio_of_medians", b > 0 ? a / b : NAN, "%.4f");
		fputs(", \"pairs\": [", f);
		for (i = 0; i < n; i++)
			fprintf(f, "%s%.4f", i ? ", " : "", pr[i]);
		fputs("]", f);
	}
	fputs("},\n", f);
}

static void json_run(FILE *f)
{
	fprintf(f, "  \"run_exit_status\": ");
	fprintf(f, G.run_status < 0 ? "null" : "%d", G.run_status);
	fprintf(f, ", \"run_stopped\": \"%s\",\n  \"cpu_seconds\": {",
		G.run_signalled == 2 ? "sigkill" : G.run_signalled ? "sigterm" : "no");
	jnum(f, "loadgen", G.cpu_self_s, "%.2f");
	fputs(", ", f);
	jnum(f, "run", G.cpu_run_s, "%.2f");
	fputs("}, \"maxrss_kib\": {", f);
	jnum(f, "loadgen", G.maxrss_self_kib >= 0 ? (double)G.maxrss_self_kib : NAN, "%.0f");
	fputs(", ", f);
	jnum(f, "run", G.maxrss_run_kib >= 0 ? (double)G.maxrss_run_kib : NAN, "%.0f");
	fputs("},\n  \"isorun\": ", f);
	if (!G.ri.have) {
		fputs("null,\n", f);
		return;
	}
	fprintf(f, "{\"accel\": \"%s\", ", G.ri.accel);
	jnum(f, "vms_started", G.ri.vms_started, "%.0f");
	fputs(", ", f);
	jnum(f, "kernel_bytes_per_vm", G.ri.kernel_bytes_per_vm, "%.0f");
	fputs(", ", f);
	jnum(f, "guest_bytes_per_vm", G.ri.guest_bytes_per_vm, "%.0f");
	fputs(", ", f);
	jnum(f, "qemu_mem_mib", G.ri.qemu_mem_mib, "%.0f");
	fputs(", ", f);
	jnum(f, "run_seconds", G.ri.run_seconds, "%.3f");
	fputs("},\n", f);
}

/* The @switch fields (key=number words) as a JSON object, plus their drop total. */
static void json_switch(FILE *f)
{
	char copy[sizeof G.ri.switch_line], *tok, *save, *eq;

	fputs("  \"kernel_switch\": ", f);
	if (!G.ri.have_switch) {
		fputs("null\n", f);
		return;
	}
	fputc('{', f);
	strcpy(copy, G.ri.switch_line);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		eq = strchr(tok, '=');
		if (eq && eq[1] && strspn(eq + 1, "0123456789") == strlen(eq + 1) &&
		    strspn(tok, "abcdefghijklmnopqrstuvwxyz_") == (size_t)(eq - tok))
			fprintf(f, "\"%.*s\": %s, ", (int)(eq - tok), tok, eq + 1);
	}
	fprintf(f, "\"drops\": %llu}\n", (unsigned long long)G.ri.switch_drops);
}

static void json_report(FILE *f, const uint32_t *fair, double jain)
{
	fprintf(f, "{\n  \"workload\": \"%s\", \"vms\": %u, \"vms_dismissed\": %u, \"order\": \"%s\", \"loop\": \"%s\", "
		"\"concurrency\": %u, \"rate\": %.1f,\n  \"requests\": %llu, \"responses\": %llu, \"errors\": %llu, "
		"\"timeouts\": %llu, \"drops\": %llu, \"late\": %llu, \"wrong\": %llu, \"throughput\": %.1f,\n"
		"  \"latency_us\": {\"p50\": %u, \"p99\": %u, \"max\": %u},\n"
		"  \"vms_answered\": %u, \"vms_answered_measured\": %u, \"vms_ready\": %u, \"ready_seconds\": %.3f,\n"
		"  \"fairness\": {\"min\": %u, \"median\": %u, \"max\": %u, \"jain\": %.4f},\n"
		"  \"seconds\": %.3f, \"rx_frames\": %llu, \"tx_frames\": %llu, \"arp_replies\": %llu,\n",
		G.mode == LG_UDP ? "udp-echo" : "http", G.nload, G.ndismiss, order_name(), G.rate ? "open" : "closed",
		G.conc, G.rate, (unsigned long long)G.requests, (unsigned long long)G.responses,
		(unsigned long long)G.errors, (unsigned long long)G.timeouts, (unsigned long long)G.drops,
		(unsigned long long)G.late, (unsigned long long)G.wrong_payload, tput(G.responses, G.secs),
		pct(G.lat_us, G.nlat, 0.5), pct(G.lat_us, G.nlat, 0.99), G.nlat ? G.lat_us[G.nlat - 1] : 0, G.nready,
		answered_measured(), G.nready_warm, (double)(G.t_ready - G.t_start) / 1e9, fair[0], fair[G.nload / 2],
		fair[G.nload - 1], jain, G.secs, (unsigned long long)G.rx_frames, (unsigned long long)G.tx_frames,
		(unsigned long long)G.arp_replies);
	json_phases(f);
	json_run(f);
	json_switch(f);
	fputs("}\n", f);
}

static void text_report(FILE *f, const uint32_t *fair, double jain)
{
	double a, b, r = report_ratio(&a, &b);
	char rs[16];

	snprintf(rs, sizeof rs, G.run_status < 0 ? "null" : "%d", G.run_status);
	fprintf(f, "loadgen: %s to %u VMs: %llu requests, %llu responses, %llu errors, %llu timeouts, %llu drops, "
		"%llu late; %.1f responses/s\nloadgen: latency p50 %u us, p99 %u us, max %u us\n"
		"loadgen: %u VMs answered (%u ready in %.3f s, %u in the measurement); per VM min %u median %u max %u, "
		"Jain %.4f\nloadgen: %.3f s measured; frames rx %llu tx %llu, ARP replies %llu; run exit status %s\n",
		G.mode == LG_UDP ? "udp-echo" : "http", G.nload, (unsigned long long)G.requests,
		(unsigned long long)G.responses, (unsigned long long)G.errors, (unsigned long long)G.timeouts,
		(unsigned long long)G.drops, (unsigned long long)G.late, tput(G.responses, G.secs),
		pct(G.lat_us, G.nlat, 0.5), pct(G.lat_us, G.nlat, 0.99), G.nlat ? G.lat_us[G.nlat - 1] : 0, G.nready,
		G.nready_warm, (double)(G.t_ready - G.t_start) / 1e9, answered_measured(), fair[0], fair[G.nload / 2],
		fair[G.nload - 1], jain, G.secs, (unsigned long long)G.rx_frames, (unsigned long long)G.tx_frames,
		(unsigned long long)G.arp_replies, rs);
	if (G.ratio_a)
		fprintf(f, G.alternate ? "loadgen: %s/%s = %.4f (median of pairs; medians %.1f/s over %.1f/s)\n" :
			"loadgen: %s/%s = %.4f (median %.1f/s over median %.1f/s)\n", G.ratio_a, G.ratio_b, r, a, b);
}

/* The whole report; sorts the latencies (call it for the text first, then for JSON: both sort the same). */
void report(FILE *f, int json)
{
	uint32_t *fair = malloc(G.nload * sizeof *fair), i;
	double s = 0, s2 = 0, jain;

	if (!fair)
		lg_die("out of memory");
	for (i = 0; i < G.nload; i++) {
		fair[i] = G.vm_resp[i];
		s += fair[i];
		s2 += (double)fair[i] * fair[i];
	}
	qsort(fair, G.nload, sizeof *fair, cmp_u32);
	if (G.nlat)
		qsort(G.lat_us, G.nlat, sizeof *G.lat_us, cmp_u32);
	jain = s2 > 0 ? s * s / (G.nload * s2) : 0;
	if (json)
		json_report(f, fair, jain);
	else
		text_report(f, fair, jain);
	free(fair);
}

/* Names the first VMs that never answered. */
void report_silent(void)
{
	uint32_t i, shown = 0;

	if (G.nready == G.nvms)
		return;
	printf("loadgen: never answered (%u VMs):", G.nvms - G.nready);
	for (i = 0; i < G.nvms && shown < 10; i++)
		if (!G.vm_ready[i])
			printf(" %u", i), shown++;
	printf("%s\n", G.nvms - G.nready > shown ? " ..." : "");
}

static void ms(char *buf, size_t n, uint32_t us)
{
	snprintf(buf, n, "%.2f ms", us / 1000.0);
}

/* The kernel switch's drops, by counter (frames TCP had to send again, or UDP lost). */
static void table_switch(void)
{
	char copy[sizeof G.ri.switch_line], *tok, *save;

	printf("  %-22s %llu", "kernel switch drops", (unsigned long long)G.ri.switch_drops);
	strcpy(copy, G.ri.switch_line);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (!strncmp(tok, "drop_", 5) && strchr(tok, '=') && strcmp(strchr(tok, '='), "=0"))
			printf(" %s", tok);
	printf("\n");
}

/* --table: the run in a few lines (stdout), with isorun's accelerator and bytes per VM when --isorun-json was read. */
void report_table(void)
{
	char p50[32], p99[32], mx[32], how[96];

	ms(p50, sizeof p50, pct(G.lat_us, G.nlat, 0.5));
	ms(p99, sizeof p99, pct(G.lat_us, G.nlat, 0.99));
	ms(mx, sizeof mx, G.nlat ? G.lat_us[G.nlat - 1] : 0);
	if (G.rate)
		snprintf(how, sizeof how, "open loop at %.0f/s", G.rate);
	else
		snprintf(how, sizeof how, "closed loop, %u in flight", G.conc);
	printf("\n  ==== %u VMs, %s from the host ====\n", G.nvms,
	       G.mode == LG_UDP ? "UDP echo" : "HTTP/1.1 keep-alive GETs");
	printf("  %-22s %s\n", "accelerator", G.ri.have && G.ri.accel[0] ? G.ri.accel : "(unknown: no isorun JSON)");
	printf("  %-22s %u of %u (%u of them in the measurement too; readiness phase %.1f s from the start)\n",
	       "VMs answering", G.nready, G.nvms, answered_measured(), (double)(G.t_ready - G.t_start) / 1e9);
	printf("  %-22s %.1f (%llu responses in %.1f s; %s, %s order)\n", "requests/s", tput(G.responses, G.secs),
	       (unsigned long long)G.responses, G.secs, how, order_name());
	printf("  %-22s p50 %s, p99 %s (max %s)\n", "latency", p50, p99, mx);
	printf("  %-22s %llu (sends QEMU's socket could not take); errors %llu, timeouts %llu, wrong answers %llu\n",
	       "drops", (unsigned long long)G.drops, (unsigned long long)G.errors, (unsigned long long)G.timeouts,
	       (unsigned long long)G.wrong_payload);
	if (G.ri.have_switch)
		table_switch();
	if (G.ri.have && !isnan(G.ri.kernel_bytes_per_vm) && !isnan(G.ri.guest_bytes_per_vm))
		printf("  %-22s kernel %.0f, guest %.0f (%.0f VMs started in %.0f MiB of guest RAM)\n", "bytes per VM",
		       G.ri.kernel_bytes_per_vm, G.ri.guest_bytes_per_vm, G.ri.vms_started, G.ri.qemu_mem_mib);
	else
		printf("  %-22s (unknown: no isorun JSON with a summary)\n", "bytes per VM");
	printf("  %-22s loadgen %.1f s, isorun + QEMU %.1f s, over a %.1f s run\n", "CPU time", G.cpu_self_s,
	       G.cpu_run_s, G.ri.have ? G.ri.run_seconds : NAN);
	printf("  %-22s loadgen %.0f MiB, QEMU %.0f MiB\n\n", "peak RSS", G.maxrss_self_kib / 1024.0,
	       G.maxrss_run_kib / 1024.0);
}
