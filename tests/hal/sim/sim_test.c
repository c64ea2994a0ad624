/* sim_test.c - driver-like helpers for the hal/sim suites (see sim_test.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_test.h"

#define ST_POLLS 10000

const struct st_chan st_chan[2] = {
	{ .cmd = ST_PRI_CMD, .ctl = ST_PRI_CTL, .irq = 14 },
	{ .cmd = ST_SEC_CMD, .ctl = ST_SEC_CTL, .irq = 15 },
};

void st_machine_cfg(const struct sim_config *cfg)
{
	ck_assert_int_eq(sim_init(cfg), PP_OK);
}

void st_machine(void)
{
	st_machine_cfg(NULL);
}

/* A 64-bit mix of (seed, offset / 8): splitmix64's finaliser. */
static uint64_t st_mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static uint8_t st_pattern_byte(uint64_t off, uint32_t seed)
{
	return (uint8_t)(st_mix(((uint64_t)seed << 40) ^ (off >> 3)) >> (8 * (off & 7)));
}

/* Byte by byte at the edges, a 64-bit word at a time between them. */
void st_pattern(void *buf, size_t len, uint64_t offset, uint32_t seed)
{
	uint8_t *p = buf;
	size_t i = 0;

	for (; i < len && ((offset + i) & 7); i++)
		p[i] = st_pattern_byte(offset + i, seed);
	for (; i + 8 <= len; i += 8) {
		uint64_t m = st_mix(((uint64_t)seed << 40) ^ ((offset + i) >> 3));

		memcpy(p + i, &m, 8);  /* little-endian: byte k is bits 8k+7:8k */
	}
	for (; i < len; i++)
		p[i] = st_pattern_byte(offset + i, seed);
}

bool st_pattern_eq(const void *buf, size_t len, uint64_t offset, uint32_t seed)
{
	const uint8_t *p = buf;
	uint8_t want[4096];

	for (size_t i = 0; i < len; i += sizeof(want)) {
		size_t n = len - i < sizeof(want) ? len - i : sizeof(want);

		st_pattern(want, n, offset + i, seed);
		if (memcmp(p + i, want, n))
			return false;
	}
	return true;
}

void st_disk_cfg(unsigned ch, unsigned dev, const struct sim_disk_config *cfg, uint32_t seed)
{
	ck_assert_int_eq(sim_disk_attach(ch, dev, cfg), PP_OK);
	ck_assert_ptr_nonnull(sim_disk_data(ch, dev));
	st_pattern(sim_disk_data(ch, dev), cfg->sectors * 512, 0, seed);
}

void st_disk(unsigned ch, unsigned dev, uint64_t sectors, uint32_t seed)
{
	struct sim_disk_config cfg = { .sectors = sectors };

	st_disk_cfg(ch, dev, &cfg, seed);
}

uint8_t st_in(unsigned ch, unsigned reg)
{
	return (uint8_t)sim_guest_in((uint16_t)(st_chan[ch].cmd + reg), 1);
}

void st_out(unsigned ch, unsigned reg, uint8_t val)
{
	sim_guest_out((uint16_t)(st_chan[ch].cmd + reg), 1, val);
}

uint8_t st_alt(unsigned ch)
{
	return (uint8_t)sim_guest_in(st_chan[ch].ctl, 1);
}

void st_devctl(unsigned ch, uint8_t val)
{
	sim_guest_out(st_chan[ch].ctl, 1, val);
}

uint8_t st_wait(unsigned ch)
{
	for (int i = 0; i < ST_POLLS; i++) {
		uint8_t s = st_in(ch, ST_STATUS);

		if (!(s & ST_BSY))
			return s;
	}
	ck_abort_msg("channel %u: BSY never cleared", ch);
	return 0xFF;
}

void st_select(unsigned ch, unsigned dev, uint8_t devbits)
{
	st_out(ch, ST_DEVICE, (uint8_t)(ST_DEV_OBS | (dev ? ST_DEV_SLAVE : 0) | devbits));
	st_wait(ch);
}

void st_lba28(unsigned ch, unsigned dev, uint32_t lba, uint8_t count)
{
	st_select(ch, dev, (uint8_t)(ST_DEV_LBA | ((lba >> 24) & 0x0F)));
	st_out(ch, ST_NSECT, count);
	st_out(ch, ST_LBAL, (uint8_t)lba);
	st_out(ch, ST_LBAM, (uint8_t)(lba >> 8));
	st_out(ch, ST_LBAH, (uint8_t)(lba >> 16));
}

void st_lba48(unsigned ch, unsigned dev, uint64_t lba, uint16_t count)
{
	st_select(ch, dev, ST_DEV_LBA);
	/* ATA8-ACS 4.18.5: the "previous" (HOB) byte is written first. */
	st_out(ch, ST_NSECT, (uint8_t)(count >> 8));
	st_out(ch, ST_LBAL, (uint8_t)(lba >> 24));
	st_out(ch, ST_LBAM, (uint8_t)(lba >> 32));
	st_out(ch, ST_LBAH, (uint8_t)(lba >> 40));
	st_out(ch, ST_NSECT, (uint8_t)count);
	st_out(ch, ST_LBAL, (uint8_t)lba);
	st_out(ch, ST_LBAM, (uint8_t)(lba >> 8));
	st_out(ch, ST_LBAH, (uint8_t)(lba >> 16));
}

void st_cmd(unsigned ch, uint8_t cmd)
{
	st_out(ch, ST_COMMAND, cmd);
}

uint8_t st_nodata(unsigned ch, uint8_t cmd)
{
	st_cmd(ch, cmd);
	return st_wait(ch);
}

static unsigned st_pio(unsigned ch, void *buf, uint32_t sectors, uint32_t block, unsigned width,
		       bool out)
{
	uint8_t *p = buf;
	unsigned blocks = 0;
	uint8_t s;

	for (uint32_t done = 0; done < sectors; blocks++) {
		uint32_t n = sectors - done < block ? sectors - done : block;

		s = st_wait(ch);
		ck_assert_msg(!(s & ST_ERR), "ERR before block %u (error %02x)", blocks,
			      st_in(ch, ST_ERROR));
		ck_assert_msg(s & ST_DRQ, "no DRQ for block %u (status %02x)", blocks, s);
		if (out)
			sim_guest_outs(st_chan[ch].cmd, width, p + (size_t)done * 512, n * 512 / width);
		else
			sim_guest_ins(st_chan[ch].cmd, width, p + (size_t)done * 512, n * 512 / width);
		done += n;
	}
	s = st_wait(ch);
	ck_assert_msg(!(s & (ST_ERR | ST_DRQ)), "end status %02x", s);
	ck_assert_uint_eq(s & (ST_BSY | ST_DRDY | ST_DRQ), ST_DRDY);
	return blocks;
}

unsigned st_pio_in(unsigned ch, void *buf, uint32_t sectors, uint32_t block, unsigned width)
{
	return st_pio(ch, buf, sectors, block, width, false);
}

unsigned st_pio_out(unsigned ch, const void *buf, uint32_t sectors, uint32_t block, unsigned width)
{
	return st_pio(ch, (void *)(uintptr_t)buf, sectors, block, width, true);
}

void st_identify(unsigned ch, unsigned dev, uint8_t cmd, uint16_t id[256])
{
	st_select(ch, dev, 0);
	st_cmd(ch, cmd);
	ck_assert_uint_eq(st_pio_in(ch, id, 1, 1, 2), 1);
}

void st_id_string(const uint16_t *id, unsigned word, unsigned words, char *out)
{
	for (unsigned i = 0; i < words; i++) {
		out[2 * i] = (char)(id[word + i] >> 8);
		out[2 * i + 1] = (char)id[word + i];
	}
	out[2 * words] = 0;
	for (int i = (int)(2 * words) - 1; i >= 0 && out[i] == ' '; i--)
		out[i] = 0;
}

static void st_pci_addr(unsigned dev, unsigned fn, unsigned off)
{
	sim_guest_out(0xCF8, 4, 0x80000000u | dev << 11 | fn << 8 | (off & 0xFC));
}

uint32_t st_pci_read(unsigned dev, unsigned fn, unsigned off, unsigned width)
{
	st_pci_addr(dev, fn, off);
	return sim_guest_in((uint16_t)(0xCFC + (off & 3)), width);
}

void st_pci_write(unsigned dev, unsigned fn, unsigned off, unsigned width, uint32_t val)
{
	st_pci_addr(dev, fn, off);
	sim_guest_out((uint16_t)(0xCFC + (off & 3)), width, val);
}

uint8_t st_bm_in(uint16_t bm, unsigned ch, unsigned off)
{
	return (uint8_t)sim_guest_in((uint16_t)(bm + 8 * ch + off), 1);
}

void st_bm_out(uint16_t bm, unsigned ch, unsigned off, uint8_t val)
{
	sim_guest_out((uint16_t)(bm + 8 * ch + off), 1, val);
}

void st_bm_prd(uint16_t bm, unsigned ch, uint32_t table)
{
	sim_guest_out((uint16_t)(bm + 8 * ch + ST_BM_PRD), 4, table);
}

void st_prd(uint32_t table, unsigned i, uint32_t addr, uint32_t bytes, bool eot)
{
	uint8_t e[8];
	uint32_t cnt = (bytes & 0xFFFF) | (eot ? 0x80000000u : 0);

	for (unsigned b = 0; b < 4; b++) {
		e[b] = (uint8_t)(addr >> (8 * b));
		e[4 + b] = (uint8_t)(cnt >> (8 * b));
	}
	ck_assert_int_eq(sim_guest_write(table + 8 * i, e, 8), PP_OK);
}

void st_image(char *out, size_t outlen, uint64_t sectors)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(out, outlen, "%s/pp-sim-XXXXXX", dir ? dir : "/tmp");
	fd = mkstemp(out);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)(sectors * 512)), 0);
	close(fd);
}
