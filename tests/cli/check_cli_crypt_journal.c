/*
 * check_cli_crypt_journal.c - the conversion engine (cli/cli_crypt_journal.c) on a
 * simulated machine that loses power: every write since the last sync
 * survives or not, sector by sector, at random, and the write under way
 * when the power goes may be half done. The engine is stopped at every
 * single write and sync of a conversion (and again during the resume),
 * then resumed; the image must always end exactly as the OpenSSL
 * aes-xts-plain64 oracle says, with nothing outside the range touched.
 * Then the refusals: another key, operation, range or target, a damaged
 * journal; and the same engine on real files.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_crypt.h"
#include "tests/crypto/crypto_test.h"
#include "tests/tools/xts_oracle.h"

#define SECT CRYPT_SECTOR
#define T_SECTORS 40           /* target size */
#define T_FIRST 3              /* range: 3 .. 35, five chunks, the last of one sector */
#define T_NSECT 33
#define T_CHUNK 8
#define J_BYTES (CRYPT_JBLOCK + 2 * (CRYPT_JBLOCK + T_CHUNK * SECT))

/* ---- A file on the simulated machine ---- */
struct sim_file {
	uint8_t *cur, *dur;  /* what reads see, what survives a power loss */
	uint8_t *dirty;      /* per sector: written since the last sync */
	size_t size;
	struct sim_machine *m;
};

/* The machine: an operation counter that cuts the power at op crash_at. */
struct sim_machine {
	uint64_t ops, crash_at;  /* crash_at 0: never */
	int dead;
	uint64_t rng;
	int journal_exists;
	struct sim_file target, journal;
};

static void sf_init(struct sim_file *f, struct sim_machine *m, size_t size)
{
	f->size = size;
	f->m = m;
	f->cur = calloc(1, size);
	f->dur = calloc(1, size);
	f->dirty = calloc(1, size / SECT);
	ck_assert(f->cur && f->dur && f->dirty);
}

static void sf_free(struct sim_file *f)
{
	free(f->cur), free(f->dur), free(f->dirty);
}

/* Count an operation; at op crash_at the power goes (and stays gone). */
static int sim_tick(struct sim_machine *m)
{
	m->ops++;
	if (m->crash_at && m->ops >= m->crash_at) {
		m->dead = 1;
		return -EIO;
	}
	return 0;
}

static int sf_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct sim_file *f = ctx;

	if (f->m->dead)
		return -EIO;
	if (off + len > f->size)
		return -EIO;
	memcpy(buf, f->cur + off, len);
	return 0;
}

static int sf_write(void *ctx, const void *buf, size_t len, uint64_t off)
{
	struct sim_file *f = ctx;
	struct sim_machine *m = f->m;
	size_t n = len / SECT;

	ck_assert_uint_eq(off % SECT, 0);
	ck_assert_uint_eq(len % SECT, 0);
	ck_assert_uint_le(off + len, f->size);
	if (m->dead)
		return -EIO;
	/* The write in flight when the power goes: only some of its sectors got there. */
	if (sim_tick(m))
		n = (size_t)(ct_rand(&m->rng) % (n + 1));
	memcpy(f->cur + off, buf, n * SECT);
	memset(f->dirty + off / SECT, 1, n);
	return m->dead ? -EIO : 0;
}

static int sf_sync(void *ctx)
{
	struct sim_file *f = ctx;

	if (f->m->dead || sim_tick(f->m))
		return -EIO;
	memcpy(f->dur, f->cur, f->size);
	memset(f->dirty, 0, f->size / SECT);
	return 0;
}

static void sf_close(void *ctx)
{
	(void)ctx;
}

static const struct crypt_file_ops sf_ops = {
	.read = sf_read, .write = sf_write, .sync = sf_sync, .close = sf_close,
};

enum sim_loss { LOSS_RANDOM, LOSS_KEEP_ALL, LOSS_KEEP_NONE, LOSS_COUNT };

/* Power comes back: each unsynced sector holds its new or its old bytes. */
static void sf_power_loss(struct sim_file *f, uint64_t *rng, enum sim_loss how)
{
	for (size_t s = 0; s < f->size / SECT; s++) {
		int keep = how == LOSS_KEEP_ALL || (how == LOSS_RANDOM && (ct_rand(rng) & 1));

		if (f->dirty[s] && keep)
			memcpy(f->dur + s * SECT, f->cur + s * SECT, SECT);
		memcpy(f->cur + s * SECT, f->dur + s * SECT, SECT);
		f->dirty[s] = 0;
	}
}

/* ---- The journal's existence: atomic and durable, as the real store makes it ---- */
static int ss_create(void *ctx, const void *head, size_t len, uint64_t size, struct crypt_file *out)
{
	struct sim_machine *m = ctx;
	int crashed;

	ck_assert_uint_eq(size, J_BYTES);
	if (m->dead)
		return -EIO;
	if (m->journal_exists)
		return -EEXIST;
	crashed = sim_tick(m) != 0;
	/* Cut during the create: the final rename happened, or not. */
	if (!crashed || (ct_rand(&m->rng) & 1)) {
		memset(m->journal.cur, 0, m->journal.size);
		memcpy(m->journal.cur, head, len);
		memcpy(m->journal.dur, m->journal.cur, m->journal.size);
		memset(m->journal.dirty, 0, m->journal.size / SECT);
		m->journal_exists = 1;
	}
	if (crashed)
		return -EIO;
	out->ops = &sf_ops;
	out->ctx = &m->journal;
	return 0;
}

static int ss_open(void *ctx, struct crypt_file *out, uint64_t *size)
{
	struct sim_machine *m = ctx;

	if (!m->journal_exists)
		return -ENOENT;
	out->ops = &sf_ops;
	out->ctx = &m->journal;
	*size = m->journal.size;
	return 0;
}

static int ss_remove(void *ctx)
{
	struct sim_machine *m = ctx;

	if (m->dead)
		return -EIO;
	if (sim_tick(m)) {
		m->journal_exists = (int)(ct_rand(&m->rng) & 1);
		return -EIO;
	}
	m->journal_exists = 0;
	return 0;
}

static const struct crypt_store_ops ss_ops = {
	.create = ss_create, .open = ss_open, .remove = ss_remove,
};

/* ---- Scenarios ---- */
static uint8_t key_a[64], key_b[64];
static uint8_t img_plain[T_SECTORS * SECT], img_cipher[T_SECTORS * SECT];

/* The plaintext image and the oracle's encryption of the range (outside it: unchanged). */
static void images_setup(void)
{
	uint64_t seed = 0xC4A5Eu;

	ct_test_key(&seed, key_a);
	ct_test_key(&seed, key_b);
	ct_fill(&seed, img_plain, sizeof(img_plain));
	/* Some structure, as a disk has: zero sectors and text. */
	memset(img_plain + 5 * SECT, 0, 2 * SECT);
	memset(img_plain + 20 * SECT, 'x', SECT);
	memcpy(img_cipher, img_plain, sizeof(img_cipher));
	ck_assert_int_eq(xo_crypt(key_a, 1, T_FIRST, img_plain + T_FIRST * SECT,
				  img_cipher + T_FIRST * SECT, T_NSECT),
			 XO_OK);
}

static void machine_init(struct sim_machine *m, uint64_t seed, const uint8_t *img)
{
	memset(m, 0, sizeof(*m));
	m->rng = seed;
	sf_init(&m->target, m, T_SECTORS * SECT);
	sf_init(&m->journal, m, J_BYTES);
	memcpy(m->target.cur, img, T_SECTORS * SECT);
	memcpy(m->target.dur, img, T_SECTORS * SECT);
}

static void machine_free(struct sim_machine *m)
{
	sf_free(&m->target);
	sf_free(&m->journal);
}

struct run_opts {
	const uint8_t *key;
	enum crypt_op op;
	int resume;
	uint64_t crash_at, nsect, target_bytes, id0;
	volatile sig_atomic_t *stop;
};

static int sim_run(struct sim_machine *m, const struct run_opts *o, char *why)
{
	struct crypt_job job = {
		.op = o->op, .key = o->key ? o->key : key_a, .first_lba = T_FIRST,
		.nsect = o->nsect ? o->nsect : o->resume ? 0 : T_NSECT, .chunk_sectors = T_CHUNK,
		.target_bytes = o->target_bytes ? o->target_bytes : T_SECTORS * SECT,
		.target_id = { o->id0 ? o->id0 : 7, 11 },
		.target = { &sf_ops, &m->target }, .journal = { &ss_ops, m },
		.resume = o->resume, .stop = o->stop,
	};
	int rc;

	m->dead = 0;
	m->ops = 0;
	m->crash_at = o->crash_at;
	rc = crypt_run(&job);
	if (why)
		memcpy(why, job.why, sizeof(job.why));
	return rc;
}

static const uint8_t *img_from(enum crypt_op op)
{
	return op == CRYPT_ENCRYPT ? img_plain : img_cipher;
}

static const uint8_t *img_want(enum crypt_op op)
{
	return op == CRYPT_ENCRYPT ? img_cipher : img_plain;
}

/* After any crash: resume if there is a journal, else it is all before or all after. */
static void finish_and_check(struct sim_machine *m, enum crypt_op op, const char *what)
{
	struct run_opts o = { .op = op, .resume = 1 };
	char why[256] = "";
	int rc;

	if (m->journal_exists) {
		rc = sim_run(m, &o, why);
		ck_assert_msg(rc == CRYPT_DONE, "%s: resume: %d %s", what, rc, why);
	} else if (!memcmp(m->target.cur, img_from(op), T_SECTORS * SECT)) {
		o.resume = 0;
		ck_assert_int_eq(sim_run(m, &o, why), CRYPT_DONE);
	}
	ck_assert_msg(!memcmp(m->target.cur, img_want(op), T_SECTORS * SECT), "%s: wrong image",
		      what);
	ck_assert_msg(!m->journal_exists, "%s: journal left", what);
}

/* The operations of one uninterrupted conversion: every point the power can go. */
static uint64_t total_ops(enum crypt_op op)
{
	struct sim_machine m;
	struct run_opts o = { .op = op };

	machine_init(&m, 1, img_from(op));
	ck_assert_int_eq(sim_run(&m, &o, NULL), CRYPT_DONE);
	ck_assert_mem_eq(m.target.cur, img_want(op), T_SECTORS * SECT);
	machine_free(&m);
	return m.ops;
}

/*
 * _i = op (2) x loss model (3): the power goes at each write and sync in
 * turn, for several seeds; half the time it goes again during the resume.
 */
START_TEST(test_power_loss_at_every_step)
{
	enum crypt_op op = _i / LOSS_COUNT ? CRYPT_DECRYPT : CRYPT_ENCRYPT;
	enum sim_loss loss = (enum sim_loss)(_i % LOSS_COUNT);
	uint64_t n = total_ops(op);
	char what[96];

	ck_assert_uint_eq(n, 2 + 6 * 5);  /* create, 5 chunks of 6, remove */
	for (uint64_t k = 1; k <= n; k++) {
		for (uint64_t seed = 1; seed <= 6; seed++) {
			struct sim_machine m;
			struct run_opts o = { .op = op, .crash_at = k };

			snprintf(what, sizeof(what), "op %d loss %d crash at %llu seed %llu", op, loss,
				 (unsigned long long)k, (unsigned long long)seed);
			machine_init(&m, seed * 7919 + k, img_from(op));
			ck_assert_int_ne(sim_run(&m, &o, NULL), CRYPT_DONE);
			sf_power_loss(&m.target, &m.rng, loss);
			sf_power_loss(&m.journal, &m.rng, loss);
			if (seed & 1 && m.journal_exists) {
				o.resume = 1;
				o.crash_at = 1 + ct_rand(&m.rng) % 12;
				sim_run(&m, &o, NULL);
				sf_power_loss(&m.target, &m.rng, loss);
				sf_power_loss(&m.journal, &m.rng, loss);
			}
			finish_and_check(&m, op, what);
			machine_free(&m);
		}
	}
}
END_TEST

#define CRASH_IN_CHUNK2_TARGET_WRITE 18  /* create, 2 chunks of 6, then data, sync, record, sync */

/* A machine stopped half-way through writing chunk 2 to the target (kill -9: nothing lost). */
static void crashed_machine(struct sim_machine *m, enum crypt_op op)
{
	struct run_opts o = { .op = op, .crash_at = CRASH_IN_CHUNK2_TARGET_WRITE };

	machine_init(m, 99, img_from(op));
	m->rng = 3;  /* a partial write of a few sectors */
	ck_assert_int_eq(sim_run(m, &o, NULL), CRYPT_EIO);
	sf_power_loss(&m->target, &m->rng, LOSS_KEEP_ALL);
	sf_power_loss(&m->journal, &m->rng, LOSS_KEEP_ALL);
	ck_assert(m->journal_exists);
}

struct refusal {
	const char *what;
	struct run_opts o;
	int rc;
	const char *why;  /* a word the reason must contain */
};

static const struct refusal refusals[] = {
	{ "another key", { .key = key_b, .op = CRYPT_ENCRYPT, .resume = 1 }, CRYPT_EUSAGE,
	  "another key" },
	{ "the other operation", { .op = CRYPT_DECRYPT, .resume = 1 }, CRYPT_EUSAGE, "encrypt" },
	{ "another range", { .op = CRYPT_ENCRYPT, .resume = 1, .nsect = 20 }, CRYPT_EUSAGE,
	  "sectors 3+33" },
	{ "another size", { .op = CRYPT_ENCRYPT, .resume = 1, .target_bytes = 39 * SECT },
	  CRYPT_EMISMATCH, "another target" },
	{ "a fresh start over a journal", { .op = CRYPT_ENCRYPT }, CRYPT_EUSAGE, "--resume" },
};

/* Each refusal writes nothing; the right resume afterwards still finishes. */
START_TEST(test_resume_refusals)
{
	const struct refusal *r = &refusals[_i];
	struct sim_machine m;
	uint8_t before[T_SECTORS * SECT], jbefore[J_BYTES];
	char why[256];

	crashed_machine(&m, CRYPT_ENCRYPT);
	memcpy(before, m.target.cur, sizeof(before));
	memcpy(jbefore, m.journal.cur, sizeof(jbefore));
	ck_assert_int_eq(sim_run(&m, &r->o, why), r->rc);
	ck_assert_msg(strstr(why, r->why), "%s: reason '%s' lacks '%s'", r->what, why, r->why);
	ck_assert_mem_eq(m.target.cur, before, sizeof(before));
	ck_assert_mem_eq(m.journal.cur, jbefore, sizeof(jbefore));
	finish_and_check(&m, CRYPT_ENCRYPT, r->what);
	machine_free(&m);
}
END_TEST

START_TEST(test_resume_without_journal)
{
	struct sim_machine m;
	struct run_opts o = { .op = CRYPT_ENCRYPT, .resume = 1 };
	char why[256];

	machine_init(&m, 5, img_plain);
	ck_assert_int_eq(sim_run(&m, &o, why), CRYPT_EUSAGE);
	ck_assert_ptr_nonnull(strstr(why, "nothing to resume"));
	ck_assert_mem_eq(m.target.cur, img_plain, sizeof(img_plain));
	machine_free(&m);
}
END_TEST

/* Another disk of the same size under the journal's name: refused, nothing written. */
START_TEST(test_foreign_target_refused)
{
	struct sim_machine m;
	struct run_opts o = { .op = CRYPT_ENCRYPT, .resume = 1, .id0 = 8 };
	uint64_t seed = 0xF0E16Eu;
	uint8_t other[T_SECTORS * SECT];
	char why[256];

	crashed_machine(&m, CRYPT_ENCRYPT);
	ct_fill(&seed, other, sizeof(other));
	memcpy(m.target.cur, other, sizeof(other));
	ck_assert_int_eq(sim_run(&m, &o, why), CRYPT_EMISMATCH);
	ck_assert_ptr_nonnull(strstr(why, "not the journal's"));
	ck_assert_mem_eq(m.target.cur, other, sizeof(other));
	machine_free(&m);
}
END_TEST

/* The same disk under a new name (another device number): its contents vouch for it. */
START_TEST(test_renamed_target_resumes)
{
	struct sim_machine m;
	struct run_opts o = { .op = CRYPT_ENCRYPT, .resume = 1, .id0 = 8 };

	crashed_machine(&m, CRYPT_ENCRYPT);
	ck_assert_int_eq(sim_run(&m, &o, NULL), CRYPT_DONE);
	ck_assert_mem_eq(m.target.cur, img_cipher, sizeof(img_cipher));
	machine_free(&m);
}
END_TEST

/* A sector of the chunk in flight that is neither old nor new (a torn write): repaired. */
START_TEST(test_torn_sector_repaired)
{
	struct sim_machine m;

	crashed_machine(&m, CRYPT_ENCRYPT);
	memset(m.target.cur + (T_FIRST + 2 * T_CHUNK + 1) * SECT + 100, 0xEE, 300);
	finish_and_check(&m, CRYPT_ENCRYPT, "torn sector");
	machine_free(&m);
}
END_TEST

/* _i: 0 the header, 1 the newest record's data; both refuse before writing. */
START_TEST(test_damaged_journal_refused)
{
	struct sim_machine m;
	struct run_opts o = { .op = CRYPT_ENCRYPT, .resume = 1 };
	uint8_t before[T_SECTORS * SECT];
	char why[256];
	/* Chunk 2 is the third record: sequence 3, slot 1. */
	size_t off = _i ? CRYPT_JBLOCK + (CRYPT_JBLOCK + T_CHUNK * SECT) + CRYPT_JBLOCK + 700 : 20;

	crashed_machine(&m, CRYPT_ENCRYPT);
	memcpy(before, m.target.cur, sizeof(before));
	m.journal.cur[off] ^= 0x40;
	ck_assert_int_eq(sim_run(&m, &o, why), CRYPT_EJOURNAL);
	ck_assert_ptr_nonnull(strstr(why, "damaged"));
	ck_assert_mem_eq(m.target.cur, before, sizeof(before));
	machine_free(&m);
}
END_TEST

static volatile sig_atomic_t stop_flag;

static void stop_after_two(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx, (void)total;
	if (done >= 2 * T_CHUNK)
		stop_flag = 1;
}

/* Ctrl-C: the engine stops between chunks with the journal in place; resume finishes. */
START_TEST(test_stop_then_resume)
{
	struct sim_machine m;
	struct crypt_job job = {
		.op = CRYPT_DECRYPT, .key = key_a, .first_lba = T_FIRST, .nsect = T_NSECT,
		.chunk_sectors = T_CHUNK, .target_bytes = T_SECTORS * SECT, .target_id = { 7, 11 },
		.target = { &sf_ops, &m.target }, .journal = { &ss_ops, &m }, .stop = &stop_flag,
		.progress = stop_after_two,
	};

	machine_init(&m, 5, img_cipher);
	stop_flag = 0;
	ck_assert_int_eq(crypt_run(&job), CRYPT_ESTOPPED);
	ck_assert_uint_eq(job.done_sectors, 2 * T_CHUNK);
	ck_assert_ptr_nonnull(strstr(job.why, "--resume"));
	ck_assert(m.journal_exists);
	finish_and_check(&m, CRYPT_DECRYPT, "stopped");
	machine_free(&m);
}
END_TEST

/* The checksum of a journalled chunk sees a flipped bit and two swapped words. */
START_TEST(test_data_sum_sensitive)
{
	uint8_t buf[4096], a[64], b[64];
	uint64_t seed = 0x5u, w1, w2;

	ct_fill(&seed, buf, sizeof(buf));
	crypt_data_sum(buf, sizeof(buf), a);
	buf[1234] ^= 0x10;
	crypt_data_sum(buf, sizeof(buf), b);
	ck_assert(memcmp(a, b, 64));
	buf[1234] ^= 0x10;
	memcpy(&w1, buf + 64, 8), memcpy(&w2, buf + 96, 8);  /* same lane, other place */
	memcpy(buf + 64, &w2, 8), memcpy(buf + 96, &w1, 8);
	crypt_data_sum(buf, sizeof(buf), b);
	ck_assert(memcmp(a, b, 64));
}
END_TEST

/* The same engine on real files: the oracle's bytes, and no journal left behind. */
START_TEST(test_real_files_match_oracle)
{
	char dir[] = "/tmp/check_cli_crypt.XXXXXX", tpath[64], jpath[80];
	size_t sectors = 2048 + 77, bytes = sectors * SECT + 100;
	uint8_t *orig = malloc(bytes), *got = malloc(bytes), *want = malloc(bytes);
	uint64_t seed = 0xF11E5u, first = 13, n = sectors - 13 - 5;
	struct crypt_job job = {
		.key = key_a, .first_lba = first, .nsect = n, .chunk_sectors = 128,
		.target_bytes = bytes,
	};
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(tpath, sizeof(tpath), "%s/disk.img", dir);
	snprintf(jpath, sizeof(jpath), "%s%s", tpath, CRYPT_JOURNAL_SUFFIX);
	ct_fill(&seed, orig, bytes);
	memcpy(want, orig, bytes);
	ck_assert_int_eq(xo_crypt(key_a, 1, first, orig + first * SECT, want + first * SECT, n), 0);
	for (int op = CRYPT_ENCRYPT; op <= CRYPT_DECRYPT; op++) {
		fd = open(tpath, O_RDWR | O_CREAT | (op == CRYPT_ENCRYPT ? O_TRUNC : 0), 0600);
		ck_assert_int_ge(fd, 0);
		if (op == CRYPT_ENCRYPT)
			ck_assert_int_eq(write(fd, orig, bytes), (ssize_t)bytes);
		job.op = (enum crypt_op)op;
		ck_assert_int_eq(crypt_file_fd(&job.target, fd), 0);
		ck_assert_int_eq(crypt_store_path(&job.journal, jpath), 0);
		ck_assert_int_eq(crypt_run(&job), CRYPT_DONE);
		ck_assert_uint_eq(job.done_sectors, n);
		ck_assert_int_eq(pread(fd, got, bytes, 0), (ssize_t)bytes);
		ck_assert_mem_eq(got, op == CRYPT_ENCRYPT ? want : orig, bytes);
		ck_assert_int_ne(access(jpath, F_OK), 0);
		job.target.ops->close(job.target.ctx);
		crypt_store_free(&job.journal);
	}
	unlink(tpath);
	rmdir(dir);
	free(orig), free(got), free(want);
}
END_TEST

Suite *cli_crypt_journal_suite(void)
{
	Suite *s = suite_create("cli_crypt_journal");
	TCase *pl = tcase_create("power_loss");
	TCase *ref = tcase_create("refusals");
	TCase *real = tcase_create("real_files");

	tcase_add_unchecked_fixture(pl, images_setup, NULL);
	tcase_set_timeout(pl, 120);
	tcase_add_loop_test(pl, test_power_loss_at_every_step, 0, 2 * LOSS_COUNT);
	tcase_add_test(pl, test_stop_then_resume);
	tcase_add_test(pl, test_torn_sector_repaired);
	suite_add_tcase(s, pl);

	tcase_add_unchecked_fixture(ref, images_setup, NULL);
	tcase_add_loop_test(ref, test_resume_refusals, 0, sizeof(refusals) / sizeof(refusals[0]));
	tcase_add_test(ref, test_resume_without_journal);
	tcase_add_test(ref, test_foreign_target_refused);
	tcase_add_test(ref, test_renamed_target_resumes);
	tcase_add_loop_test(ref, test_damaged_journal_refused, 0, 2);
	tcase_add_test(ref, test_data_sum_sensitive);
	suite_add_tcase(s, ref);

	tcase_add_unchecked_fixture(real, images_setup, NULL);
	tcase_add_test(real, test_real_files_match_oracle);
	suite_add_tcase(s, real);
	return s;
}
