/*
 * cli_crypt.h - what the files of "parapass crypt" share (private to cli/
 * and its tests): the in-place conversion engine with its crash-safe
 * journal (cli_crypt_journal.c), the POSIX files it runs on and the kill
 * hook of the tests (cli_crypt_io.c), target checks (cli_crypt_dev.c),
 * the progress line (cli_crypt_progress.c) and the plaintext/ciphertext
 * classifier behind "verify" (cli_crypt_verify.c).
 *
 * The engine reaches its two files only through struct crypt_file and
 * the journal's lifecycle only through struct crypt_store, so that the
 * tests can run it on a simulated disk that loses unsynced writes.
 */
#ifndef CLI_CRYPT_H
#define CLI_CRYPT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cli_keyfile.h"

struct crypto_xts;

#define CRYPT_SECTOR 512
#define CRYPT_CHUNK_DEFAULT (4u << 20)  /* bytes converted per journal round */
#define CRYPT_CHUNK_MAX (64u << 20)
#define CRYPT_JOURNAL_SUFFIX ".ppjournal"
#define CRYPT_CHUNK_MEMORY (1u << 20)   /* the default where syncs are free (tmpfs) */
#define CRYPT_PIECE (256u << 10)  /* unit of work inside a chunk: stays in the L2 cache */

enum crypt_op { CRYPT_ENCRYPT = 1, CRYPT_DECRYPT = 2 };

/* ---- Journal layout (README "Conversion journal"); all fields little-endian ---- */
#define CRYPT_JHEAD_MAGIC "\x89PPJRNL\n"
#define CRYPT_JREC_MAGIC "\x89PPJREC\n"
#define CRYPT_JVERSION 1
#define CRYPT_JBLOCK 4096  /* header and record blocks: one page, one atomic sector used */
enum crypt_jhead_layout {
	JH_MAGIC = 0, JH_VERSION = 8, JH_OP = 12, JH_FIRST = 16, JH_NSECT = 24, JH_CHUNK = 32,
	JH_SECTOR = 36, JH_TBYTES = 40, JH_TID0 = 48, JH_TID1 = 56, JH_KEYFP = 64, JH_SUM = 80,
	JH_SIZE = 112,
};
enum crypt_jrec_layout {
	JR_MAGIC = 0, JR_SEQ = 8, JR_LBA = 16, JR_NSECT = 24, JR_HEADID = 32, JR_DATASUM = 48,
	JR_SUM = 112, JR_SIZE = 144,
};

/* ---- The engine's view of a file ---- */
struct crypt_file_ops {
	/* Each returns 0 or a negative errno; short transfers are errors. */
	int (*read)(void *ctx, void *buf, size_t len, uint64_t off);
	int (*write)(void *ctx, const void *buf, size_t len, uint64_t off);
	int (*sync)(void *ctx);   /* everything written so far is durable on return */
	void (*close)(void *ctx);
};

struct crypt_file {
	const struct crypt_file_ops *ops;
	void *ctx;
};

/* The journal file's existence: creating and removing it are atomic and durable. */
struct crypt_store_ops {
	/* A new journal holding head (len bytes) then zeros up to size. -EEXIST if one exists. */
	int (*create)(void *ctx, const void *head, size_t len, uint64_t size, struct crypt_file *out);
	/* The existing journal and its size; -ENOENT if there is none. */
	int (*open)(void *ctx, struct crypt_file *out, uint64_t *size);
	int (*remove)(void *ctx);
};

struct crypt_store {
	const struct crypt_store_ops *ops;
	void *ctx;
};

struct crypt_job {
	enum crypt_op op;
	const uint8_t *key;         /* 64 bytes, XTS */
	uint64_t first_lba, nsect;  /* nsect 0: from the journal (resume) */
	uint32_t chunk_sectors;
	uint64_t target_bytes;      /* the target's size */
	uint64_t target_id[2];      /* st_dev/st_ino of a file, st_rdev of a device */
	struct crypt_file target;
	struct crypt_store journal;
	int resume;
	volatile sig_atomic_t *stop;  /* when set, stop cleanly after the current chunk */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	/* Out: what happened. */
	uint64_t done_sectors;      /* converted by this run */
	uint64_t resumed_at;        /* LBA the run started from */
	char why[256];              /* the reason when the run fails */
};

enum crypt_result {
	CRYPT_DONE = 0,
	CRYPT_EUSAGE = -1,        /* the job contradicts the journal, or no journal to resume */
	CRYPT_EIO = -2,           /* a read, write or sync failed */
	CRYPT_EJOURNAL = -3,      /* the journal is damaged */
	CRYPT_EMISMATCH = -4,     /* the target is not the one the journal belongs to */
	CRYPT_ESTOPPED = -5,      /* stopped on request (Ctrl-C): resume later */
	CRYPT_ENOMEM = -6,
};

/*
 * Convert [first_lba, first_lba + nsect) of the target in place, or, with
 * resume, finish the conversion the journal describes. Returns an enum
 * crypt_result; job->why says what went wrong.
 */
int crypt_run(struct crypt_job *job);

/* An expanded XTS key on the heap (NULL: no memory, or equal halves); wiped by the free. */
struct crypto_xts *crypt_xts_new(const uint8_t key[64]);
void crypt_xts_free(struct crypto_xts *x);
/* size bytes aligned to a page, for O_DIRECT-friendly chunk buffers; free() them. */
void *crypt_alloc(size_t size);

/*
 * The 64-byte checksum of a journalled chunk: four lanes of Fletcher-style
 * sums over 64-bit words (a: the words, b: the running a's), fed piece by
 * piece.
 */
struct crypt_sum {
	uint64_t a[4], b[4], rows;
};
void crypt_sum_init(struct crypt_sum *s);
void crypt_sum_add(struct crypt_sum *s, const void *buf, size_t len);  /* len: whole 32-byte rows */
void crypt_sum_out(const struct crypt_sum *s, uint8_t out[64]);
void crypt_data_sum(const void *buf, size_t len, uint8_t out[64]);

/* ---- POSIX files and the journal beside the target (cli_crypt_io.c) ---- */
int crypt_file_fd(struct crypt_file *f, int fd);  /* wrap an open fd; closes it on close */
/* The journal at path (directory synced on create/remove). */
int crypt_store_path(struct crypt_store *s, const char *path);
void crypt_store_free(struct crypt_store *s);
/* Test hook: PARAPASS_CRYPT_KILL=bytes:N|sync:N SIGKILLs the process there. */
void crypt_kill_hook_init(void);

/* ---- Target checks (cli_crypt_dev.c) ---- */
/* Where the device checks look; tests point them at fake trees. */
struct crypt_sys {
	const char *mounts;  /* /proc/self/mounts */
	const char *swaps;   /* /proc/swaps */
	const char *sysfs;   /* /sys */
};
extern const struct crypt_sys crypt_sys_default;

struct crypt_target {
	int fd;
	int is_blk;
	uint64_t bytes;
	uint64_t id[2];
};

/*
 * Open path for conversion (writable) or verification, after refusing
 * what must not be converted: not a file or block device, a partition,
 * a device in use (mounted, swap, held by device-mapper/md, its
 * partitions too), an image attached to a loop device, a read-only
 * target. 0, or -1 after writing the reason into why.
 */
int crypt_target_open(const struct crypt_sys *sys, const char *path, int writable,
		      struct crypt_target *t, char *why, size_t whylen);
/* Whether a device (by number) or its partitions are in use: 0, or 1 with the reason. */
int crypt_dev_in_use(const struct crypt_sys *sys, unsigned maj, unsigned min, char *why,
		     size_t whylen);

/* ---- Progress (cli_crypt_progress.c) ---- */
struct crypt_progress {
	int tty;             /* draw only on a terminal */
	double start, last;  /* seconds */
	const char *what;
};
void crypt_progress_init(struct crypt_progress *p, const char *what);
void crypt_progress_cb(void *ctx, uint64_t done, uint64_t total);
void crypt_progress_end(struct crypt_progress *p);
double crypt_now(void);

/* ---- Classifier and "verify" (cli_crypt_verify.c) ---- */
/*
 * Byte collisions of a sector: the sum of the squared counts of its byte
 * values, n^2 * 2^-H2 for the Renyi collision entropy H2. 512 random
 * bytes give 1534 +- 122; text, code, tables and zeros give many
 * thousands (a zero sector 262144). Under the threshold: random-looking.
 */
#define CRYPT_RANDOM_COLLISIONS 2200
uint32_t crypt_collisions(const uint8_t *sector);
/* A well-known on-disk marker at lba (boot sector, GPT, ext, NTFS, FAT32, LUKS, ISO 9660), or NULL. */
const char *crypt_marker(uint64_t lba, const uint8_t *sector);

enum crypt_look {
	CRYPT_LOOK_PLAIN,      /* structured in the clear, random once decrypted */
	CRYPT_LOOK_CIPHER,     /* random in the clear, structured once decrypted: this key */
	CRYPT_LOOK_RANDOM,     /* random both ways: cannot tell */
	CRYPT_LOOK_COUNT
};
enum crypt_look crypt_look_sector(const struct crypto_xts *x, uint64_t lba, const uint8_t *raw);

struct crypt_survey {
	uint64_t count[CRYPT_LOOK_COUNT];
	uint64_t first_plain, last_cipher;  /* LBAs, meaningful when the counts are not 0 */
	uint64_t sampled, unreadable;
};
/*
 * Classify sectors of [first, first + nsect): the first 64 and samples
 * more spread evenly, or every one when samples is 0.
 */
int crypt_survey(int fd, const struct crypto_xts *x, uint64_t first, uint64_t nsect,
		 uint64_t samples, struct crypt_survey *s);
/* The verdict: CRYPT_LOOK_CIPHER/PLAIN/RANDOM, or -1 for a mix; line says it in words. */
int crypt_verdict(const struct crypt_survey *s, char *line, size_t len);

/* ---- The command line (cli_crypt.c) ---- */
struct crypt_args {
	const char *verb;               /* encrypt, decrypt, verify */
	const char *target, *journal, *plain;
	struct cli_key_opts key;
	uint64_t first_lba, nsect;      /* nsect 0: to the end of the target */
	int have_range;
	uint32_t chunk_kib;             /* 0: crypt_chunk_default() */
	uint64_t samples;
	int all, resume, force;
};
/*
 * The chunk for a target and its journal: 4 MiB where syncs reach storage
 * (fewer syncs), 1 MiB where both are in memory (tmpfs: syncs are free,
 * and a chunk that stays in the L2 cache between its two passes wins).
 */
uint32_t crypt_chunk_default(int target_fd, const char *journal);
/* "parapass crypt verify" on the open target, range resolved, key loaded: the exit status. */
int crypt_verify_cmd(const struct crypt_args *a, int fd, const uint8_t key[64]);

#endif /* CLI_CRYPT_H */
