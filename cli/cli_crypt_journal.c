/*
 * cli_crypt_journal.c - in-place conversion of a disk that survives being
 * stopped at any moment: Ctrl-C, kill -9 or power loss.
 *
 * The disk is converted in chunks (4 MiB; 1 MiB in memory). The journal, a file
 * beside the target (or where --journal says), holds a header that fixes
 * the job (operation, range, chunk size, the target's size and identity,
 * the key's fingerprint - never the key) and two slots, each a record
 * sector followed by room for one chunk. Chunk k goes to slot k mod 2:
 *
 *   1. read the chunk's original bytes from the target;
 *   2. write them into the slot's data area; sync the journal;
 *   3. write the slot's record (sequence number k + 1, LBA, length,
 *      checksum of the data, SHA-256 of the record); sync the journal;
 *   4. convert the chunk in memory, write it over the target; sync it.
 *
 * The syncs order the only writes that matter: a record never becomes
 * durable before the data it vouches for (2 before 3), the target is
 * never touched before the record of its chunk is durable (3 before 4),
 * and slot k mod 2 is only reused after chunk k - 1's conversion is
 * durable (4 before the next 2), so the other slot always holds a
 * complete record of the previous chunk. A record is one 512-byte sector
 * with its own SHA-256: torn or stale, it is simply not valid.
 *
 * Resume takes the valid record with the highest sequence number. Every
 * chunk before it is converted and durable; its own chunk may be
 * anything between untouched and converted, sector by sector, so it is
 * rewritten from the journal's copy of the original and converted again
 * from there. No valid record at all means no chunk was started and the
 * target is untouched. Before it writes anything, resume checks that each
 * sector of that chunk on the target is either the original or its
 * conversion: a target that is neither (another disk of the same size
 * after a renaming, say) is refused unless it is also the very file or
 * device the journal names, where only a torn sector explains it and the
 * journal's copy is exactly what repairs it. The journal is removed, and
 * its directory synced, only after the last chunk's sync.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_crypt.h"
#include "cli_keyfile.h"
#include "crypto/crypto.h"

struct jstate {
	struct crypt_job *job;
	struct crypt_file jf;
	int jopen, id_differs;
	struct crypto_xts *xts;
	uint8_t *buf, *aux;           /* one chunk each */
	uint8_t head[CRYPT_JBLOCK];
	uint64_t seq, next, end;
	size_t chunk_bytes;
	/* The chunk in flight. */
	uint64_t cur_lba;
	uint32_t cur_n;
	unsigned cur_slot;
	struct crypt_sum sum;
};

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

__attribute__((format(printf, 3, 4))) static int fail(struct jstate *s, int code,
						       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->job->why, sizeof(s->job->why), fmt, ap);
	va_end(ap);
	return code;
}

void crypt_sum_init(struct crypt_sum *s)
{
	memset(s, 0, sizeof(*s));
}

/*
 * Fletcher-style: a sums the words of a lane, b the running a's (order-
 * sensitive). Two 128-bit halves, so that they live in SSE2 registers
 * (a 256-bit vector type without AVX is kept in memory by gcc).
 */
void crypt_sum_add(struct crypt_sum *s, const void *buf, size_t len)
{
	typedef uint64_t lanes2 __attribute__((vector_size(16)));
	const uint8_t *p = buf;
	lanes2 a0, a1, b0, b1, w0, w1;

	memcpy(&a0, s->a, 16), memcpy(&a1, s->a + 2, 16);
	memcpy(&b0, s->b, 16), memcpy(&b1, s->b + 2, 16);
	for (size_t i = 0; i + 32 <= len; i += 32) {
		memcpy(&w0, p + i, 16);
		memcpy(&w1, p + i + 16, 16);
		a0 += w0;
		a1 += w1;
		b0 += a0;
		b1 += a1;
	}
	memcpy(s->a, &a0, 16), memcpy(s->a + 2, &a1, 16);
	memcpy(s->b, &b0, 16), memcpy(s->b + 2, &b1, 16);
	s->rows += len / 32;
}

void crypt_sum_out(const struct crypt_sum *s, uint8_t out[64])
{
	for (unsigned l = 0; l < 4; l++) {
		put_le(out + 8 * l, s->a[l], 8);
		put_le(out + 32 + 8 * l, s->b[l] ^ (s->rows * 32), 8);
	}
}

void crypt_data_sum(const void *buf, size_t len, uint8_t out[64])
{
	struct crypt_sum s;

	crypt_sum_init(&s);
	crypt_sum_add(&s, buf, len);
	crypt_sum_out(&s, out);
}

void *crypt_alloc(size_t size)
{
	void *p;

	return posix_memalign(&p, CRYPT_JBLOCK, size ? size : 1) ? NULL : p;
}

struct crypto_xts *crypt_xts_new(const uint8_t key[64])
{
	void *p;

	if (posix_memalign(&p, 64, sizeof(struct crypto_xts)))
		return NULL;
	if (crypto_xts_setkey(p, key)) {
		free(p);
		return NULL;
	}
	return p;
}

void crypt_xts_free(struct crypto_xts *x)
{
	if (x)
		crypto_xts_wipe(x);
	free(x);
}

static uint64_t slot_off(const struct jstate *s, unsigned slot)
{
	return CRYPT_JBLOCK + (uint64_t)slot * (CRYPT_JBLOCK + s->chunk_bytes);
}

static uint64_t journal_size(size_t chunk_bytes)
{
	return CRYPT_JBLOCK + 2 * ((uint64_t)CRYPT_JBLOCK + chunk_bytes);
}

static void head_build(struct jstate *s)
{
	const struct crypt_job *j = s->job;
	uint8_t *h = s->head;

	memset(h, 0, sizeof(s->head));
	memcpy(h + JH_MAGIC, CRYPT_JHEAD_MAGIC, 8);
	put_le(h + JH_VERSION, CRYPT_JVERSION, 4);
	put_le(h + JH_OP, j->op, 4);
	put_le(h + JH_FIRST, j->first_lba, 8);
	put_le(h + JH_NSECT, j->nsect, 8);
	put_le(h + JH_CHUNK, j->chunk_sectors, 4);
	put_le(h + JH_SECTOR, CRYPT_SECTOR, 4);
	put_le(h + JH_TBYTES, j->target_bytes, 8);
	put_le(h + JH_TID0, j->target_id[0], 8);
	put_le(h + JH_TID1, j->target_id[1], 8);
	cli_key_fingerprint(j->key, h + JH_KEYFP);
	SHA256(h, JH_SUM, h + JH_SUM);
}

/* The header read back: intact, and describing this job. */
static int head_check(struct jstate *s, uint64_t jbytes)
{
	struct crypt_job *j = s->job;
	const uint8_t *h = s->head;
	uint8_t sum[32], fp[16];
	uint64_t first = get_le(h + JH_FIRST, 8), n = get_le(h + JH_NSECT, 8);
	uint32_t chunk = (uint32_t)get_le(h + JH_CHUNK, 4);

	SHA256(h, JH_SUM, sum);
	if (memcmp(h + JH_MAGIC, CRYPT_JHEAD_MAGIC, 8) || get_le(h + JH_VERSION, 4) != CRYPT_JVERSION ||
	    memcmp(sum, h + JH_SUM, 32) || get_le(h + JH_SECTOR, 4) != CRYPT_SECTOR || !chunk ||
	    chunk > CRYPT_CHUNK_MAX / CRYPT_SECTOR || !n ||
	    jbytes < journal_size((size_t)chunk * CRYPT_SECTOR))
		return fail(s, CRYPT_EJOURNAL, "the journal's header is damaged or not a journal");
	if (get_le(h + JH_OP, 4) != (uint64_t)j->op)
		return fail(s, CRYPT_EUSAGE, "the journal is for %s: resume it with that command",
			    get_le(h + JH_OP, 4) == CRYPT_ENCRYPT ? "encrypt" : "decrypt");
	cli_key_fingerprint(j->key, fp);
	if (CRYPTO_memcmp(fp, h + JH_KEYFP, 16))
		return fail(s, CRYPT_EUSAGE, "the journal was written with another key");
	if (j->nsect && (j->first_lba != first || j->nsect != n))
		return fail(s, CRYPT_EUSAGE, "the journal converts sectors %llu+%llu, not %llu+%llu",
			    (unsigned long long)first, (unsigned long long)n,
			    (unsigned long long)j->first_lba, (unsigned long long)j->nsect);
	if (get_le(h + JH_TBYTES, 8) != j->target_bytes)
		return fail(s, CRYPT_EMISMATCH, "the target holds %llu bytes, the journal's %llu: "
			    "another target?", (unsigned long long)j->target_bytes,
			    (unsigned long long)get_le(h + JH_TBYTES, 8));
	s->id_differs = get_le(h + JH_TID0, 8) != j->target_id[0] ||
			get_le(h + JH_TID1, 8) != j->target_id[1];
	j->first_lba = first, j->nsect = n, j->chunk_sectors = chunk;
	return CRYPT_DONE;
}

/* The record of the chunk in flight; the copy pass summed its data. */
static void rec_build(struct jstate *s, uint8_t *r)
{
	memset(r, 0, CRYPT_SECTOR);
	memcpy(r + JR_MAGIC, CRYPT_JREC_MAGIC, 8);
	put_le(r + JR_SEQ, s->seq, 8);
	put_le(r + JR_LBA, s->cur_lba, 8);
	put_le(r + JR_NSECT, s->cur_n, 4);
	memcpy(r + JR_HEADID, s->head + JH_SUM, 16);
	crypt_sum_out(&s->sum, r + JR_DATASUM);
	SHA256(r, JR_SUM, r + JR_SUM);
}

/* A record that is intact, of this journal, and names a chunk of the range. */
static int rec_valid(const struct jstate *s, const uint8_t *r)
{
	const struct crypt_job *j = s->job;
	uint8_t sum[32];
	uint64_t lba = get_le(r + JR_LBA, 8), n = get_le(r + JR_NSECT, 4);

	SHA256(r, JR_SUM, sum);
	return !memcmp(r + JR_MAGIC, CRYPT_JREC_MAGIC, 8) && !memcmp(sum, r + JR_SUM, 32) &&
	       !memcmp(r + JR_HEADID, s->head + JH_SUM, 16) && get_le(r + JR_SEQ, 8) &&
	       lba >= j->first_lba && (lba - j->first_lba) % j->chunk_sectors == 0 && n &&
	       n <= j->chunk_sectors && lba + n <= s->end;
}

static void convert(struct jstate *s, uint64_t lba, uint8_t *buf, size_t n)
{
	if (s->job->op == CRYPT_ENCRYPT)
		crypto_xts_encrypt(s->xts, lba, buf, buf, n);
	else
		crypto_xts_decrypt(s->xts, lba, buf, buf, n);
}

/* Sectors of the chunk on the target that are neither its original (buf) nor its conversion. */
static uint64_t chunk_strangers(struct jstate *s, uint64_t lba, uint32_t n)
{
	const struct crypt_file *t = &s->job->target;
	uint8_t conv[CRYPT_SECTOR];
	uint64_t bad = 0;

	if (t->ops->read(t->ctx, s->aux, (size_t)n * CRYPT_SECTOR, lba * CRYPT_SECTOR))
		return n;  /* unreadable: only the journal's copy can repair it */
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *orig = s->buf + (size_t)i * CRYPT_SECTOR;
		const uint8_t *cur = s->aux + (size_t)i * CRYPT_SECTOR;

		memcpy(conv, orig, CRYPT_SECTOR);
		convert(s, lba + i, conv, 1);
		bad += memcmp(cur, orig, CRYPT_SECTOR) && memcmp(cur, conv, CRYPT_SECTOR);
	}
	OPENSSL_cleanse(conv, sizeof(conv));
	return bad;
}

/* Put the chunk of the newest valid record back to its original bytes. */
static int recover_chunk(struct jstate *s, unsigned slot, const uint8_t *rec)
{
	const struct crypt_file *t = &s->job->target;
	uint64_t lba = get_le(rec + JR_LBA, 8), bad;
	uint32_t n = (uint32_t)get_le(rec + JR_NSECT, 4);
	size_t len = (size_t)n * CRYPT_SECTOR;
	uint8_t sum[64];

	if (s->jf.ops->read(s->jf.ctx, s->buf, len, slot_off(s, slot) + CRYPT_JBLOCK))
		return fail(s, CRYPT_EIO, "cannot read the journal's copy of LBA %llu",
			    (unsigned long long)lba);
	crypt_data_sum(s->buf, len, sum);
	if (memcmp(sum, rec + JR_DATASUM, sizeof(sum)))
		return fail(s, CRYPT_EJOURNAL, "the journal's copy of sectors %llu+%u is damaged; "
			    "nothing was written", (unsigned long long)lba, n);
	bad = chunk_strangers(s, lba, n);
	if (bad && s->id_differs)
		return fail(s, CRYPT_EMISMATCH, "the target is not the journal's: %llu of sectors "
			    "%llu+%u are neither the original nor converted, and it is another "
			    "file or device; nothing was written", (unsigned long long)bad,
			    (unsigned long long)lba, n);
	if (t->ops->write(t->ctx, s->buf, len, lba * CRYPT_SECTOR) || t->ops->sync(t->ctx))
		return fail(s, CRYPT_EIO, "cannot restore sectors %llu+%u from the journal",
			    (unsigned long long)lba, n);
	s->next = lba;
	s->seq = get_le(rec + JR_SEQ, 8);
	return CRYPT_DONE;
}

/* The chunk buffers, once the chunk size is known (from the job or the journal). */
static int jstate_buffers(struct jstate *s)
{
	s->chunk_bytes = (size_t)s->job->chunk_sectors * CRYPT_SECTOR;
	s->end = s->job->first_lba + s->job->nsect;
	s->buf = crypt_alloc(s->chunk_bytes);
	s->aux = crypt_alloc(s->chunk_bytes);
	if (!s->buf || !s->aux)
		return fail(s, CRYPT_ENOMEM, "out of memory for %zu-byte chunks", s->chunk_bytes);
	return CRYPT_DONE;
}

static void jstate_free(struct jstate *s)
{
	if (s->jopen)
		s->jf.ops->close(s->jf.ctx);
	crypt_xts_free(s->xts);
	if (s->buf)
		OPENSSL_cleanse(s->buf, s->chunk_bytes);
	if (s->aux)
		OPENSSL_cleanse(s->aux, s->chunk_bytes);
	free(s->buf);
	free(s->aux);
}

/* Resume: validate the journal, then restore the chunk that was in flight. */
static int journal_resume(struct jstate *s)
{
	uint8_t rec[2][CRYPT_SECTOR];
	uint64_t jbytes, best = 0;
	int err, slot = -1;

	err = s->job->journal.ops->open(s->job->journal.ctx, &s->jf, &jbytes);
	if (err == -ENOENT)
		return fail(s, CRYPT_EUSAGE, "no journal: nothing to resume (the conversion "
			    "finished or never started; 'parapass crypt verify' tells which)");
	if (err)
		return fail(s, CRYPT_EIO, "cannot open the journal: %s", strerror(-err));
	s->jopen = 1;
	if (s->jf.ops->read(s->jf.ctx, s->head, CRYPT_JBLOCK, 0))
		return fail(s, CRYPT_EJOURNAL, "the journal is too short to hold a header");
	err = head_check(s, jbytes);
	if (!err)
		err = jstate_buffers(s);
	if (err)
		return err;
	for (unsigned i = 0; i < 2; i++) {
		if (s->jf.ops->read(s->jf.ctx, rec[i], CRYPT_SECTOR, slot_off(s, i)))
			return fail(s, CRYPT_EIO, "cannot read the journal's records");
		if (rec_valid(s, rec[i]) && get_le(rec[i] + JR_SEQ, 8) > best) {
			best = get_le(rec[i] + JR_SEQ, 8);
			slot = (int)i;
		}
	}
	s->next = s->job->first_lba;
	return slot < 0 ? CRYPT_DONE : recover_chunk(s, (unsigned)slot, rec[slot]);
}

static int journal_start(struct jstate *s)
{
	const struct crypt_store *st = &s->job->journal;
	struct crypt_file old;
	uint64_t size;
	int err = st->ops->open(st->ctx, &old, &size);

	if (!err) {
		old.ops->close(old.ctx);
		return fail(s, CRYPT_EUSAGE, "a journal exists: an interrupted conversion; finish it "
			    "with --resume");
	}
	err = jstate_buffers(s);
	if (err)
		return err;
	s->next = s->job->first_lba;
	head_build(s);
	err = st->ops->create(st->ctx, s->head, JH_SIZE, journal_size(s->chunk_bytes), &s->jf);
	if (err)
		return fail(s, CRYPT_EIO, "cannot create the journal: %s", strerror(-err));
	s->jopen = 1;
	return CRYPT_DONE;
}

/*
 * Steps 1-2: the original bytes into the slot, summed. In L2-sized pieces,
 * each read, written and summed while it is in the cache.
 */
static int copy_pass(struct jstate *s)
{
	const struct crypt_file *t = &s->job->target, *jf = &s->jf;
	uint64_t joff = slot_off(s, s->cur_slot) + CRYPT_JBLOCK;
	size_t len = (size_t)s->cur_n * CRYPT_SECTOR;

	crypt_sum_init(&s->sum);
	for (size_t off = 0; off < len; off += CRYPT_PIECE) {
		size_t n = len - off < CRYPT_PIECE ? len - off : CRYPT_PIECE;

		if (t->ops->read(t->ctx, s->buf + off, n, s->cur_lba * CRYPT_SECTOR + off))
			return fail(s, CRYPT_EIO, "cannot read sectors %llu+%u of the target",
				    (unsigned long long)s->cur_lba, s->cur_n);
		if (jf->ops->write(jf->ctx, s->buf + off, n, joff + off))
			return fail(s, CRYPT_EIO, "cannot write the journal");
		crypt_sum_add(&s->sum, s->buf + off, n);
	}
	return CRYPT_DONE;
}

/* Step 4: convert in memory and write over the target, piece by piece. */
static int convert_pass(struct jstate *s)
{
	const struct crypt_file *t = &s->job->target;
	const uint32_t per = CRYPT_PIECE / CRYPT_SECTOR;

	for (uint32_t i = 0; i < s->cur_n; i += per) {
		uint32_t k = s->cur_n - i < per ? s->cur_n - i : per;
		uint8_t *p = s->buf + (size_t)i * CRYPT_SECTOR;

		convert(s, s->cur_lba + i, p, k);
		if (t->ops->write(t->ctx, p, (size_t)k * CRYPT_SECTOR, (s->cur_lba + i) * CRYPT_SECTOR))
			return fail(s, CRYPT_EIO, "cannot write sectors %llu+%u of the target",
				    (unsigned long long)s->cur_lba, s->cur_n);
	}
	return CRYPT_DONE;
}

/* Steps 1-4 of the file comment for the chunk at s->next. */
static int convert_chunk(struct jstate *s)
{
	const struct crypt_file *t = &s->job->target, *jf = &s->jf;
	uint64_t left = s->end - s->next;
	uint8_t rec[CRYPT_SECTOR];
	int err;

	s->cur_lba = s->next;
	s->cur_n = left < s->job->chunk_sectors ? (uint32_t)left : s->job->chunk_sectors;
	s->cur_slot = (unsigned)(++s->seq & 1);
	err = copy_pass(s);
	if (err)
		return err;
	rec_build(s, rec);
	/* The data is durable before the record that vouches for it is written. */
	if (jf->ops->sync(jf->ctx) ||
	    jf->ops->write(jf->ctx, rec, CRYPT_SECTOR, slot_off(s, s->cur_slot)) ||
	    jf->ops->sync(jf->ctx))
		return fail(s, CRYPT_EIO, "cannot write the journal");
	err = convert_pass(s);
	if (err)
		return err;
	if (t->ops->sync(t->ctx))
		return fail(s, CRYPT_EIO, "cannot sync the target");
	s->next += s->cur_n;
	s->job->done_sectors += s->cur_n;
	return CRYPT_DONE;
}

static int run_chunks(struct jstate *s)
{
	struct crypt_job *j = s->job;
	int err;

	j->resumed_at = s->next;
	while (s->next < s->end) {
		if (j->stop && *j->stop)
			return fail(s, CRYPT_ESTOPPED, "stopped at sector %llu of %llu+%llu; run the "
				    "same command with --resume to finish",
				    (unsigned long long)s->next, (unsigned long long)j->first_lba,
				    (unsigned long long)j->nsect);
		err = convert_chunk(s);
		if (err)
			return err;
		if (j->progress)
			j->progress(j->progress_ctx, s->next - j->first_lba, j->nsect);
	}
	s->jf.ops->close(s->jf.ctx);
	s->jopen = 0;
	if (j->journal.ops->remove(j->journal.ctx))
		return fail(s, CRYPT_EIO, "converted, but the journal could not be removed: remove "
			    "it by hand");
	return CRYPT_DONE;
}

int crypt_run(struct crypt_job *job)
{
	struct jstate s = { .job = job };
	int err = CRYPT_DONE;

	job->why[0] = 0;
	job->done_sectors = 0;
	if (!job->resume && (!job->nsect || !job->chunk_sectors ||
			     job->chunk_sectors > CRYPT_CHUNK_MAX / CRYPT_SECTOR))
		err = fail(&s, CRYPT_EUSAGE, "empty range or bad chunk size");
	if (!err && !(s.xts = crypt_xts_new(job->key)))
		err = fail(&s, CRYPT_EUSAGE, "out of memory, or the key's halves are equal");
	if (!err)
		err = job->resume ? journal_resume(&s) : journal_start(&s);
	if (!err)
		err = run_chunks(&s);
	jstate_free(&s);
	return err;
}
