/*
 * vtx_shim.c - weak stand-ins for core symbols that have not landed in the
 * tree yet; the real ones override them at link time. Deleted once vmm/
 * and ata/ are complete. The stand-in vmm_start() refuses, so an image
 * built without the mediator halts instead of running the guest unprotected.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"

__attribute__((weak)) struct ata_stats ata_stats;

__attribute__((weak)) int vmm_start(const struct vmm_config *cfg, const uint8_t *keys, size_t nkeys)
{
	(void)cfg, (void)keys, (void)nkeys;
	LOG_ERR("this image was built without the mediator (vmm_start missing)");
	return PP_ENOTSUP;
}
