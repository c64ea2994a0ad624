/*
 * tg_boot.S - the test guest's boot sector, real-mode stage and
 * protected-mode entry. GNU as only (.code16 for real mode).
 *
 * The MBR loads the rest of the image with INT 13h AH=42h, so that under
 * parapass the BIOS reads it through the mediator (the disk holds
 * ciphertext). The real-mode stage then asks the BIOS for its memory maps
 * (INT 15h E820, E801, AH=88h: what parapass's INT 15h hook answers), opens
 * A20, loads a flat GDT and enters 32-bit protected mode without paging,
 * with interrupts off for good. Exceptions land in tg_exception() (C).
 */
	.set TG_CODE_SEL, 0x08
	.set TG_DATA_SEL, 0x10
	.set TG_COM1, 0x3F8
	.set TG_LOAD_CHUNK, 32          /* sectors per INT 13h call (16 KiB) */
	/* struct tg_bootinfo offsets (tg.h) */
	.set BI_E820_COUNT, 0
	.set BI_E820_STATUS, 4
	.set BI_E801, 8
	.set BI_E801_OK, 16
	.set BI_MEM88, 18
	.set BI_MEM88_OK, 20
	.set BI_DRIVE, 22
	.set BI_E820, 24
	.set TG_E820_MAX, 32
	.set TG_SMAP, 0x534D4150

/* ------------------------------------------------------------------ MBR */
	.section .mbr, "ax"
	.code16
	.globl tg_mbr
tg_mbr:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $0x7C00, %sp
	ljmp $0, $1f                    /* some BIOSes enter at 07C0:0000 */
1:	sti
	cld
	movb %dl, mbr_drive
	call mbr_uart
	movw $mbr_hello, %si
	call mbr_puts
	/* INT 13h extensions (EDD 3.0 section 8.1) or nothing: no CHS loader. */
	movb $0x41, %ah
	movw $0x55AA, %bx
	movb mbr_drive, %dl
	int $0x13
	jc mbr_fail
	cmpw $0xAA55, %bx
	jne mbr_fail
	movw $tg_load_sectors, %bp      /* sectors still to load */
mbr_load:
	testw %bp, %bp
	jz mbr_loaded
	movw %bp, %di
	cmpw $TG_LOAD_CHUNK, %di
	jbe 2f
	movw $TG_LOAD_CHUNK, %di
2:	movw %di, mbr_dap_count
	movw $mbr_dap, %si
	movb mbr_drive, %dl
	movb $0x42, %ah
	int $0x13
	jc mbr_fail
	subw %di, %bp
	movzwl %di, %eax
	addl %eax, mbr_dap_lba
	shlw $5, %di                    /* sectors * 512 / 16 paragraphs */
	addw %di, mbr_dap_seg
	jmp mbr_load
mbr_loaded:
	jmp tg_stage2

/* Report the failure the way every run ends, then stop Bochs. */
mbr_fail:
	movw $mbr_failmsg, %si
	call mbr_puts
	movw $0x8900, %dx
	movb $'D', %al
	outb %al, %dx
3:	hlt
	jmp 3b

/* COM1 to 115200 8N1: after reset the line is 5 bits wide and would eat bits. */
mbr_uart:
	movw $TG_COM1 + 3, %dx
	movb $0x80, %al                 /* DLAB */
	outb %al, %dx
	movw $TG_COM1, %dx
	movb $1, %al                    /* divisor 1 */
	outb %al, %dx
	incw %dx
	xorb %al, %al
	outb %al, %dx
	movw $TG_COM1 + 3, %dx
	movb $3, %al                    /* 8N1 */
	outb %al, %dx
	ret

/* Print the NUL-terminated string at DS:SI on COM1 and port 0xE9. */
mbr_puts:
	lodsb
	testb %al, %al
	jz 5f
	movb %al, %ah
	movw $TG_COM1 + 5, %dx
4:	inb %dx, %al                    /* LSR: wait for THR empty */
	testb $0x20, %al
	jz 4b
	movb %ah, %al
	movw $TG_COM1, %dx
	outb %al, %dx
	outb %al, $0xE9
	jmp mbr_puts
5:	ret

mbr_hello:	.asciz "PPTG-INFO boot sector running\r\n"
mbr_failmsg:	.asciz "PPTG boot FAIL INT 13h load\r\nPPTG DONE pass=0 fail=1 skip=0\r\n"
mbr_drive:	.byte 0
	.p2align 2
mbr_dap:	.byte 0x10, 0           /* EDD disk address packet */
mbr_dap_count:	.word 0
		.word 0                 /* offset */
mbr_dap_seg:	.word 0x07E0            /* 0x7E00: right after the MBR */
mbr_dap_lba:	.quad 1

	.org 510
	.byte 0x55, 0xAA

/* --------------------------------------------------- real-mode stage 2 */
	.section .text16, "ax"
	.code16
tg_stage2:
	movb mbr_drive, %al
	movb %al, tg_bootinfo + BI_DRIVE
	call rm_e820
	call rm_e801
	call rm_mem88
	call rm_a20
	cli
	lgdt tg_gdt_desc
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmp $TG_CODE_SEL, $tg_pm

/* INT 15h E820 (ACPI 3.0 section 14.1): up to TG_E820_MAX 24-byte entries. */
rm_e820:
	xorl %ebx, %ebx
	xorw %bp, %bp
	movw $tg_bootinfo + BI_E820, %di
6:	movl $1, %es:20(%di)            /* extended attributes if the BIOS gives 20 bytes */
	movl $0xE820, %eax
	movl $TG_SMAP, %edx
	movl $24, %ecx
	clc
	int $0x15
	jc 8f                           /* CF: unsupported, or past the last entry */
	cmpl $TG_SMAP, %eax
	jne 9f
	incw %bp
	addw $24, %di
	testl %ebx, %ebx
	jz 7f
	cmpw $TG_E820_MAX, %bp
	jb 6b
7:	movzwl %bp, %eax
	movl %eax, tg_bootinfo + BI_E820_COUNT
	ret
8:	testw %bp, %bp
	jnz 7b
	movl $1, tg_bootinfo + BI_E820_STATUS
	jmp 7b
9:	movl $2, tg_bootinfo + BI_E820_STATUS
	jmp 7b

/* INT 15h AX=E801h: KiB 1-16 MiB and 64 KiB blocks above 16 MiB. */
rm_e801:
	movw $0xE801, %ax
	xorw %bx, %bx
	xorw %cx, %cx
	xorw %dx, %dx
	clc
	int $0x15
	jc 1f
	movw %ax, tg_bootinfo + BI_E801
	movw %bx, tg_bootinfo + BI_E801 + 2
	movw %cx, tg_bootinfo + BI_E801 + 4
	movw %dx, tg_bootinfo + BI_E801 + 6
	movw $1, tg_bootinfo + BI_E801_OK
1:	ret

/* INT 15h AH=88h: KiB of extended memory. */
rm_mem88:
	movb $0x88, %ah
	clc
	int $0x15
	jc 1f
	movw %ax, tg_bootinfo + BI_MEM88
	movw $1, tg_bootinfo + BI_MEM88_OK
1:	ret

/* A20 through the BIOS, then the fast gate at port 0x92 as well. */
rm_a20:
	movw $0x2401, %ax
	int $0x15
	inb $0x92, %al
	orb $2, %al
	andb $0xFE, %al                 /* bit 0 would reset the machine */
	outb %al, $0x92
	ret

	.p2align 3
tg_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF        /* 0x08: code, flat 4 GiB, 32-bit */
	.quad 0x00CF92000000FFFF        /* 0x10: data, flat 4 GiB */
	.quad 0x0040920000000FFF        /* 0x18: data, 4 KiB limit (probe self-test) */
tg_gdt_desc:
	.word tg_gdt_desc - tg_gdt - 1
	.long tg_gdt

/* ------------------------------------------------ 32-bit protected mode */
	.text
	.code32
tg_pm:
	movw $TG_DATA_SEL, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	movl $0x7C00, %esp              /* below the boot sector, 30 KiB */
	cld
	movl $tg_bss_start, %edi
	movl $tg_bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	call tg_main
1:	cli
	hlt
	jmp 1b

/* Exception entry: every vector gets a frame with an error code slot. */
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
tg_exc_\v:
	.if (\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	pushl $0                        /* the CPU pushed no error code */
	.endif
	pushl $\v
	jmp tg_exc_common
	.endr

tg_exc_common:
	pushal
	pushl %esp                      /* struct tg_frame * */
	call tg_exception
	addl $4, %esp
	popal
	addl $8, %esp                   /* vector, error code */
	iret

/*
 * Probes: the access is one instruction whose address the exception
 * handler looks up in tg_probe_fixups; on a fault it resumes at the
 * matching label with EDX = vector + 1 and EAX = 0.
 */
	.globl tg_probe_read32
tg_probe_read32:
	movl 4(%esp), %ecx
	xorl %edx, %edx
tg_probe_r_insn:
	movl (%ecx), %eax
tg_probe_r_resume:
	movl 8(%esp), %ecx
	movl %edx, (%ecx)
	ret

	.globl tg_probe_write32
tg_probe_write32:
	movl 4(%esp), %ecx
	movl 8(%esp), %eax
	xorl %edx, %edx
tg_probe_w_insn:
	movl %eax, (%ecx)
tg_probe_w_resume:
	movl 12(%esp), %ecx
	movl %edx, (%ecx)
	ret

/* The same read through a segment chosen by the caller (a limit fault on purpose). */
	.globl tg_probe_read32_seg
tg_probe_read32_seg:
	movl 4(%esp), %eax
	movw %ax, %fs
	movl 8(%esp), %ecx
	xorl %edx, %edx
tg_probe_s_insn:
	movl %fs:(%ecx), %eax
tg_probe_s_resume:
	movw $TG_DATA_SEL, %cx
	movw %cx, %fs
	movl 12(%esp), %ecx
	movl %edx, (%ecx)
	ret

	.section .rodata
	.p2align 2
	.globl tg_exc_stubs
tg_exc_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long tg_exc_\v
	.endr
	.globl tg_probe_fixups
tg_probe_fixups:                        /* {instruction, resume} pairs, 0-terminated */
	.long tg_probe_r_insn, tg_probe_r_resume
	.long tg_probe_w_insn, tg_probe_w_resume
	.long tg_probe_s_insn, tg_probe_s_resume
	.long 0, 0

	.section .note.GNU-stack, "", @progbits  /* no executable stack wanted */
