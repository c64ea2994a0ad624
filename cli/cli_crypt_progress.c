/*
 * cli_crypt_progress.c - the progress line of a conversion: a bar, the
 * part done, the rate and the time left, redrawn at most five times a
 * second on stderr when stderr is a terminal, and nothing otherwise (a
 * script or a log gets the one summary line the command prints at the end).
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli_crypt.h"

#define BAR_WIDTH 30
#define REDRAW_SEC 0.2

double crypt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void crypt_progress_init(struct crypt_progress *p, const char *what)
{
	p->tty = isatty(STDERR_FILENO);
	p->start = crypt_now();
	p->last = 0;
	p->what = what;
}

static void fmt_time(char *buf, size_t len, double sec)
{
	unsigned long s = sec < 0 ? 0 : (unsigned long)(sec + 0.5);

	if (s >= 3600)
		snprintf(buf, len, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%lu:%02lu", s / 60, s % 60);
}

void crypt_progress_cb(void *ctx, uint64_t done, uint64_t total)
{
	struct crypt_progress *p = ctx;
	double now = crypt_now(), el = now - p->start, frac, rate;
	char bar[BAR_WIDTH + 1], eta[32];
	unsigned fill;

	if (!p->tty || (done < total && now - p->last < REDRAW_SEC))
		return;
	p->last = now;
	frac = total ? (double)done / (double)total : 1.0;
	fill = (unsigned)(frac * BAR_WIDTH);
	for (unsigned i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[BAR_WIDTH] = 0;
	rate = el > 0 ? (double)done * CRYPT_SECTOR / el : 0;
	fmt_time(eta, sizeof(eta), rate > 0 ? (double)(total - done) * CRYPT_SECTOR / rate : 0);
	fprintf(stderr, "\r%s [%s] %5.1f%%  %.1f/%.1f MiB  %.0f MB/s  ETA %s ", p->what, bar,
		100.0 * frac, (double)done * CRYPT_SECTOR / 1048576.0,
		(double)total * CRYPT_SECTOR / 1048576.0, rate / 1e6, eta);
	fflush(stderr);
}

void crypt_progress_end(struct crypt_progress *p)
{
	if (p->tty && p->last > 0)
		fputc('\n', stderr);
}
