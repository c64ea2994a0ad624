/*
 * vmm_log.c - the one logging function: a level, a per-file prefix, one
 * line through the hal console. Lines are formatted on the stack so that
 * logging works before any allocator exists and from the exit handler.
 */
#include "vmm.h"

static enum vmm_log_level log_level = VMM_LOG_INFO;

static const char *const log_level_tag[] = {
	[VMM_LOG_ERR] = "error: ",
	[VMM_LOG_WARN] = "warning: ",
	[VMM_LOG_INFO] = "",
	[VMM_LOG_DEBUG] = "debug: ",
};

void vmm_log_set_level(enum vmm_log_level level)
{
	log_level = level;
}

void vmm_log(enum vmm_log_level level, const char *prefix, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	if (level > log_level)
		return;
	n = vmm_snprintf(line, sizeof(line), "parapass %s: %s", prefix, log_level_tag[level]);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	va_start(ap, fmt);
	n += vmm_vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2; /* truncated: keep the newline */
	line[n++] = '\n';
	hal_console_write(line, (size_t)n);
}

void vmm_assert_fail(const char *file, int line, const char *expr)
{
	vmm_log(VMM_LOG_ERR, "assert", "%s:%d: %s", file, line, expr);
	hal_panic();
}
