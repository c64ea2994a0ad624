/* Placeholder until the PIIX3 device models land: an empty bus. */
#include "sim_priv.h"

uint32_t sim_bus_in(uint16_t port, unsigned width)
{
	(void)port;
	return width == 4 ? 0xFFFFFFFFu : width == 2 ? 0xFFFFu : 0xFFu;
}

void sim_bus_out(uint16_t port, unsigned width, uint32_t val)
{
	(void)port, (void)width, (void)val;
}

void sim_bus_ins(uint16_t port, unsigned width, void *buf, uint32_t count)
{
	(void)port, (void)width, (void)buf, (void)count;
}

void sim_bus_outs(uint16_t port, unsigned width, const void *buf, uint32_t count)
{
	(void)port, (void)width, (void)buf, (void)count;
}

int sim_devices_init(uint16_t bm_base)
{
	(void)bm_base;
	return 0;
}

void sim_devices_fini(void)
{
}

int sim_ide_attach(unsigned channel, unsigned drive, const struct sim_disk_config *cfg)
{
	(void)channel, (void)drive, (void)cfg;
	return PP_ENOTSUP;
}

uint8_t *sim_ide_disk_data(unsigned channel, unsigned drive)
{
	(void)channel, (void)drive;
	return NULL;
}

uint64_t sim_ide_disk_sectors(unsigned channel, unsigned drive)
{
	(void)channel, (void)drive;
	return 0;
}
