/*
 * 15-vtx-hostile-dev.S - the attacks of 15-vtx-hostile.S on devices and
 * I/O: an IDE block moved onto parapass's port, ACPI S3, REP INS over its
 * own page table, string I/O across a segment limit. Included by
 * 15-vtx-hostile.S (its helpers and data), one case per image.
 */

#if CASE == CASE_BAR8900
/*
 * The IDE controller's bus-master block (BAR4 of 00:01.1, PIIX3 under
 * Bochs) moved onto port 0x8900, a port parapass owns: ata/ cannot trap it
 * there and must switch the controller off (command register: I/O and bus
 * master clear). Then the block goes back and the disk works again.
 */
pci_rd:	mov $0xcf8, %dx                 /* EAX = address -> EAX = dword */
	out %eax, %dx
	mov $0xcfc, %dx
	in %dx, %eax
	ret
pci_wr:	mov $0xcf8, %dx                 /* EAX = address, EBX = dword */
	out %eax, %dx
	mov $0xcfc, %dx
	mov %ebx, %eax
	out %eax, %dx
	ret
case_main:
	mov $0x80000920, %eax
	call pci_rd
	mov %eax, old_bar
	mov $0x80000920, %eax
	mov $0x8901, %ebx
	call pci_wr
	mov $0x80000904, %eax
	call pci_rd
	and $0xffff, %eax
	mov $m_cmd, %si
	call report
	mov $0x80000920, %eax
	mov old_bar, %ebx
	call pci_wr
	mov $0x80000904, %eax
	call pci_rd
	mov %eax, %ebx
	or $5, %bx
	mov $0x80000904, %eax
	call pci_wr
	mov $0x0201, %ax                /* LBA 0 again, through the mediator */
	mov $0x0001, %cx
	mov $0x600, %bx
	call disk
	movzwl 0x7fe, %eax
	mov $m_back, %si
	jmp report
old_bar: .long 0
m_cmd:	.asciz "bar8900 command "
m_back:	.asciz "bar8900 restored-signature "
#endif

#if CASE == CASE_S3
/*
 * ACPI S3 (Bochs' DSDT: \_S3 SLP_TYP 1) through PM1a_CNT at 0xb004: Bochs
 * would reset the processors and resume the guest without parapass.
 * parapass refuses it, and PM1a_STS shows WAK_STS until it is cleared, so
 * the suspend returns. Then S5 (SLP_TYP 0), which must go through.
 */
case_main:
	mov $0xb004, %dx
	in %dx, %ax
	and $0xc3ff, %ax
	or $0x2400, %ax                 /* SLP_EN | SLP_TYP 1 */
	out %ax, %dx
	mov $2, %cx
	call delay
	mov $0xb000, %dx
	in %dx, %ax
	movzwl %ax, %eax
	mov $m_sts, %si
	call report
	mov $0xb000, %dx
	mov $0x8000, %ax                /* WAK_STS is write-1-to-clear */
	out %ax, %dx
	in %dx, %ax
	movzwl %ax, %eax
	mov $m_sts2, %si
	call report
	mov $0x50505046, %eax
	vmcall
	mov $0xb004, %dx
	in %dx, %ax
	and $0xc3ff, %ax
	or $0x2000, %ax                 /* SLP_EN | SLP_TYP 0: S5 */
	out %ax, %dx
	jmp 8b
m_sts:	.asciz "s3 pm1-status "
m_sts2:	.asciz "s3 pm1-status-cleared "
#endif

#if CASE == CASE_REPINS_PT
/*
 * REP INSW whose destination starts in the guest's own page table: 32-bit
 * paging, PT at 0x21000 mapped at linear 0x3fe000 (PTE 1022), linear
 * 0x3ff000 -> 0x22000 (PTE 1023). One sector (LBA 40: 256 zero bytes,
 * then 256 bytes of a5) read by PIO to linear 0x3fef00: its first half
 * zeroes PTEs 960-1023, including the one of the second half's page. The
 * second half must still land at 0x22000, where the translation pointed
 * when the instruction began.
 */
case_main:
	cli
	xor %edi, %edi                  /* PD 0x20000, PT 0x21000, target 0x22000: zero */
	mov $0x20000, %edi
	mov $(3 * 1024), %ecx
	xor %eax, %eax
1:	addr32 mov %eax, %fs:(%edi)
	add $4, %edi
	loop 1b
	addr32 movl $0x21003, %fs:0x20000
	mov $0x21000, %edi              /* identity 0-4 MiB */
	mov $3, %eax
	mov $1024, %ecx
2:	addr32 mov %eax, %fs:(%edi)
	add $0x1000, %eax
	add $4, %edi
	loop 2b
	addr32 movl $0x21003, %fs:0x21ff8    /* PTE 1022: the PT itself */
	addr32 movl $0x22003, %fs:0x21ffc    /* PTE 1023: the target page */
	mov $0x1f6, %dx                 /* READ SECTORS, LBA 40, one sector */
	mov $0xe0, %al
	out %al, %dx
	mov $0x1f2, %dx
	mov $1, %al
	out %al, %dx
	inc %dx
	mov $40, %al
	out %al, %dx
	inc %dx
	xor %al, %al
	out %al, %dx
	inc %dx
	out %al, %dx
	mov $0x1f7, %dx
	mov $0x20, %al
	out %al, %dx
	mov $0x100000, %ecx
3:	in %dx, %al
	test $0x80, %al
	jnz 4f
	test $0x08, %al
	jnz 5f
4:	addr32 loop 3b
5:	lgdtl gdtr
	mov $0x20000, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $0x80000001, %eax
	mov %eax, %cr0
	ljmp $0x08, $6f
6:	mov $0x10, %ax
	mov %ax, %es
	mov $0x3fef00, %edi
	mov $256, %ecx
	mov $0x1f0, %dx
	cld
	addr32 rep insw
	mov %cr0, %eax
	and $0x7ffffffe, %eax
	mov %eax, %cr0
	ljmp $0, $7f
7:	xor %ax, %ax
	mov %ax, %es
	mov $0x1f7, %dx
	in %dx, %al
	sti
	xor %ebx, %ebx                  /* 0x22000: 256 bytes of a5, then zeros */
	mov $0x22000, %esi
	mov $256, %ecx
8:	addr32 cmpb $0xa5, %fs:(%esi)
	jne 9f
	inc %esi
	loop 8b
	addr32 cmpb $0, %fs:(%esi)
	jne 9f
	addr32 cmpl $0, %fs:0x21ffc     /* PTE 1023 was overwritten */
	jne 9f
	mov $1, %ebx
9:	mov %ebx, %eax
	mov $m_pt, %si
	jmp report
m_pt:	.asciz "repins-pt landed "
#endif

#if CASE == CASE_IOSTR
/*
 * REP INSD from a trapped port (PCI data, 0xcfc) with DI = 0xfffe: the
 * first dword crosses ES's 64 KiB limit, which is #GP in real mode; the
 * 16-bit index must not wrap into an unbounded copy. DI = 0xfffc is fine:
 * one item, then DI wraps to 0 for the second.
 */
case_main:
	cli
	mov $13, %al
	mov $exc13, %bx
	call set_vec
	mov $0x3000, %ax
	mov %ax, %es
	mov $0xcfc, %dx
	mov $0xfffe, %di
	mov $2, %cx
	cld
	movw $1f, resume_ip
	rep insl
1:	mov $13, %al
	call take_count
	mov $m_gp1, %si
	call report
	mov $0xfffc, %di
	mov $2, %cx
	movw $2f, resume_ip
	rep insl
2:	movzwl %di, %eax
	push %eax
	mov $13, %al
	call take_count
	mov $m_gp2, %si
	call report
	pop %eax
	mov $m_di, %si
	call report
	xor %ax, %ax
	mov %ax, %es
	sti
	ret
m_gp1:	.asciz "iostr wrap-gp "
m_gp2:	.asciz "iostr fit-gp "
m_di:	.asciz "iostr fit-di "
#endif
