/*
 * ata_fixture.c - see ata_fixture.h. The guest driver follows the
 * protocols of ATA8-ACS / ATA-7 vol. 2 (PIO data-in/out, DMA) and the
 * SFF-8038i bus-master programming sequence, as Linux's libata-sff does.
 */
#define _GNU_SOURCE /* memmem */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "ata_fixture.h"

static const char fx_marker[8] = "PPLAIN!";

const uint8_t fx_test_key[64] = { /* TEST KEY - never protects real data */
	0x27, 0x18, 0x28, 0x18, 0x28, 0x45, 0x90, 0x45, 0x23, 0x53, 0x60, 0x28, 0x74, 0x71, 0x35, 0x26,
	0x62, 0x49, 0x77, 0x57, 0x24, 0x70, 0x93, 0x69, 0x99, 0x59, 0x57, 0x49, 0x66, 0x96, 0x76, 0x27,
	0x31, 0x41, 0x59, 0x26, 0x53, 0x58, 0x97, 0x93, 0x23, 0x84, 0x62, 0x64, 0x33, 0x83, 0x27, 0x95,
	0x02, 0x88, 0x41, 0x97, 0x16, 0x93, 0x99, 0x37, 0x51, 0x05, 0x82, 0x09, 0x74, 0x94, 0x45, 0x92,
};

struct sim_config fx_sim_config;
void (*fx_before_start)(void);

void fx_pci_write(uint8_t off, unsigned width, uint32_t v)
{
	sim_guest_out(0xCF8, 4, 0x80000000u | 1u << 11 | 1u << 8 | (off & 0xFC));
	sim_guest_out((uint16_t)(0xCFC + (off & 3)), width, v);
}

uint32_t fx_pci_read(uint8_t off, unsigned width)
{
	sim_guest_out(0xCF8, 4, 0x80000000u | 1u << 11 | 1u << 8 | (off & 0xFC));
	return sim_guest_in((uint16_t)(0xCFC + (off & 3)), width);
}

int fx_start(const struct fx_disk *disks, const char *config, bool expect_fail)
{
	struct vmm_config cfg;
	int rc;

	ck_assert_int_eq(sim_init(&fx_sim_config), 0);
	for (const struct fx_disk *d = disks; d && d->sectors; d++) {
		struct sim_disk_config sc = {
			.sectors = d->sectors, .atapi = d->atapi,
			.max_multiple = d->max_multiple, .busy_polls = d->busy_polls,
			.path = d->path, .no_hob_readback = d->no_hob,
		};
		ck_assert_int_eq(sim_disk_attach(d->ch, d->drv, &sc), 0);
	}
	fx_pci_write(0x04, 2, 0x0005); /* I/O decode and bus mastering on, as the BIOS leaves it */
	if (fx_before_start)
		fx_before_start();
	vmm_config_defaults(&cfg);
	cfg.log_level = VMM_LOG_WARN;
	ck_assert_int_eq(vmm_config_parse(&cfg, config, strlen(config)), 0);
	rc = vmm_start(&cfg, fx_test_key, 1);
	if (!expect_fail)
		ck_assert_int_eq(rc, 0);
	return rc;
}

void fx_stop(void)
{
	vmm_stop();
	sim_fini();
	memset(&fx_sim_config, 0, sizeof(fx_sim_config));
	fx_before_start = NULL;
}

/* ---- checks ---- */

void fx_pattern(void *buf, uint64_t lba, uint32_t nsect, uint32_t seed)
{
	uint8_t *p = buf;

	for (uint32_t s = 0; s < nsect; s++, p += 512) {
		uint64_t x = (lba + s) * 0x9E3779B97F4A7C15ull ^ seed;

		memcpy(p, fx_marker, 8);
		memcpy(p + 8, &(uint64_t){ lba + s }, 8);
		memcpy(p + 16, &seed, 4);
		for (int i = 20; i < 512; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			p[i] = (uint8_t)x;
		}
	}
}

void fx_oracle(bool enc, const uint8_t key[64], uint64_t lba, const void *in, void *out,
	       uint32_t nsect)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len;

	ck_assert_ptr_nonnull(c);
	for (uint32_t s = 0; s < nsect; s++) {
		uint8_t iv[16] = { 0 };
		uint64_t t = lba + s;

		memcpy(iv, &t, 8); /* plain64: little-endian LBA, zero padded */
		ck_assert_int_eq(EVP_CipherInit_ex(c, EVP_aes_256_xts(), NULL, key, iv, enc), 1);
		ck_assert_int_eq(EVP_CipherUpdate(c, (uint8_t *)out + 512 * (size_t)s, &len,
						  (const uint8_t *)in + 512 * (size_t)s, 512), 1);
	}
	EVP_CIPHER_CTX_free(c);
}

void fx_assert_disk_cipher(unsigned ch, unsigned drv, uint64_t lba, const void *plain,
			   uint32_t nsect)
{
	static uint8_t want[FX_MAXSECT * 512];
	const uint8_t *disk = sim_disk_data(ch, drv);

	ck_assert_uint_le(nsect, FX_MAXSECT);
	fx_oracle(true, fx_test_key, lba, plain, want, nsect);
	uint32_t s = 0;

	while (s < nsect && !memcmp(disk + (lba + s) * 512, want + (size_t)s * 512, 512))
		s++;
	ck_assert_msg(s == nsect, "sector %llu on disk is not XTS(plaintext)",
		      (unsigned long long)(lba + s));
}

void fx_assert_no_plaintext(unsigned ch, unsigned drv)
{
	const uint8_t *disk = sim_disk_data(ch, drv);
	size_t size = sim_disk_sectors(ch, drv) * 512;

	ck_assert_ptr_null(memmem(disk, size, fx_marker, sizeof(fx_marker)));
}

void fx_assert_vmm_intact(void)
{
	const uint8_t *ram = sim_phys_ptr(0);
	uint64_t base = sim_vmm_base();
	size_t used = sim_vmm_used(), size = sim_vmm_size(), i = used;
	uint8_t run[32];

	/* Plain loops: a Check assertion per byte would cost a system call each. */
	while (i < size && ram[base + i] == SIM_CANARY)
		i++;
	ck_assert_msg(i == size, "VMM memory at +%zu was written", i);
	memset(run, SIM_CANARY, sizeof(run));
	ck_assert_msg(!memmem(ram, base, run, sizeof(run)), "VMM memory leaked into guest RAM");
	ck_assert_msg(!memmem(ram + base + size, sim_ram_size() - base - size, run, sizeof(run)),
		      "VMM memory leaked into guest RAM");
}

void fx_assert_healthy(unsigned ch, unsigned drv)
{
	uint8_t out[8 * 512], in[8 * 512];

	fx_pattern(out, 100, 8, 0x77);
	ck_assert_int_eq(sim_drv_write(ch, drv, 100, 8, out, false, SIM_REP16) & 0x21, 0);
	ck_assert_int_eq(sim_drv_read(ch, drv, 100, 8, in, false, SIM_REP16) & 0x21, 0);
	ck_assert_mem_eq(in, out, sizeof(in));
	fx_assert_disk_cipher(ch, drv, 100, out, 8);
}
