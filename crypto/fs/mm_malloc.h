/*
 * Freestanding stand-in for gcc's mm_malloc.h, which xmmintrin.h includes
 * and which pulls in <stdlib.h>. The hypervisor has no malloc, and crypto/
 * never calls _mm_malloc; this empty header is on the include path of the
 * freestanding build only (Makefile FS_CFLAGS).
 */
