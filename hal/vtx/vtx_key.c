/*
 * vtx_key.c - the disk keys from GRUB's "key" modules (issue 7): raw
 * 64-byte XTS keys as cryptsetup takes them (tests, interoperability), or
 * a 160-byte parapass key file (vmm.h, cli/KEYFILE.md). A test key file
 * unwraps without a passphrase; a wrapped one asks for it at boot on the
 * serial console and on the screen, reading COM1 and the PS/2 keyboard,
 * three tries. The passphrase is never echoed or logged and is wiped.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"
#define KEY_TRIES 3
#define PASS_MAX 256

static bool key_wrapped;   /* a key came from a passphrase-protected key file */

int vtx_key_module(const uint8_t *p, size_t len)
{
	bool file = len == VMM_KEY_FILE_SIZE && !vmm_memcmp(p, VMM_KEY_MAGIC, 8);
	size_t n = file ? 1 : len / CRYPTO_XTS_KEY_SIZE;

	if (!n || (!file && len % CRYPTO_XTS_KEY_SIZE) || vtx_boot.nkeysrc + n > VMM_MAX_KEYS) {
		LOG_ERR("key module of %zu bytes: want a parapass key file (%d bytes) or 1 to %d raw "
			"keys of %d bytes", len, VMM_KEY_FILE_SIZE, VMM_MAX_KEYS, CRYPTO_XTS_KEY_SIZE);
		return PP_EKEY;
	}
	for (size_t i = 0; i < n; i++) {
		struct vtx_keysrc *k = &vtx_boot.keysrc[vtx_boot.nkeysrc++];

		k->len = (uint16_t)(file ? len : CRYPTO_XTS_KEY_SIZE);
		vmm_memcpy(k->data, p + i * CRYPTO_XTS_KEY_SIZE, k->len);
	}
	return PP_OK;
}

/* One line typed by the user; Backspace edits, Enter ends. */
static size_t key_read_line(char *buf, size_t max)
{
	size_t n = 0;

	for (;;) {
		char c = vtx_console_getc();

		if (c == '\n' || c == '\r') {
			hal_console_write("\n", 1);
			return n;
		}
		if ((c == '\b' || c == 0x7F) && n)
			n--;
		else if (c >= ' ' && c < 0x7F && n < max)
			buf[n++] = c;
	}
}

static int key_prompt(unsigned idx, const struct vtx_keysrc *k, uint8_t *key)
{
	char pass[PASS_MAX], prompt[96];
	struct vmm_key_info info;
	int err = PP_EKEY;

	for (int t = 0; t < KEY_TRIES && err == PP_EKEY; t++) {
		size_t n;

		vmm_snprintf(prompt, sizeof(prompt), "parapass: passphrase for key %u: ", idx);
		hal_console_write(prompt, vmm_strlen(prompt));
		vtx_console_screen(prompt);
		n = key_read_line(pass, sizeof(pass));
		err = vmm_key_unwrap(k->data, k->len, pass, n, key, &info);
		vmm_wipe(pass, sizeof(pass));
		if (err == PP_EKEY)
			LOG_WARN("key %u: %s", idx, vmm_key_fault_str(info.fault));
		else if (err)
			vtx_fatal("key %u: %s", idx, vmm_key_fault_str(info.fault));
	}
	return err;
}

void vtx_keys_unwrap(void)
{
	for (unsigned i = 0; i < vtx_boot.nkeysrc; i++) {
		struct vtx_keysrc *k = &vtx_boot.keysrc[i];
		uint8_t *key = vtx_boot.keys + i * CRYPTO_XTS_KEY_SIZE;
		struct vmm_key_info info;

		if (k->len == CRYPTO_XTS_KEY_SIZE) {
			vmm_memcpy(key, k->data, CRYPTO_XTS_KEY_SIZE);
		} else if (vmm_key_parse(k->data, k->len, &info)) {
			vtx_fatal("key %u: %s", i, vmm_key_fault_str(info.fault));
		} else if (info.kdf == VMM_KEY_KDF_NONE) {
			LOG_WARN("key %u is an unwrapped TEST key file", i);
			if (vmm_key_unwrap(k->data, k->len, NULL, 0, key, &info))
				vtx_fatal("key %u: %s", i, vmm_key_fault_str(info.fault));
		} else if (key_prompt(i, k, key)) {
			vtx_fatal("key %u: no valid passphrase after %d tries", i, KEY_TRIES);
		} else {
			key_wrapped = true;
		}
		vmm_wipe(k->data, sizeof(k->data));
	}
	vtx_boot.nkeys = vtx_boot.nkeysrc;
}

bool vtx_keys_wrapped(void)
{
	return key_wrapped;
}
