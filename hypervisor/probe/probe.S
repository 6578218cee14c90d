# probe.S: the boot sector of the accelerator probe (hypervisor/accel.go).
#
# SeaBIOS loads it at 0x7c00 in real mode, as it loads any boot loader. It then does
# what a boot loader and a kernel do first, each a step where a half-working
# accelerator has been seen to stop: protected mode with an interrupt and its iret
# (syslinux's handlers; KVM on these machines stops here with "emulation failure"),
# paging and long mode, a 64-bit interrupt, cpuid and rdtsc. Having come through,
# it powers the machine off through ACPI (PM1a_CNT at 0x604, where SeaBIOS puts
# it on QEMU's pc and q35 machines), which libvirt reports as a guest shutdown:
# the one signal that means "the probe ran". A fault anywhere instead pauses the
# guest or resets it, and the probe's domain restarts on a reset until its time
# is up, so nothing else can pass for success.
#
# Rebuild probe.bin with `make probe` (GNU as and ld, from binutils); a test
# checks that the committed probe.bin is what this file assembles to.
	.code16
	.globl _start
_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $0x7c00, %sp
	ljmp $0, $real
real:
	inb $0x92, %al		# A20 on (fast gate)
	orb $2, %al
	outb %al, $0x92
	lgdtl gdt_desc
	movl %cr0, %eax
	orl $1, %eax		# PE
	movl %eax, %cr0
	ljmpl $0x08, $pm32

	.code32
pm32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl $0x7c00, %esp
	# vector 0x30: a 32-bit interrupt gate to iret32
	movl $iret32, %eax
	movl $idt32 + 0x30*8, %edi
	movw %ax, (%edi)
	movw $0x08, 2(%edi)
	movw $0x8e00, 4(%edi)
	shrl $16, %eax
	movw %ax, 6(%edi)
	lidt idt32_desc
	int $0x30
	# identity-mapped first 2 MiB: PML4 0x1000, PDPT 0x2000, PD 0x3000
	movl $0x1000, %edi
	xorl %eax, %eax
	movl $0xc00, %ecx
	rep stosl
	movl $0x2003, 0x1000
	movl $0x3003, 0x2000
	movl $0x83, 0x3000
	movl %cr4, %eax
	orl $0x20, %eax		# PAE
	movl %eax, %cr4
	movl $0x1000, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx	# EFER.LME
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000000, %eax	# PG
	movl %eax, %cr0
	ljmpl $0x18, $lm64
iret32:
	iret

	.code64
lm64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %ss
	movq $0x7c00, %rsp
	# vector 0x30: a 64-bit interrupt gate to iret64
	movq $iret64, %rax
	movq $idt64 + 0x30*16, %rdi
	movw %ax, (%rdi)
	movw $0x18, 2(%rdi)
	movw $0x8e00, 4(%rdi)
	shrq $16, %rax
	movw %ax, 6(%rdi)
	shrq $16, %rax
	movl %eax, 8(%rdi)
	lidt idt64_desc
	int $0x30
	movl $1, %eax
	cpuid
	rdtsc
	movw $0x604, %dx	# ACPI soft-off: SLP_EN with sleep type 0
	movw $0x2000, %ax
	outw %ax, %dx
1:	hlt
	jmp 1b
iret64:
	iretq

	.p2align 3
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	# 0x08 32-bit code
	.quad 0x00cf92000000ffff	# 0x10 data
	.quad 0x00af9a000000ffff	# 0x18 64-bit code
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
idt32_desc:
	.word 0x30*8 + 7
	.long idt32
idt64_desc:
	.word 0x30*16 + 15
	.quad idt64
	.org 510
	.word 0xaa55
	.set idt32, 0x5000
	.set idt64, 0x6000
