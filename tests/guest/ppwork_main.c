/*
 * ppwork_main.c - the disk steps of the guest workload that busybox cannot
 * do: O_DIRECT I/O of various sizes, the seeded sector pattern
 * (pattern.h), per-sector verification, and a monotonic clock.
 *
 * Built by tests/guest/mkguest.sh with `gcc -static -O2` into the guest's
 * initramfs; the guest's /init (tests/guest/init.sh) runs it and turns
 * its exit status into PPGUEST lines. Each I/O command prints one report
 * line on stderr ("sectors=... bytes=... us=... kibps=..."), timing only
 * the read/write/fsync calls so the figure is the disk's, not the PRNG's.
 *
 *   ppwork now                                  monotonic time in ms
 *   ppwork gen LBA COUNT SEED                   pattern sectors to stdout
 *   ppwork write DEV OFF LBA COUNT SEED MODE    MODE direct|buffered
 *   ppwork read  DEV OFF LBA COUNT SEED MODE    verify; data to stdout
 *
 * OFF is the first sector inside DEV, LBA the absolute disk LBA that
 * sector has (partition start + OFF): the pattern names absolute LBAs so
 * the host can check a whole-disk image.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hal/hal.h"
#include "tests/guest/pattern.h"

/* Exit statuses: the check failed, or the command line was wrong. */
enum { PPW_EXIT_FAIL = 1, PPW_EXIT_USAGE = 2 };

/*
 * O_DIRECT request sizes in sectors, used in turn: 1 KiB to 512 KiB, so
 * the capture holds short commands, full 256-sector ones and ones over
 * 256 sectors (LBA48 commands: READ/WRITE DMA EXT, ATA8-ACS 7.22/7.60).
 */
static const uint32_t ppw_direct_chunks[] = { 8, 128, 1024, 16, 256, 2, 512, 64 };
#define PPW_BUFFERED_CHUNK 128u /* 64 KiB write()/read() calls */
#define PPW_MAX_CHUNK      1024u
#define PPW_ALIGN          4096u

struct ppw_job {
	const char *dev;
	uint64_t off;     /* first sector inside dev */
	uint64_t lba;     /* its absolute disk LBA */
	uint64_t count;   /* sectors */
	uint64_t seed;
	int direct;
};

struct ppw_stats {
	uint64_t io_ns;
	uint64_t bad;
	uint64_t first_bad;
	enum ppat_verdict first_verdict;
};

static uint64_t ppw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static int ppw_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || end == s || *end || *s == '-') ? PP_EINVAL : PP_OK;
}

/* Sectors in the i-th request: the table in turn, never past the end. */
static uint64_t ppw_chunk(const struct ppw_job *j, size_t i, uint64_t left)
{
	uint64_t n = j->direct ? ppw_direct_chunks[i % (sizeof(ppw_direct_chunks) /
						      sizeof(ppw_direct_chunks[0]))]
			       : PPW_BUFFERED_CHUNK;
	return n < left ? n : left;
}

/* Whole-buffer pread/pwrite: a short transfer is retried, an error is EIO. */
static int ppw_xfer(int fd, uint8_t *buf, size_t len, off_t pos, int wr)
{
	while (len) {
		ssize_t n = wr ? pwrite(fd, buf, len, pos) : pread(fd, buf, len, pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "ppwork: %s at byte %lld: %s\n", wr ? "write" : "read",
				(long long)pos, n ? strerror(errno) : "end of device");
			return PP_EIO;
		}
		buf += n;
		len -= (size_t)n;
		pos += n;
	}
	return PP_OK;
}

static int ppw_open(const struct ppw_job *j, int flags)
{
	int fd = open(j->dev, flags | (j->direct ? O_DIRECT : 0) | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "ppwork: open %s: %s\n", j->dev, strerror(errno));
	return fd;
}

static void *ppw_alloc(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, PPW_ALIGN, len))
		return NULL;
	return p;
}

/* The whole region is filled before the clock starts. */
static int ppw_write(const struct ppw_job *j, struct ppw_stats *st)
{
	size_t len = (size_t)j->count * PPAT_SECTOR;
	uint8_t *buf = ppw_alloc(len ? len : PPAT_SECTOR);
	uint64_t done = 0, t0;
	int fd, rc = PP_OK;

	if (!buf)
		return PP_ENOMEM;
	ppat_fill_range(buf, j->lba, (size_t)j->count, j->seed);
	fd = ppw_open(j, O_WRONLY);
	if (fd < 0) {
		free(buf);
		return PP_EIO;
	}
	t0 = ppw_now_ns();
	for (size_t i = 0; done < j->count && rc == PP_OK; i++) {
		uint64_t n = ppw_chunk(j, i, j->count - done);

		rc = ppw_xfer(fd, buf + done * PPAT_SECTOR, (size_t)n * PPAT_SECTOR,
			      (off_t)((j->off + done) * PPAT_SECTOR), 1);
		done += n;
	}
	/* Buffered data is only on the disk after fsync: time that too. */
	if (rc == PP_OK && fsync(fd)) {
		fprintf(stderr, "ppwork: fsync %s: %s\n", j->dev, strerror(errno));
		rc = PP_EIO;
	}
	st->io_ns = ppw_now_ns() - t0;
	close(fd);
	free(buf);
	return rc;
}

static void ppw_verify(const struct ppw_job *j, const uint8_t *buf,
		       uint64_t first, uint64_t n, struct ppw_stats *st)
{
	for (uint64_t s = 0; s < n; s++) {
		uint64_t lba = j->lba + first + s;
		enum ppat_verdict v = ppat_check(buf + s * PPAT_SECTOR, lba, j->seed);

		if (v == PPAT_OK)
			continue;
		if (!st->bad++) {
			st->first_bad = lba;
			st->first_verdict = v;
		}
	}
}

/* Reads, checks every sector, and passes the bytes on to stdout for md5sum. */
static int ppw_read(const struct ppw_job *j, struct ppw_stats *st)
{
	uint8_t *buf = ppw_alloc((size_t)PPW_MAX_CHUNK * PPAT_SECTOR);
	uint64_t done = 0;
	int fd, rc = PP_OK;

	if (!buf)
		return PP_ENOMEM;
	fd = ppw_open(j, O_RDONLY);
	if (fd < 0) {
		free(buf);
		return PP_EIO;
	}
	for (size_t i = 0; done < j->count && rc == PP_OK; i++) {
		uint64_t n = ppw_chunk(j, i, j->count - done), t0 = ppw_now_ns();

		rc = ppw_xfer(fd, buf, (size_t)n * PPAT_SECTOR,
			      (off_t)((j->off + done) * PPAT_SECTOR), 0);
		st->io_ns += ppw_now_ns() - t0;
		if (rc == PP_OK) {
			ppw_verify(j, buf, done, n, st);
			if (fwrite(buf, PPAT_SECTOR, (size_t)n, stdout) != n)
				rc = PP_EIO;
		}
		done += n;
	}
	if (fflush(stdout))
		rc = PP_EIO;
	close(fd);
	free(buf);
	return rc;
}

static void ppw_report(const struct ppw_job *j, const struct ppw_stats *st)
{
	uint64_t bytes = j->count * PPAT_SECTOR;
	uint64_t us = st->io_ns / 1000 ? st->io_ns / 1000 : 1;

	fprintf(stderr, "sectors=%" PRIu64 " bytes=%" PRIu64 " us=%" PRIu64
		" kibps=%" PRIu64 " bad=%" PRIu64, j->count, bytes, us,
		bytes * UINT64_C(1000000) / 1024 / us, st->bad);
	if (st->bad)
		fprintf(stderr, " first_bad_lba=%" PRIu64 " verdict=%d", st->first_bad,
			(int)st->first_verdict);
	fputc('\n', stderr);
}

static int ppw_parse_job(char **argv, struct ppw_job *j)
{
	j->dev = argv[0];
	if (ppw_u64(argv[1], &j->off) || ppw_u64(argv[2], &j->lba) ||
	    ppw_u64(argv[3], &j->count) || ppw_u64(argv[4], &j->seed))
		return PP_EINVAL;
	if (j->count > (UINT64_MAX / PPAT_SECTOR) / 2 || j->count > SIZE_MAX / PPAT_SECTOR)
		return PP_EINVAL;
	if (!strcmp(argv[5], "direct"))
		j->direct = 1;
	else if (!strcmp(argv[5], "buffered"))
		j->direct = 0;
	else
		return PP_EINVAL;
	return PP_OK;
}

static int ppw_cmd_io(char **argv, int wr)
{
	struct ppw_job j;
	struct ppw_stats st = { 0 };
	int rc;

	if (ppw_parse_job(argv, &j))
		return PPW_EXIT_USAGE;
	rc = wr ? ppw_write(&j, &st) : ppw_read(&j, &st);
	ppw_report(&j, &st);
	return (rc || st.bad) ? PPW_EXIT_FAIL : 0;
}

static int ppw_cmd_write(char **argv)
{
	return ppw_cmd_io(argv, 1);
}

static int ppw_cmd_read(char **argv)
{
	return ppw_cmd_io(argv, 0);
}

static int ppw_cmd_gen(char **argv)
{
	uint64_t lba, count, seed;
	uint8_t sec[PPAT_SECTOR];

	if (ppw_u64(argv[0], &lba) || ppw_u64(argv[1], &count) || ppw_u64(argv[2], &seed))
		return PPW_EXIT_USAGE;
	for (uint64_t i = 0; i < count; i++) {
		ppat_fill(sec, lba + i, seed);
		if (fwrite(sec, sizeof(sec), 1, stdout) != 1)
			return PPW_EXIT_FAIL;
	}
	return fflush(stdout) ? PPW_EXIT_FAIL : 0;
}

static int ppw_cmd_now(char **argv)
{
	(void)argv;
	printf("%" PRIu64 "\n", ppw_now_ns() / UINT64_C(1000000));
	return 0;
}

static const struct ppw_cmd {
	const char *name;
	int nargs;
	int (*run)(char **argv);
	const char *args;
} ppw_cmds[] = {
	{ .name = "now", .nargs = 0, .run = ppw_cmd_now, .args = "" },
	{ .name = "gen", .nargs = 3, .run = ppw_cmd_gen, .args = "LBA COUNT SEED" },
	{ .name = "write", .nargs = 6, .run = ppw_cmd_write,
	  .args = "DEV OFF LBA COUNT SEED direct|buffered" },
	{ .name = "read", .nargs = 6, .run = ppw_cmd_read,
	  .args = "DEV OFF LBA COUNT SEED direct|buffered" },
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof(ppw_cmds) / sizeof(ppw_cmds[0]); i++)
		if (!strcmp(argv[1], ppw_cmds[i].name) && argc - 2 == ppw_cmds[i].nargs)
			return ppw_cmds[i].run(argv + 2);
	for (size_t i = 0; i < sizeof(ppw_cmds) / sizeof(ppw_cmds[0]); i++)
		fprintf(stderr, "usage: ppwork %s %s\n", ppw_cmds[i].name, ppw_cmds[i].args);
	return PPW_EXIT_USAGE;
}
