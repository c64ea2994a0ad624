/*
 * vtx_boot.S - everything parapass must write in assembly:
 *  - the multiboot2 header (relocatable: GRUB picks the physical address),
 *  - the 32-bit entry that builds boot page tables and enters long mode,
 *  - exception stubs, the VM-exit entry and VM launch/resume,
 *  - MSR access with a fault fixup,
 *  - the real-mode blob copied below 640 KiB for the guest (INT 15h hook
 *    and the boot-sector loader).
 * The multiboot2 specification (GNU, version 2.0) gives the entry state:
 * EAX = 0x36d76289, EBX = physical address of the boot information,
 * 32-bit protected mode, paging off, no usable stack.
 */
#define MB2_MAGIC 0xE85250D6
#define MB2_BOOT_MAGIC 0x36D76289
#define VIRT_BASE 0xFFFFFFFF80000000
#define OFF(sym) ((sym) - VIRT_BASE)
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

/* ---------------- multiboot2 header (first 32 KiB of the file) ---------------- */
	.section .mboot, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC, 0, mb2_end - mb2_header
	.long 0x100000000 - (MB2_MAGIC + (mb2_end - mb2_header))
	/* Relocatable tag: anywhere from 16 MiB to 3 GiB, 2 MiB aligned, as high as possible */
	.balign 8
	.short 10, 0
	.long 24
	.long 0x01000000, 0xC0000000, 0x00200000, 2
	.balign 8
	.short 0, 0
	.long 8
mb2_end:

/* ---------------- 32-bit entry ---------------- */
	.section .text.boot, "ax"
	.code32
	.globl vtx_entry32
vtx_entry32:
	cli
	cld
	mov %eax, %edi
	mov %ebx, %esi
	/* Borrow the MBI's reserved word as a 4-byte stack to learn EIP. */
	lea 8(%ebx), %esp
	call 1f
1:	pop %ebp
	sub $OFF(1b), %ebp              /* ebp = physical load base */
	cmp $MB2_BOOT_MAGIC, %edi
	jne 9f
	lea OFF(vtx_boot_stack_top)(%ebp), %esp

	/* Identity map 0-4 GiB with 2 MiB pages: pd_lo[0..2047]. */
	lea OFF(vtx_boot_pd_lo)(%ebp), %ebx
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $21, %eax
	or $(PTE_P | PTE_W | PTE_PS), %eax
	mov %eax, (%ebx, %ecx, 8)
	movl $0, 4(%ebx, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jne 2b
	/* pdpt_lo[0..3] -> the four page directories */
	lea OFF(vtx_boot_pdpt_lo)(%ebp), %edx
	xor %ecx, %ecx
3:	mov %ecx, %eax
	shl $12, %eax
	add %ebx, %eax
	or $(PTE_P | PTE_W), %eax
	mov %eax, (%edx, %ecx, 8)
	inc %ecx
	cmp $4, %ecx
	jne 3b
	/* The image at VIRT_BASE: pd_hi[k] -> load base + k * 2 MiB. */
	lea OFF(vtx_boot_pd_hi)(%ebp), %ebx
	mov $vtx_image_size, %edx
	shr $21, %edx
	xor %ecx, %ecx
4:	mov %ecx, %eax
	shl $21, %eax
	add %ebp, %eax
	or $(PTE_P | PTE_W | PTE_PS), %eax
	mov %eax, (%ebx, %ecx, 8)
	inc %ecx
	cmp %edx, %ecx
	jb 4b
	lea OFF(vtx_boot_pdpt_hi)(%ebp), %edx
	lea (PTE_P | PTE_W)(%ebx), %eax
	mov %eax, 510 * 8(%edx)
	lea OFF(vtx_boot_pml4)(%ebp), %ebx
	lea (PTE_P | PTE_W)(%edx), %eax
	mov %eax, 511 * 8(%ebx)
	lea OFF(vtx_boot_pdpt_lo)(%ebp), %eax
	or $(PTE_P | PTE_W), %eax
	mov %eax, (%ebx)

	/* Long mode (SDM vol. 3, 10.8.5): PAE, CR3, EFER.LME, then paging. */
	mov $0x20, %eax
	mov %eax, %cr4
	mov %ebx, %cr3
	mov $0xC0000080, %ecx
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax            /* PG | WP | PE */
	mov %eax, %cr0
	lea OFF(vtx_boot_gdt)(%ebp), %eax
	mov %eax, OFF(vtx_boot_gdtr + 2)(%ebp)
	lgdt OFF(vtx_boot_gdtr)(%ebp)
	pushl $0x08
	lea OFF(5f)(%ebp), %eax
	push %eax
	lret
9:	hlt
	jmp 9b

	.code64
5:	movabs $vtx_entry64, %rax
	jmp *%rax

	.text
vtx_entry64:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	movabs $vtx_boot_stack_top, %rsp
	mov %esi, %edi                  /* rdi = MBI physical address */
	mov %ebp, %esi                  /* rsi = physical load base */
	call vtx_main
6:	cli
	hlt
	jmp 6b

/* ---------------- exceptions in root mode ---------------- */
/* Frame: struct vtx_exc_frame (vtx_priv.h): GPRs, vector, error, CPU frame. */
	.macro EXC vec, has_err
	.balign 16
exc_\vec:
	.if \has_err == 0
	pushq $0
	.endif
	pushq $\vec
	jmp exc_common
	.endm

	.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
	EXC \v, 0
	.endr
	.irp v, 8,10,11,12,13,14,17,21,29,30
	EXC \v, 1
	.endr

	.macro PUSH_GPRS
	push %r15
	push %r14
	push %r13
	push %r12
	push %r11
	push %r10
	push %r9
	push %r8
	push %rdi
	push %rsi
	push %rbp
	push %rbx
	push %rdx
	push %rcx
	push %rax
	.endm
	.macro POP_GPRS
	pop %rax
	pop %rcx
	pop %rdx
	pop %rbx
	pop %rbp
	pop %rsi
	pop %rdi
	pop %r8
	pop %r9
	pop %r10
	pop %r11
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	.endm

exc_common:
	PUSH_GPRS
	mov %rsp, %rdi
	mov %rsp, %rbx
	and $-16, %rsp
	call vtx_exception
	mov %rbx, %rsp
	POP_GPRS
	add $16, %rsp
	iretq

	.section .rodata
	.balign 8
	.globl vtx_exc_stubs
vtx_exc_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad exc_\v
	.endr

/* ---------------- MSR access that survives #GP ---------------- */
	.text
	.globl vtx_rdmsr_safe, vtx_wrmsr_safe, vtx_rdmsr_insn, vtx_wrmsr_insn, vtx_msr_fixup
vtx_rdmsr_safe:                         /* bool (uint32_t msr, uint64_t *v) */
	mov %edi, %ecx
vtx_rdmsr_insn:
	rdmsr
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, (%rsi)
	mov $1, %eax
	ret
vtx_wrmsr_safe:                         /* bool (uint32_t msr, uint64_t v) */
	mov %edi, %ecx
	mov %esi, %eax
	mov %rsi, %rdx
	shr $32, %rdx
vtx_wrmsr_insn:
	wrmsr
	mov $1, %eax
	ret
vtx_msr_fixup:                          /* the #GP handler resumes here */
	xor %eax, %eax
	ret

/* ---------------- VM exits, launch and resume ---------------- */
	.globl vtx_exit_entry, vtx_vmx_launch
vtx_exit_entry:                         /* HOST_RIP; RSP = HOST_RSP (16-aligned) */
	PUSH_GPRS
	mov %rsp, %rdi
	sub $8, %rsp
	call vtx_exit_handler
	add $8, %rsp
	POP_GPRS
	vmresume
	jmp entry_failed

vtx_vmx_launch:                         /* the guest starts with zeroed GPRs */
	xor %eax, %eax
	xor %ecx, %ecx
	xor %edx, %edx
	xor %ebx, %ebx
	xor %ebp, %ebp
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	vmlaunch
entry_failed:                           /* CF or ZF tell why (SDM 30.2) */
	pushfq
	pop %rdi
	and $-16, %rsp
	call vtx_entry_failed
7:	cli
	hlt
	jmp 7b

/* ---------------- the other processors (vtx_smp.c) ---------------- */
/*
 * vtx_ap_tramp is copied to AP_TRAMP (a page below 1 MiB) and started by
 * SIPI with CS = AP_TRAMP >> 4, IP = 0, in real mode: protected mode on a
 * GDT of its own, PAE paging on parapass's page tables (CR3 patched in by
 * vtx_smp.c), long mode, then the image at its high address. Addresses are
 * physical: AP_TRAMP plus the offset in the blob.
 */
#define AP_TRAMP 0x7000
#define APT(label) (AP_TRAMP + (label) - vtx_ap_tramp)
#define AP_MAX 256
#define AP_STACK_SHIFT 11
	.section .rodata
	.balign 16
	.globl vtx_ap_tramp, vtx_ap_tramp_end, vtx_ap_tramp_cr3
	.code16
vtx_ap_tramp:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	lgdtl ap_gdtr - vtx_ap_tramp
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $APT(ap_pm32)
	.code32
ap_pm32:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov $0x20, %eax                 /* PAE */
	mov %eax, %cr4
	mov APT(vtx_ap_tramp_cr3), %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx           /* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax            /* PG | WP | PE */
	mov %eax, %cr0
	ljmp $0x18, $APT(ap_lm64)
	.code64
ap_lm64:
	movabs $vtx_ap_entry64, %rax
	jmp *%rax
	.balign 8
ap_gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF        /* 0x08: 32-bit code */
	.quad 0x00CF92000000FFFF        /* 0x10: data */
	.quad 0x00AF9A000000FFFF        /* 0x18: 64-bit code */
ap_gdtr:
	.short 4 * 8 - 1
	.long APT(ap_gdt)
	.balign 4
vtx_ap_tramp_cr3:
	.long 0
vtx_ap_tramp_end:

	.text
	.globl vtx_ap_entry64, vtx_ap_nmi, vtx_ap_halt
vtx_ap_entry64:                         /* long mode, still on the trampoline's GDT */
	lgdt vtx_ap_gdtr(%rip)          /* VMM memory from here on (vtx_cpu_ap_tables) */
	lidt vtx_ap_idtr(%rip)
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov $1, %eax                    /* this AP's number picks its stack */
	lock xadd %eax, vtx_smp_arrived(%rip)
	cmp $AP_MAX, %eax
	jae vtx_ap_halt                 /* vtx_smp.c sees the count and refuses to go on */
	mov %eax, %edi
	lea vtx_ap_stacks(%rip), %rsp
	inc %eax
	shl $AP_STACK_SHIFT, %rax
	add %rax, %rsp
	pushq $0x08                     /* CS from this GDT too: an NMI's IRETQ reloads it */
	lea 1f(%rip), %rax
	push %rax
	lretq
1:	call vtx_smp_ap_main
vtx_ap_halt:
	cli
	hlt
	jmp vtx_ap_halt
vtx_ap_nmi:                             /* back to the halt it interrupted */
	iretq

/* ---------------- real-mode blob for the guest ---------------- */
/*
 * Copied to the top of conventional memory, which the guest's memory map
 * marks reserved; it runs with CS = its segment and IP = offsets below.
 */
	.section .rodata
	.code16
	.globl vtx_rm_blob, vtx_rm_blob_end, vtx_rm_int15, vtx_rm_int15_iret
	.globl vtx_rm_int15_chain, vtx_rm_int15_orig, vtx_rm_drive, vtx_rm_boot
	.globl vtx_rm_boot_ok, vtx_rm_boot_fail, vtx_rm_boot_nosig
vtx_rm_blob:
vtx_rm_int15:
	vmcall                          /* E820/E801/88h answered from the hidden map */
vtx_rm_int15_iret:
	iret
vtx_rm_int15_chain:
	ljmp *%cs:(vtx_rm_int15_orig - vtx_rm_blob)
vtx_rm_int15_orig:
	.long 0
vtx_rm_drive:
	.byte 0x80
	.balign 4
vtx_rm_boot:                            /* as the BIOS's INT 19h would: load LBA 0, jump */
	cli
	xor %ax, %ax
	mov %ax, %ss
	mov $0x7C00, %sp
	mov %ax, %ds
	mov %ax, %es
	sti
	mov $4, %si
1:	mov $0x0201, %ax
	mov $0x0001, %cx
	mov %cs:(vtx_rm_drive - vtx_rm_blob), %dl
	xor %dh, %dh
	mov $0x7C00, %bx
	int $0x13
	jnc 2f
	dec %si
	jz vtx_rm_boot_fail
	xor %ah, %ah
	mov %cs:(vtx_rm_drive - vtx_rm_blob), %dl
	int $0x13
	jmp 1b
2:	cmpw $0xAA55, 0x7DFE
	jne vtx_rm_boot_nosig
	xor %eax, %eax
vtx_rm_boot_ok:
	vmcall                          /* tells the log; then as from power-on */
	xor %ax, %ax
	xor %bx, %bx
	xor %cx, %cx
	xor %si, %si
	xor %di, %di
	xor %bp, %bp
	mov %cs:(vtx_rm_drive - vtx_rm_blob), %dl
	xor %dh, %dh
	ljmp $0, $0x7C00
vtx_rm_boot_fail:
	vmcall                          /* AH = INT 13h status; parapass halts */
	jmp vtx_rm_boot_fail
vtx_rm_boot_nosig:
	vmcall
	jmp vtx_rm_boot_nosig
vtx_rm_blob_end:
	.code64

/* ---------------- boot data ---------------- */
	.data
	.balign 16
	.globl vtx_boot_gdt
vtx_boot_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF               /* 0x08: 64-bit code */
	.quad 0x00CF92000000FFFF               /* 0x10: data */
vtx_boot_gdt_end:
	.balign 4
	.short 0
vtx_boot_gdtr:
	.short vtx_boot_gdt_end - vtx_boot_gdt - 1
	.long 0

	.section .bss.pagetables, "aw", @nobits
	.balign 4096
vtx_boot_pml4: .skip 4096
vtx_boot_pdpt_lo: .skip 4096
vtx_boot_pdpt_hi: .skip 4096
vtx_boot_pd_hi: .skip 4096
vtx_boot_pd_lo: .skip 4 * 4096
	.balign 16
	.globl vtx_boot_stack_top
vtx_boot_stack: .skip 32768
vtx_boot_stack_top:
	.section .note.GNU-stack, "", @progbits
