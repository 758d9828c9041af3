/* A 5x7 bitmap font for printable ASCII. */
#ifndef TOYVM_FONT5X7_H
#define TOYVM_FONT5X7_H

#include <stdint.h>

#define FONT_FIRST 32  /* first character in the table: space */
#define FONT_LAST  126 /* last: tilde */
#define FONT_W     5
#define FONT_H     7

/* Seven rows per glyph, top first; bit 4 is the leftmost column. */
extern const uint8_t toyvm_font5x7[FONT_LAST - FONT_FIRST + 1][FONT_H];

#endif
