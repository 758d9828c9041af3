/*
 * A boot sector that redraws a 1024x768x32 screen without end, for
 * tests/qemu/bench.sh: Bochs VBE (the -vga std device) set through its
 * index/data ports with the linear framebuffer on, then flat protected
 * mode and every pixel written each pass (colours that do not compress).
 * Build: as --32 guest.S -o guest.o && ld -m elf_i386 -Ttext 0x7c00
 *        --oformat binary guest.o -o guest.img
 */
    .code16
    .globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0x7c00, %sp
    mov $0, %bx
    call vbe            /* disable */
    mov $0x0100, %bx    /* index 1: x resolution */
    mov $1024, %cx
    call vbe_set
    mov $0x0200, %bx    /* index 2: y resolution */
    mov $768, %cx
    call vbe_set
    mov $0x0300, %bx    /* index 3: bits per pixel */
    mov $32, %cx
    call vbe_set
    mov $0x0400, %bx    /* index 4: enable, linear framebuffer */
    mov $0x41, %cx
    call vbe_set
    lgdt gdtr
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmp $0x08, $flat

/* vbe_set: index bh, value cx; vbe: index 4 (enable), value 0. */
vbe_set:
    mov $0x1ce, %dx
    movzbw %bh, %ax
    out %ax, %dx
    inc %dx
    mov %cx, %ax
    out %ax, %dx
    ret
vbe:
    mov $0x1ce, %dx
    mov $4, %ax
    out %ax, %dx
    inc %dx
    xor %ax, %ax
    out %ax, %dx
    ret

    .code32
flat:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ebx, %ebx
pass:
    mov $0xfd000000, %edi   /* the device's BAR 0 as SeaBIOS places it */
    mov $(1024 * 768), %ecx
    mov %ebx, %eax
pixel:
    mov %eax, (%edi)
    add $0x9e3779b9, %eax
    add $4, %edi
    dec %ecx
    jnz pixel
    add $0x01020305, %ebx
    jmp pass

    .p2align 3
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff    /* code, flat 4 GiB */
    .quad 0x00cf92000000ffff    /* data, flat 4 GiB */
gdtr:
    .word 23
    .long gdt

    . = _start + 510
    .byte 0x55, 0xaa
