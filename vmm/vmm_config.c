/*
 * vmm_config.c - the configuration text: which disks are encrypted with
 * which key, what happens to the others, and how the machine boots. It
 * arrives as a multiboot module or a file, so every line is checked and a
 * bad one is named; nothing is guessed.
 */
#include "vmm.h"

#define LOG_PREFIX "config"
#define CFG_MAX_WORDS 8
#define CFG_MAX_LINE 160

struct cfg_line {
	unsigned num;
	int nwords;
	char buf[CFG_MAX_LINE];
	const char *word[CFG_MAX_WORDS];
};

void vmm_config_defaults(struct vmm_config *cfg)
{
	vmm_memset(cfg, 0, sizeof(*cfg));
	cfg->unconfigured = ATA_DISK_DENY;
	cfg->boot_drive = 0x80;
	cfg->log_level = VMM_LOG_INFO;
}

static bool cfg_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Split one line into words; '#' to the end of the line is a comment. */
static int cfg_split(struct cfg_line *l, const char *s, size_t len)
{
	size_t n = 0;

	if (len >= sizeof(l->buf))
		return PP_EINVAL;
	for (size_t i = 0; i < len && s[i] != '#'; i++) {
		if (s[i] == '\0')
			return PP_EINVAL;
		l->buf[n++] = s[i];
	}
	l->buf[n] = '\0';
	l->nwords = 0;
	for (char *p = l->buf; *p;) {
		while (cfg_space(*p))
			*p++ = '\0';
		if (!*p)
			break;
		if (l->nwords == CFG_MAX_WORDS)
			return PP_EINVAL;
		l->word[l->nwords++] = p;
		while (*p && !cfg_space(*p))
			p++;
	}
	return PP_OK;
}

static bool cfg_number(const char *s, uint32_t max, uint32_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned)((*s | 0x20) - 'a' + 10);
		else
			return false;
		v = v * base + d;
		if (v > max)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* "ata<N>-master" / "ata<N>-slave" -> channel and drive. */
static bool cfg_disk_name(const char *s, unsigned *ch, unsigned *drive)
{
	if (s[0] != 'a' || s[1] != 't' || s[2] != 'a' || s[3] < '0' ||
	    s[3] >= '0' + ATA_MAX_CHANNELS || s[4] != '-')
		return false;
	*ch = (unsigned)(s[3] - '0');
	if (!vmm_strcmp(s + 5, "master"))
		*drive = 0;
	else if (!vmm_strcmp(s + 5, "slave"))
		*drive = 1;
	else
		return false;
	return true;
}

static int cfg_mode(const char *s, bool allow_encrypt)
{
	if (!vmm_strcmp(s, "pass"))
		return ATA_DISK_PASS;
	if (!vmm_strcmp(s, "deny"))
		return ATA_DISK_DENY;
	if (allow_encrypt && !vmm_strcmp(s, "encrypt"))
		return ATA_DISK_ENCRYPT;
	return -1;
}

static const char *cfg_disk(struct vmm_config *cfg, const struct cfg_line *l)
{
	struct vmm_disk_cfg d = { .listed = true };
	unsigned ch, drive;
	int mode;

	if (l->nwords < 3 || !cfg_disk_name(l->word[1], &ch, &drive))
		return "disk ata<0-3>-master|slave encrypt|pass|deny [key=N] [trim]";
	mode = cfg_mode(l->word[2], true);
	if (mode < 0)
		return "encrypt, pass or deny after the disk name";
	d.mode = (uint8_t)mode;
	for (int i = 3; i < l->nwords; i++) {
		uint32_t k;

		if (!vmm_strcmp(l->word[i], "trim"))
			d.trim = true;
		else if (l->word[i][0] == 'k' && l->word[i][1] == 'e' && l->word[i][2] == 'y' &&
			 l->word[i][3] == '=' && cfg_number(l->word[i] + 4, VMM_MAX_KEYS - 1, &k))
			d.key = (uint8_t)k;
		else
			return "key=<0-3> or trim";
	}
	if (cfg->disk[ch][drive].listed)
		return "each disk named once";
	cfg->disk[ch][drive] = d;
	return NULL;
}

static const char *const cfg_levels[] = {
	[VMM_LOG_ERR] = "error", [VMM_LOG_WARN] = "warn",
	[VMM_LOG_INFO] = "info", [VMM_LOG_DEBUG] = "debug",
};

/* One setting; NULL when it is good, else what was expected. */
static const char *cfg_apply(struct vmm_config *cfg, const struct cfg_line *l)
{
	const char *key = l->word[0];
	uint32_t v;

	if (!vmm_strcmp(key, "disk"))
		return cfg_disk(cfg, l);
	if (l->nwords != 2)
		return "one value after the setting's name";
	if (!vmm_strcmp(key, "unconfigured")) {
		int mode = cfg_mode(l->word[1], false);

		if (mode < 0)
			return "unconfigured pass|deny";
		cfg->unconfigured = (uint8_t)mode;
	} else if (!vmm_strcmp(key, "boot-drive")) {
		if (!cfg_number(l->word[1], 0xFF, &v) || v < 0x80)
			return "boot-drive 0x80-0xff (a BIOS hard disk number)";
		cfg->boot_drive = (uint8_t)v;
	} else if (!vmm_strcmp(key, "record")) {
		if (vmm_strcmp(l->word[1], "on") && vmm_strcmp(l->word[1], "off"))
			return "record on|off";
		cfg->record = !vmm_strcmp(l->word[1], "on");
	} else if (!vmm_strcmp(key, "log")) {
		for (v = 0; v < sizeof(cfg_levels) / sizeof(cfg_levels[0]); v++)
			if (!vmm_strcmp(l->word[1], cfg_levels[v]))
				break;
		if (v == sizeof(cfg_levels) / sizeof(cfg_levels[0]))
			return "log error|warn|info|debug";
		cfg->log_level = (uint8_t)v;
	} else if (!vmm_strcmp(key, "bounce-kib")) {
		if (!cfg_number(l->word[1], 65536, &v) || v < 64 || v % 64)
			return "bounce-kib: a multiple of 64 from 64 to 65536";
		cfg->bounce_size = v * 1024;
	} else {
		return "a setting: disk, unconfigured, boot-drive, record, log or bounce-kib";
	}
	return NULL;
}

int vmm_config_parse(struct vmm_config *cfg, const char *text, size_t len)
{
	struct cfg_line l = { .num = 0 };
	size_t pos = 0;

	while (pos < len) {
		size_t end = pos;
		const char *why;

		while (end < len && text[end] != '\n')
			end++;
		l.num++;
		if (cfg_split(&l, text + pos, end - pos)) {
			LOG_ERR("line %u: too long or too many words", l.num);
			return PP_EINVAL;
		}
		if (l.nwords) {
			why = cfg_apply(cfg, &l);
			if (why) {
				LOG_ERR("line %u: expected %s", l.num, why);
				return PP_EINVAL;
			}
		}
		pos = end + 1;
	}
	return PP_OK;
}
