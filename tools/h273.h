/*
 * Names of the colour code points of ITU-T H.273 (ISO/IEC 23091-2), as the
 * tools print them and as heic-enc's --primaries, --transfer and --matrix
 * take them.  SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_TOOLS_H273_H
#define HEIC_TOOLS_H273_H

#include <stddef.h>

typedef enum h273_kind { H273_PRIMARIES, H273_TRANSFER, H273_MATRIX } h273_kind;

/* The display name of code point v ("BT.709"; "" for one without a name). */
const char *h273_name(h273_kind kind, unsigned v);

/* A number (0..255) or a name (any case; '-', '_', '.' and spaces are
 * ignored: "bt709", "BT.709", "display-p3", "pq", "hlg", ...).  0 and *out,
 * or -1 for anything else. */
int h273_parse(h273_kind kind, const char *s, unsigned *out);

/* "bt709 (1), unspecified (2), ..." into buf: the names h273_parse takes,
 * for --help and error messages. */
const char *h273_choices(h273_kind kind, char *buf, size_t size);

#endif
