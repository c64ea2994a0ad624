/*
 * cli_crypt_verify.c - telling a converted disk from a plaintext one, and
 * "parapass crypt verify".
 *
 * A sector is judged twice: as it is on the disk, and decrypted with the
 * key at its LBA. Data people store (file systems, text, code, zeros) is
 * structured: many repeated byte values. AES-XTS output, and the
 * decryption of anything under a wrong key or of plaintext, is random. So
 *   structured raw, random decrypted  -> plaintext sector;
 *   random raw, structured decrypted  -> encrypted with this key;
 *   random both ways                  -> cannot tell: random or compressed
 *                                        data, or another key's ciphertext.
 * What the survey cannot do: prove a disk fully converted from samples
 * (--all reads every sector), tell compressed or already encrypted
 * plaintext from ciphertext, or name the key of a disk encrypted with
 * another one. With --plain REFERENCE every checked sector is compared
 * with the reference after decryption, which is exact.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_crypt.h"
#include "crypto/crypto.h"

#define SURVEY_HEAD 64    /* the first sectors: partition tables, superblocks */
#define SURVEY_RUN 2048   /* sectors read at once with --all */
#define MISMATCH_SHOWN 5

struct marker {
	uint64_t lba;
	unsigned off, len;
	const char *bytes, *name;
};

static const struct marker markers[] = {
	{ .lba = 0, .off = 510, .len = 2, .bytes = "\x55\xAA", .name = "a boot sector (55 AA)" },
	{ .lba = 0, .off = 0, .len = 6, .bytes = "LUKS\xBA\xBE", .name = "a LUKS header" },
	{ .lba = 0, .off = 3, .len = 8, .bytes = "NTFS    ", .name = "an NTFS boot sector" },
	{ .lba = 0, .off = 82, .len = 8, .bytes = "FAT32   ", .name = "a FAT32 boot sector" },
	{ .lba = 1, .off = 0, .len = 8, .bytes = "EFI PART", .name = "a GPT header" },
	{ .lba = 2, .off = 56, .len = 2, .bytes = "\x53\xEF", .name = "an ext2/3/4 superblock" },
	{ .lba = 64, .off = 1, .len = 5, .bytes = "CD001", .name = "an ISO 9660 descriptor" },
};

uint32_t crypt_collisions(const uint8_t *sector)
{
	uint16_t count[256] = { 0 };
	uint32_t sum = 0;

	for (unsigned i = 0; i < CRYPT_SECTOR; i++)
		count[sector[i]]++;
	for (unsigned v = 0; v < 256; v++)
		sum += (uint32_t)count[v] * count[v];
	return sum;
}

const char *crypt_marker(uint64_t lba, const uint8_t *sector)
{
	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
		if (markers[i].lba == lba &&
		    !memcmp(sector + markers[i].off, markers[i].bytes, markers[i].len))
			return markers[i].name;
	return NULL;
}

static int looks_random(uint64_t lba, const uint8_t *s)
{
	return crypt_collisions(s) < CRYPT_RANDOM_COLLISIONS && !crypt_marker(lba, s);
}

enum crypt_look crypt_look_sector(const struct crypto_xts *x, uint64_t lba, const uint8_t *raw)
{
	uint8_t dec[CRYPT_SECTOR];
	int raw_rand = looks_random(lba, raw), dec_rand;

	crypto_xts_decrypt(x, lba, raw, dec, 1);
	dec_rand = looks_random(lba, dec);
	OPENSSL_cleanse(dec, sizeof(dec));
	if (raw_rand && !dec_rand)
		return CRYPT_LOOK_CIPHER;
	if (!raw_rand && dec_rand)
		return CRYPT_LOOK_PLAIN;
	return CRYPT_LOOK_RANDOM;  /* both random; both structured does not happen */
}

static void survey_one(struct crypt_survey *s, const struct crypto_xts *x, uint64_t lba,
		       const uint8_t *raw)
{
	enum crypt_look l = crypt_look_sector(x, lba, raw);

	if (l == CRYPT_LOOK_PLAIN && !s->count[l])
		s->first_plain = lba;
	if (l == CRYPT_LOOK_CIPHER)
		s->last_cipher = lba;
	s->count[l]++;
	s->sampled++;
}

/* The i-th sector to look at: the head, then one in the middle of each stride. */
static uint64_t sample_lba(uint64_t first, uint64_t nsect, uint64_t samples, uint64_t i)
{
	uint64_t head = nsect < SURVEY_HEAD ? nsect : SURVEY_HEAD, rest = nsect - head;

	if (i < head)
		return first + i;
	i -= head;
	return first + head + (uint64_t)(((unsigned __int128)(2 * i + 1) * rest) / (2 * samples));
}

int crypt_survey(int fd, const struct crypto_xts *x, uint64_t first, uint64_t nsect,
		 uint64_t samples, struct crypt_survey *s)
{
	uint8_t *buf = malloc((size_t)SURVEY_RUN * CRYPT_SECTOR);
	uint64_t total = samples && samples < nsect ? SURVEY_HEAD + samples : nsect;

	memset(s, 0, sizeof(*s));
	if (!buf)
		return -1;
	if (total >= nsect) {  /* every sector, in runs */
		for (uint64_t lba = first; lba < first + nsect; lba += SURVEY_RUN) {
			uint64_t n = first + nsect - lba < SURVEY_RUN ? first + nsect - lba : SURVEY_RUN;
			ssize_t got = pread(fd, buf, n * CRYPT_SECTOR, (off_t)(lba * CRYPT_SECTOR));

			for (uint64_t i = 0; i < n; i++)
				if (got >= (ssize_t)((i + 1) * CRYPT_SECTOR))
					survey_one(s, x, lba + i, buf + i * CRYPT_SECTOR);
				else
					s->unreadable++;
		}
	} else {
		for (uint64_t i = 0; i < total; i++) {
			uint64_t lba = sample_lba(first, nsect, samples, i);

			if (pread(fd, buf, CRYPT_SECTOR, (off_t)(lba * CRYPT_SECTOR)) == CRYPT_SECTOR)
				survey_one(s, x, lba, buf);
			else
				s->unreadable++;
		}
	}
	OPENSSL_cleanse(buf, (size_t)SURVEY_RUN * CRYPT_SECTOR);
	free(buf);
	return 0;
}

int crypt_verdict(const struct crypt_survey *s, char *line, size_t len)
{
	unsigned long long p = s->count[CRYPT_LOOK_PLAIN], c = s->count[CRYPT_LOOK_CIPHER],
			   r = s->count[CRYPT_LOOK_RANDOM];

	if (c && !p) {
		snprintf(line, len, "encrypted with this key (%llu of %llu sectors decrypt to "
			 "structured data, %llu are random both ways, none is plaintext)", c,
			 (unsigned long long)s->sampled, r);
		return CRYPT_LOOK_CIPHER;
	}
	if (p && !c) {
		snprintf(line, len, "plaintext (%llu of %llu sectors are structured in the clear "
			 "and random decrypted, %llu random both ways, none decrypts to structure)",
			 p, (unsigned long long)s->sampled, r);
		return CRYPT_LOOK_PLAIN;
	}
	if (p && c) {
		snprintf(line, len, "mixed: %llu sectors look encrypted with this key (the last at "
			 "LBA %llu), %llu look plaintext (the first at LBA %llu): an unfinished "
			 "conversion, or another range", c, (unsigned long long)s->last_cipher, p,
			 (unsigned long long)s->first_plain);
		return -1;
	}
	snprintf(line, len, "undecided: all %llu sectors are random both ways (random or "
		 "compressed data, or encrypted with another key)", (unsigned long long)s->sampled);
	return CRYPT_LOOK_RANDOM;
}

/* Decrypted target sectors against the plaintext reference; the count of mismatches. */
static int verify_plain(const struct crypt_args *a, int tfd, const struct crypto_xts *x,
			uint64_t *checked, uint64_t *bad)
{
	FILE *pf = fopen(a->plain, "rbe");
	uint8_t t[CRYPT_SECTOR], p[CRYPT_SECTOR];
	uint64_t total = a->all || !a->samples || a->samples >= a->nsect ? a->nsect
				 : SURVEY_HEAD + a->samples;

	if (!pf) {
		perror(a->plain);
		return CLI_BADINPUT;
	}
	*checked = *bad = 0;
	for (uint64_t i = 0; i < total && i < a->nsect; i++) {
		uint64_t lba = total >= a->nsect ? a->first_lba + i
						 : sample_lba(a->first_lba, a->nsect, a->samples, i);

		if (pread(tfd, t, sizeof(t), (off_t)(lba * CRYPT_SECTOR)) != CRYPT_SECTOR ||
		    pread(fileno(pf), p, sizeof(p), (off_t)(lba * CRYPT_SECTOR)) != CRYPT_SECTOR) {
			fprintf(stderr, "parapass crypt verify: LBA %llu: cannot read it from both "
				"the target and %s\n", (unsigned long long)lba, a->plain);
			fclose(pf);
			return CLI_BADINPUT;
		}
		crypto_xts_decrypt(x, lba, t, t, 1);
		if (memcmp(t, p, sizeof(t)) && ++*bad <= MISMATCH_SHOWN)
			printf("verify: LBA %llu differs from %s after decryption\n",
			       (unsigned long long)lba, a->plain);
		++*checked;
	}
	OPENSSL_cleanse(t, sizeof(t));
	OPENSSL_cleanse(p, sizeof(p));
	fclose(pf);
	return CLI_OK;
}

/* What the first sectors hold in the clear or once decrypted, by their markers. */
static void verify_markers(const struct crypt_args *a, int fd, const struct crypto_xts *x)
{
	static const uint64_t where[] = { 0, 1, 2, 64 };
	uint8_t raw[CRYPT_SECTOR], dec[CRYPT_SECTOR];

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		uint64_t lba = where[i];
		const char *m;

		if (lba < a->first_lba || lba >= a->first_lba + a->nsect ||
		    pread(fd, raw, sizeof(raw), (off_t)(lba * CRYPT_SECTOR)) != CRYPT_SECTOR)
			continue;
		crypto_xts_decrypt(x, lba, raw, dec, 1);
		if ((m = crypt_marker(lba, raw)))
			printf("verify: LBA %llu holds %s in the clear\n", (unsigned long long)lba, m);
		if ((m = crypt_marker(lba, dec)))
			printf("verify: LBA %llu decrypts to %s\n", (unsigned long long)lba, m);
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(dec, sizeof(dec));
}

int crypt_verify_cmd(const struct crypt_args *a, int fd, const uint8_t key[64])
{
	struct crypto_xts *x = crypt_xts_new(key);
	struct crypt_survey s;
	char line[512];
	uint64_t checked, bad;
	int rc;

	if (!x) {
		fprintf(stderr, "parapass crypt verify: cannot use the key\n");
		return CLI_BADINPUT;
	}
	crypt_survey(fd, x, a->first_lba, a->nsect, a->all ? 0 : a->samples, &s);
	rc = crypt_verdict(&s, line, sizeof(line)) == CRYPT_LOOK_CIPHER ? CLI_OK : CLI_FAIL;
	printf("verify: %s sectors %llu+%llu: %s\n", a->target, (unsigned long long)a->first_lba,
	       (unsigned long long)a->nsect, line);
	if (s.unreadable)
		printf("verify: %llu sectors could not be read\n", (unsigned long long)s.unreadable);
	verify_markers(a, fd, x);
	if (a->plain) {
		rc = verify_plain(a, fd, x, &checked, &bad);
		if (!rc && bad)
			printf("verify: %llu sectors decrypted and compared with %s: %llu differ\n",
			       (unsigned long long)checked, a->plain, (unsigned long long)bad);
		else if (!rc)
			printf("verify: %llu sectors decrypted and compared with %s: all match\n",
			       (unsigned long long)checked, a->plain);
		if (!rc && bad)
			rc = CLI_FAIL;
	}
	crypt_xts_free(x);
	return rc;
}
