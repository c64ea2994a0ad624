/*
 * xts_oracle.c - an independent AES-256-XTS oracle for parapass disks
 * (dm-crypt aes-xts-plain64: 512-byte sectors, IV = LE64(lba) || 0^8),
 * built on OpenSSL alone so that it cannot share a bug with crypto/.
 *
 *   xts_oracle encrypt|decrypt --key KEYFILE [--first-lba N] [--sectors M]
 *              [--image] IN OUT
 *       Stream mode (default): IN's first sector has LBA N (default 0); M
 *       sectors (default: all of IN) go to OUT, which is truncated. IN or
 *       OUT may be "-" (stdin, stdout).
 *       --image: IN and OUT are whole disk images, sector k at byte k*512;
 *       sectors [N, N+M) (M default: to the end of IN) are rewritten in OUT
 *       at the same offsets and nothing else in OUT changes (IN may be OUT).
 *   xts_oracle find IMAGE PATTERNFILE
 *       Prints how often PATTERNFILE's bytes occur in IMAGE (overlapping
 *       occurrences count; holes of sparse images cost nothing).
 *   xts_oracle genkey OUT
 *       64 bytes from /dev/urandom into a new file (mode 0600, never
 *       overwrites), redrawn if the halves come out equal. A test key.
 *
 * Exit status: 0 done, 1 I/O or cipher failure, 2 bad usage or input.
 * The key is never printed, and is wiped from memory after use.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "xts_oracle.h"

#define XO_EXIT_OK 0
#define XO_EXIT_FAIL 1
#define XO_EXIT_USAGE 2
/* Sectors per read/write: 128 KiB. */
#define XO_BATCH 256
#define XO_MAX_PATTERN (1u << 20)

struct xo_args {
	int enc;
	int image;
	uint64_t first_lba;
	uint64_t sectors;  /* UINT64_MAX: as many as the input has */
	const char *key_path, *in, *out;
};

static void xo_usage(void)
{
	fputs("usage: xts_oracle encrypt|decrypt --key KEYFILE [--first-lba N] [--sectors M] [--image] IN OUT\n"
	      "       xts_oracle find IMAGE PATTERNFILE\n"
	      "       xts_oracle genkey OUT\n", stderr);
}

static int xo_read_full(int fd, uint8_t *buf, size_t len, size_t *got)
{
	*got = 0;
	while (*got < len) {
		ssize_t n = read(fd, buf + *got, len - *got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return 0;
}

static int xo_write_full(int fd, const uint8_t *buf, size_t len, off_t off, int positioned)
{
	while (len) {
		ssize_t n = positioned ? pwrite(fd, buf, len, off) : write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* Exactly 64 bytes with unequal halves, or exit status 2. */
static int xo_load_key(const char *path, uint8_t key[XO_KEY_SIZE])
{
	uint8_t extra[XO_KEY_SIZE + 1];
	size_t got = 0;
	int fd = open(path, O_RDONLY), rc = XO_EXIT_USAGE;

	if (fd < 0) {
		fprintf(stderr, "xts_oracle: %s: %s\n", path, strerror(errno));
		return XO_EXIT_USAGE;
	}
	if (xo_read_full(fd, extra, sizeof(extra), &got) == 0 && got == XO_KEY_SIZE) {
		memcpy(key, extra, XO_KEY_SIZE);
		rc = xo_key_check(key) ? XO_EXIT_USAGE : XO_EXIT_OK;
		if (rc)
			fprintf(stderr, "xts_oracle: %s: key halves are equal\n", path);
	} else {
		fprintf(stderr, "xts_oracle: %s: key must be exactly %d raw bytes\n", path, XO_KEY_SIZE);
	}
	OPENSSL_cleanse(extra, sizeof(extra));
	close(fd);
	return rc;
}

static int xo_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return (errno || !*s || *end || *s == '-') ? -1 : 0;
}

static int xo_parse_crypt(int argc, char **argv, struct xo_args *a)
{
	static const struct option opts[] = {
		{ .name = "key", .has_arg = required_argument, .val = 'k' },
		{ .name = "first-lba", .has_arg = required_argument, .val = 'f' },
		{ .name = "sectors", .has_arg = required_argument, .val = 's' },
		{ .name = "image", .has_arg = no_argument, .val = 'i' },
		{ 0 },
	};
	int c;

	a->sectors = UINT64_MAX;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': a->key_path = optarg; break;
		case 'f': if (xo_parse_u64(optarg, &a->first_lba)) return -1; break;
		case 's': if (xo_parse_u64(optarg, &a->sectors)) return -1; break;
		case 'i': a->image = 1; break;
		default: return -1;
		}
	}
	if (!a->key_path || argc - optind != 2)
		return -1;
	a->in = argv[optind];
	a->out = argv[optind + 1];
	/* LBAs past 2^64 / 512 bytes have no image offset. */
	return (a->image && a->first_lba > (UINT64_MAX >> 9)) ? -1 : 0;
}

/* Stream mode: IN's first sector is first_lba; OUT is written from its start. */
static int xo_crypt_stream(const struct xo_args *a, const uint8_t *key, uint8_t *buf)
{
	int in = strcmp(a->in, "-") ? open(a->in, O_RDONLY) : 0;
	int out = strcmp(a->out, "-") ? open(a->out, O_WRONLY | O_CREAT | O_TRUNC, 0644) : 1;
	uint64_t done = 0;
	int rc = XO_EXIT_OK;

	if (in < 0 || out < 0) {
		fprintf(stderr, "xts_oracle: open: %s\n", strerror(errno));
		rc = XO_EXIT_FAIL;
	}
	while (rc == XO_EXIT_OK && done < a->sectors) {
		uint64_t want = a->sectors - done < XO_BATCH ? a->sectors - done : XO_BATCH;
		size_t got;

		if (xo_read_full(in, buf, (size_t)want * XO_SECTOR, &got)) {
			rc = XO_EXIT_FAIL;
			break;
		}
		if (got % XO_SECTOR || (got == 0 && a->sectors != UINT64_MAX)) {
			fprintf(stderr, "xts_oracle: input ends inside or before sector %" PRIu64 "\n", done);
			rc = XO_EXIT_USAGE;
			break;
		}
		if (got == 0)
			break;
		if (xo_crypt(key, a->enc, a->first_lba + done, buf, buf, got / XO_SECTOR) ||
		    xo_write_full(out, buf, got, 0, 0))
			rc = XO_EXIT_FAIL;
		done += got / XO_SECTOR;
	}
	if (in > 0)
		close(in);
	if (out > 1 && close(out))
		rc = XO_EXIT_FAIL;
	return rc;
}

/* Image mode: sectors [first_lba, first_lba + sectors) in place in OUT. */
static int xo_crypt_image(const struct xo_args *a, const uint8_t *key, uint8_t *buf)
{
	int in = open(a->in, O_RDONLY), out = open(a->out, O_RDWR | O_CREAT, 0644);
	uint64_t lba = a->first_lba, end = 0;
	struct stat st;
	int rc = XO_EXIT_OK;

	if (in < 0 || out < 0 || fstat(in, &st)) {
		fprintf(stderr, "xts_oracle: open: %s\n", strerror(errno));
		rc = XO_EXIT_FAIL;
	} else if (st.st_size % XO_SECTOR || (uint64_t)st.st_size / XO_SECTOR < lba ||
		   (a->sectors != UINT64_MAX && a->sectors > (uint64_t)st.st_size / XO_SECTOR - lba)) {
		fprintf(stderr, "xts_oracle: %s: not whole sectors, or range past its end\n", a->in);
		rc = XO_EXIT_USAGE;
	} else {
		end = a->sectors == UINT64_MAX ? (uint64_t)st.st_size / XO_SECTOR : lba + a->sectors;
	}
	while (rc == XO_EXIT_OK && lba < end) {
		size_t n = end - lba < XO_BATCH ? (size_t)(end - lba) : XO_BATCH;
		ssize_t got = pread(in, buf, n * XO_SECTOR, (off_t)(lba * XO_SECTOR));

		if (got != (ssize_t)(n * XO_SECTOR) ||
		    xo_crypt(key, a->enc, lba, buf, buf, n) ||
		    xo_write_full(out, buf, n * XO_SECTOR, (off_t)(lba * XO_SECTOR), 1))
			rc = XO_EXIT_FAIL;
		lba += n;
	}
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out))
		rc = XO_EXIT_FAIL;
	return rc;
}

static int xo_cmd_crypt(int enc, int argc, char **argv)
{
	struct xo_args a = { .enc = enc };
	uint8_t key[XO_KEY_SIZE];
	uint8_t *buf;
	int rc;

	if (xo_parse_crypt(argc, argv, &a)) {
		xo_usage();
		return XO_EXIT_USAGE;
	}
	rc = xo_load_key(a.key_path, key);
	if (rc)
		return rc;
	buf = malloc((size_t)XO_BATCH * XO_SECTOR);
	if (!buf)
		rc = XO_EXIT_FAIL;
	else if (a.image)
		rc = xo_crypt_image(&a, key, buf);
	else
		rc = xo_crypt_stream(&a, key, buf);
	if (buf)
		OPENSSL_cleanse(buf, (size_t)XO_BATCH * XO_SECTOR);
	free(buf);
	OPENSSL_cleanse(key, sizeof(key));
	if (rc == XO_EXIT_FAIL)
		fprintf(stderr, "xts_oracle: %s failed\n", enc ? "encrypt" : "decrypt");
	return rc;
}

static int xo_cmd_find(int argc, char **argv)
{
	static uint8_t pat[XO_MAX_PATTERN + 1];
	size_t plen = 0;
	uint64_t count;
	int pfd, ifd, rc = XO_EXIT_OK;

	if (argc != 3) {
		xo_usage();
		return XO_EXIT_USAGE;
	}
	pfd = open(argv[2], O_RDONLY);
	if (pfd < 0 || xo_read_full(pfd, pat, sizeof(pat), &plen) || plen == 0 ||
	    plen > XO_MAX_PATTERN) {
		fprintf(stderr, "xts_oracle: %s: need a pattern of 1 to %u bytes\n", argv[2], XO_MAX_PATTERN);
		if (pfd >= 0)
			close(pfd);
		return XO_EXIT_USAGE;
	}
	close(pfd);
	ifd = open(argv[1], O_RDONLY);
	if (ifd < 0 || xo_count_fd(ifd, pat, plen, &count)) {
		fprintf(stderr, "xts_oracle: %s: cannot scan\n", argv[1]);
		rc = XO_EXIT_FAIL;
	} else {
		printf("%" PRIu64 "\n", count);
	}
	if (ifd >= 0)
		close(ifd);
	return rc;
}

static int xo_cmd_genkey(int argc, char **argv)
{
	uint8_t key[XO_KEY_SIZE];
	size_t got = 0;
	int rnd, out, tries, rc = XO_EXIT_FAIL;

	if (argc != 2) {
		xo_usage();
		return XO_EXIT_USAGE;
	}
	rnd = open("/dev/urandom", O_RDONLY);
	if (rnd < 0)
		return XO_EXIT_FAIL;
	/* Equal halves from a working urandom mean it is broken: give up soon. */
	for (tries = 0; tries < 4; tries++)
		if (xo_read_full(rnd, key, sizeof(key), &got) || got != sizeof(key) ||
		    xo_key_check(key) == XO_OK)
			break;
	close(rnd);
	if (got != sizeof(key) || xo_key_check(key)) {
		fprintf(stderr, "xts_oracle: /dev/urandom gave no usable key\n");
		OPENSSL_cleanse(key, sizeof(key));
		return XO_EXIT_FAIL;
	}
	out = open(argv[1], O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (out < 0)
		fprintf(stderr, "xts_oracle: %s: %s (never overwritten)\n", argv[1], strerror(errno));
	else if (xo_write_full(out, key, sizeof(key), 0, 0) == 0 && fsync(out) == 0)
		rc = XO_EXIT_OK;
	if (out >= 0 && close(out))
		rc = XO_EXIT_FAIL;
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "encrypt"))
		return xo_cmd_crypt(1, argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "decrypt"))
		return xo_cmd_crypt(0, argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "find"))
		return xo_cmd_find(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "genkey"))
		return xo_cmd_genkey(argc - 1, argv + 1);
	xo_usage();
	return XO_EXIT_USAGE;
}
