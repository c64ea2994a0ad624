/*
 * vmm.h - the backend-independent core: port dispatch, PCI configuration
 * tracking, logging and the small freestanding libc subset that vmm/, ata/
 * and crypto/ share. Compiles freestanding and hosted; includes hal.h, ata.h.
 */
#ifndef VMM_H
#define VMM_H

#include <stdarg.h>

#include "../ata/ata.h"
#include "../hal/hal.h"

/* ---- Freestanding libc subset (vmm_lib.c) ---- */
void *vmm_memcpy(void *dst, const void *src, size_t n);
void *vmm_memset(void *dst, int c, size_t n);
int vmm_memcmp(const void *a, const void *b, size_t n);
size_t vmm_strlen(const char *s);
int vmm_strcmp(const char *a, const char *b);
/* Zero n bytes in a way the compiler may not drop (keys, plaintext). */
void vmm_wipe(void *p, size_t n);
/* snprintf subset: %d %i %u %x %X %c %s %p %%, flags 0 -, width, l ll z. */
int vmm_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int vmm_snprintf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- Logging (vmm_log.c) ---- */
enum vmm_log_level { VMM_LOG_ERR, VMM_LOG_WARN, VMM_LOG_INFO, VMM_LOG_DEBUG };
/* Messages above this level are dropped; default VMM_LOG_INFO. */
void vmm_log_set_level(enum vmm_log_level level);
/*
 * One line "prefix: message\n" to the hal console. Never pass a key or
 * sector contents: the log may leave the machine over a serial cable.
 */
void vmm_log(enum vmm_log_level level, const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Each .c file defines LOG_PREFIX before using these. */
#define LOG_ERR(...) vmm_log(VMM_LOG_ERR, LOG_PREFIX, __VA_ARGS__)
#define LOG_WARN(...) vmm_log(VMM_LOG_WARN, LOG_PREFIX, __VA_ARGS__)
#define LOG_INFO(...) vmm_log(VMM_LOG_INFO, LOG_PREFIX, __VA_ARGS__)
#define LOG_DEBUG(...) vmm_log(VMM_LOG_DEBUG, LOG_PREFIX, __VA_ARGS__)

/* An internal invariant, kept in release builds: log where, then halt. */
__attribute__((noreturn)) void vmm_assert_fail(const char *file, int line, const char *expr);
#define VMM_ASSERT(e) ((e) ? (void)0 : vmm_assert_fail(__FILE__, __LINE__, #e))

/* ---- Port dispatch (vmm_io.c) ---- */
typedef void (*vmm_io_fn)(void *ctx, struct hal_io_req *req);
/*
 * Route guest accesses to ports [base, base+count) to fn(ctx, req) and
 * make them trap. With fn NULL the ports are only reserved: not trapped,
 * but no other claim may overlap them (the backend's own devices, shared
 * with the guest). PP_EBUSY if any port is already claimed, PP_ENOSPC when
 * the range table is full, PP_EINVAL for an empty or wrapping range.
 */
int vmm_port_claim(uint16_t base, uint32_t count, vmm_io_fn fn, void *ctx);
/* Undo a claim made with the same base and count; the ports pass through. */
int vmm_port_release(uint16_t base, uint32_t count);
/* Forget every claim (tests and re-initialisation). */
void vmm_port_reset(void);

/* ---- PCI configuration mechanism #1 (vmm_pci.c) ---- */
#define VMM_PCI_ADDR_PORT 0xCF8
#define VMM_PCI_DATA_PORT 0xCFC
/* Configuration read/write of the device (bus, dev, fn) at offset off (dword aligned for 4, etc.). */
uint32_t vmm_pci_read(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, unsigned width);
void vmm_pci_write(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, unsigned width, uint32_t val);
/*
 * Scan bus 0 for IDE controllers (class 0x0101), hand each to ata/, and
 * trap 0xCF8-0xCFF so that a guest moving a BAR or changing the
 * programming interface is seen and the traps follow.
 */
int vmm_pci_init(void);
/*
 * A backend's say over the guest's configuration writes: veto sees a write
 * touching [off, off+len) of bus:dev.fn before the device does and returns
 * false to drop it (the register keeps its value; logged). For registers
 * that move things the backend hides, such as a host bridge's PCIEXBAR.
 * PP_ENOSPC when the (small) table is full.
 */
typedef bool (*vmm_pci_veto_fn)(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, unsigned width,
				uint32_t val);
int vmm_pci_watch(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint8_t len,
		  vmm_pci_veto_fn veto);

/* ---- Configuration and start-up (vmm_config.c, vmm_start.c) ---- */
#define VMM_MAX_KEYS 4

struct vmm_disk_cfg {
	bool listed;        /* named by a "disk" line */
	uint8_t mode;       /* enum ata_disk_mode */
	uint8_t key;        /* index into the keys given to vmm_start() */
	bool trim;          /* let DATA SET MANAGEMENT (TRIM) through */
};

struct vmm_config {
	struct vmm_disk_cfg disk[ATA_MAX_CHANNELS][ATA_DRIVES];
	uint8_t unconfigured;       /* mode of disks no line names; default ATA_DISK_DENY */
	uint8_t boot_drive;         /* BIOS drive the guest boots from; default 0x80 */
	bool record;                /* stream the guest-side trace through hal_record_write() */
	uint8_t log_level;          /* enum vmm_log_level; default VMM_LOG_INFO */
	uint32_t bounce_size;       /* DMA bounce bytes per channel; 0 = ATA_BOUNCE_DEFAULT */
};

/* The defaults above: no disk listed, everything else denied. */
void vmm_config_defaults(struct vmm_config *cfg);
/*
 * Parse configuration text (the multiboot module or a file) into cfg,
 * which holds the defaults or earlier settings. The syntax, one setting a
 * line, '#' starts a comment:
 *   disk ata<N>-master|ata<N>-slave encrypt|pass|deny [key=<K>] [trim]
 *   unconfigured pass|deny
 *   boot-drive 0x80        record on|off        log error|warn|info|debug
 *   bounce-kib <N>
 * PP_EINVAL on the first bad line, after logging its number and what was
 * expected.
 */
int vmm_config_parse(struct vmm_config *cfg, const char *text, size_t len);
/*
 * Start mediating: expand the keys (nkeys of CRYPTO_XTS_KEY_SIZE bytes
 * each; the caller wipes its copy), set up ata/, find the IDE controllers
 * and trap their ports and PCI configuration. Anything short of full
 * protection of every disk configured "encrypt" is an error: the backend
 * must then halt, never run the guest.
 */
int vmm_start(const struct vmm_config *cfg, const uint8_t *keys, size_t nkeys);
/* Undo vmm_start() and wipe the expanded keys (tests, hosted tools). */
void vmm_stop(void);

/* ---- Key files (vmm_key.c): the wrapped disk key on the USB stick ---- */
/*
 * One 64-byte XTS key in a 160-byte file made by "parapass keygen"
 * (cli/KEYFILE.md): wrapped with PBKDF2-HMAC-SHA-256 + AES-256-GCM under
 * a passphrase, or an unwrapped TEST key (kdf and cipher "none"). Fields
 * little-endian; bytes 0-47 are the GCM additional data; the last 32
 * bytes are SHA-256 of the rest, so a damaged file is told from a wrong
 * passphrase.
 */
#define VMM_KEY_FILE_SIZE 160
#define VMM_KEY_MAGIC "\x89PPKEY\r\n" /* 8 bytes; the high bit and CR LF catch text-mode copies */
#define VMM_KEY_FORMAT_VERSION 1
#define VMM_KEY_ITER_MIN 1000u
#define VMM_KEY_ITER_MAX 50000000u    /* bounds the boot delay a hostile file can cause */
enum vmm_key_layout {
	VMM_KEY_OFF_MAGIC = 0, VMM_KEY_OFF_VERSION = 8, VMM_KEY_OFF_KDF = 10,
	VMM_KEY_OFF_CIPHER = 11, VMM_KEY_OFF_ITER = 12, VMM_KEY_OFF_SALT = 16,
	VMM_KEY_OFF_NONCE = 32, VMM_KEY_OFF_KEYLEN = 44, VMM_KEY_OFF_KEY = 48,
	VMM_KEY_OFF_TAG = 112, VMM_KEY_OFF_SUM = 128,
	VMM_KEY_SALT_LEN = 16, VMM_KEY_NONCE_LEN = 12, VMM_KEY_AAD_LEN = 48,
};
enum vmm_key_kdf { VMM_KEY_KDF_NONE = 0, VMM_KEY_KDF_PBKDF2_SHA256 = 1 };
enum vmm_key_cipher { VMM_KEY_CIPHER_NONE = 0, VMM_KEY_CIPHER_AES256_GCM = 1 };
/* What is wrong with a key file, in the order vmm_key_parse() checks. */
enum vmm_key_fault {
	VMM_KEY_OK = 0,
	VMM_KEY_FOREIGN,    /* no key-file magic: not a parapass key file */
	VMM_KEY_VERSION,    /* a format version this build cannot read */
	VMM_KEY_TRUNCATED,  /* shorter than the format */
	VMM_KEY_TRAILING,   /* longer than the format */
	VMM_KEY_KDF,        /* unknown KDF id */
	VMM_KEY_CIPHER,     /* unknown cipher id, or one that does not go with the KDF */
	VMM_KEY_ITERATIONS, /* iteration count out of range */
	VMM_KEY_KEYLEN,     /* key length field is not 64 */
	VMM_KEY_CHECKSUM,   /* checksum mismatch: the file is damaged */
	VMM_KEY_PASSPHRASE, /* wrong passphrase (the GCM tag does not verify) */
	VMM_KEY_WEAK,       /* the key inside has equal halves: not an XTS key */
	VMM_KEY_FAULT_COUNT
};
struct vmm_key_info {
	uint16_t version;
	uint8_t kdf;          /* enum vmm_key_kdf: VMM_KEY_KDF_NONE = a test key, no passphrase */
	uint8_t cipher;       /* enum vmm_key_cipher */
	uint32_t iterations;
	uint8_t fault;        /* enum vmm_key_fault */
};
/*
 * Check a key file's structure and checksum, no passphrase needed: PP_OK,
 * or PP_EINVAL with info->fault saying what is wrong. Tells the backend
 * whether to prompt (info->kdf != VMM_KEY_KDF_NONE).
 */
int vmm_key_parse(const void *file, size_t len, struct vmm_key_info *info);
/*
 * The key of a key file, for vmm_start(). Returns PP_OK; PP_EKEY for a
 * wrong passphrase (prompt again); PP_EINVAL for a file that cannot give
 * a key (halt and say why). info, if not NULL, gets the fields and the
 * fault. pass is ignored for a test key. Runs PBKDF2 (about a second),
 * brackets its crypto/ calls with hal_simd_begin()/end(), wipes every
 * intermediate, and leaves key zeroed on failure. Never logs anything.
 */
int vmm_key_unwrap(const void *file, size_t len, const char *pass, size_t plen,
		   uint8_t key[64], struct vmm_key_info *info);
/* One line naming a fault, for the console: "wrong passphrase", ... */
const char *vmm_key_fault_str(unsigned fault);

/* ---- Statistics the profiler and the exit handler read ---- */
struct vmm_stats {
	uint64_t io_requests;      /* vmm_io() calls */
	uint64_t io_unclaimed;     /* trapped accesses nobody owned */
	uint64_t pci_accesses;     /* trapped 0xCF8-0xCFF accesses */
};
extern struct vmm_stats vmm_stats;

/* ---- Traces: the recorder encoder and its switch (vmm_record.h) ---- */
#include "vmm_record.h"

#endif /* VMM_H */
