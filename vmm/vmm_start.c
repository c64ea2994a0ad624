/*
 * vmm_start.c - from configuration to mediation. Keys are expanded here
 * and live only in VMM memory; every disk configured "encrypt" must be
 * found and trapped, or the start fails and the guest never runs.
 */
#include "vmm.h"

#define LOG_PREFIX "start"

static struct crypto_xts vmm_keys[VMM_MAX_KEYS];

static int vmm_take_keys(const uint8_t *keys, size_t nkeys)
{
	if (nkeys > VMM_MAX_KEYS)
		return PP_EINVAL;
	for (size_t k = 0; k < nkeys; k++) {
		int rc;

		hal_simd_begin();
		rc = crypto_xts_setkey(&vmm_keys[k], keys + k * CRYPTO_XTS_KEY_SIZE);
		hal_simd_end();
		if (rc) {
			LOG_ERR("key %zu refused: its two halves are equal", k);
			return PP_EKEY;
		}
	}
	return PP_OK;
}

static int vmm_disk_policies(const struct vmm_config *cfg, size_t nkeys, struct ata_config *ac)
{
	for (unsigned ch = 0; ch < ATA_MAX_CHANNELS; ch++) {
		for (unsigned d = 0; d < ATA_DRIVES; d++) {
			const struct vmm_disk_cfg *dc = &cfg->disk[ch][d];
			uint8_t mode = dc->listed ? dc->mode : cfg->unconfigured;

			if (mode == ATA_DISK_ENCRYPT && dc->key >= nkeys) {
				LOG_ERR("ata%u-%s needs key %u; %zu given", ch,
					d ? "slave" : "master", dc->key, nkeys);
				return PP_EKEY;
			}
			ac->disk[ch][d] = (struct ata_disk_policy){
				.mode = mode,
				.allow_trim = dc->trim,
				.key = mode == ATA_DISK_ENCRYPT ? &vmm_keys[dc->key] : NULL,
			};
		}
	}
	return PP_OK;
}

int vmm_start(const struct vmm_config *cfg, const uint8_t *keys, size_t nkeys)
{
	struct ata_config ac = { .bounce_size = cfg->bounce_size };
	int rc;

	vmm_log_set_level(cfg->log_level);
	rc = vmm_take_keys(keys, nkeys);
	if (!rc)
		rc = vmm_disk_policies(cfg, nkeys, &ac);
	if (!rc)
		rc = ata_init(&ac);
	if (!rc)
		rc = vmm_pci_init();
	if (!rc)
		rc = ata_check_config();
	if (rc) {
		LOG_ERR("not starting the guest: its disks would not be protected (error %d)", rc);
		vmm_stop();
	}
	return rc;
}

void vmm_stop(void)
{
	ata_fini();
	vmm_port_reset();
	for (unsigned k = 0; k < VMM_MAX_KEYS; k++)
		crypto_xts_wipe(&vmm_keys[k]);
}
