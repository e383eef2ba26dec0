/*
 * libheic image I/O: Exif Orientation.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "exif.h"

#include <stdio.h>
#include <string.h>

enum {
  TAG_ORIENTATION = 0x0112,
  TYPE_SHORT = 3,
  TYPE_LONG = 4,
  IFD_ENTRY_SIZE = 12
};

/* Where the Orientation value sits, once found. */
typedef struct orientation_field {
  size_t offset; /* of the value, from the start of the caller's buffer */
  int type;      /* TYPE_SHORT or TYPE_LONG */
  int big_endian;
} orientation_field;

static uint32_t get16(const uint8_t *p, int big_endian) {
  return big_endian ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
}

static uint32_t get32(const uint8_t *p, int big_endian) {
  return big_endian ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
                    : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

long imageio_exif_tiff_offset(const uint8_t *exif, size_t size) {
  static const uint8_t ii[4] = {'I', 'I', 42, 0}, mm[4] = {'M', 'M', 0, 42};
  static const uint8_t app1_header[6] = {'E', 'x', 'i', 'f', 0, 0};
  if (!exif) return -1;
  for (size_t start = 0; start <= 6; start += 6) {
    if (size < start + 8) return -1; /* the header and the IFD0 offset */
    if (start == 6 && memcmp(exif, app1_header, 6) != 0) return -1;
    if (memcmp(exif + start, ii, 4) == 0 || memcmp(exif + start, mm, 4) == 0) return (long)start;
  }
  return -1;
}

/* Finds the Orientation entry of IFD0.  Returns 1 with *field filled, 0 when
 * IFD0 has no such entry, -1 when the stream is malformed up to that point.
 * Offsets inside TIFF count from the TIFF header, not the buffer. */
static int find_orientation(const uint8_t *exif, size_t size, orientation_field *field) {
  long start = imageio_exif_tiff_offset(exif, size);
  if (start < 0) return -1;
  const uint8_t *tiff = exif + start;
  size_t tiff_size = size - (size_t)start;
  int be = tiff[0] == 'M';

  /* size_t arithmetic from here on: a 32-bit offset plus a small constant
   * cannot wrap a 64-bit size_t, and on 32-bit hosts the comparisons are
   * arranged so that nothing is added to an unchecked offset. */
  uint32_t ifd = get32(tiff + 4, be);
  if (ifd < 8 || ifd > tiff_size || tiff_size - ifd < 2) return -1;
  uint32_t count = get16(tiff + ifd, be);
  size_t entries = (size_t)ifd + 2;
  /* A truncated directory is still searched as far as it goes: cameras and
   * editors that cut Exif short usually keep IFD0 whole, and the entries we
   * can see are as trustworthy as they would be in a complete one. */
  size_t available = (tiff_size - entries) / IFD_ENTRY_SIZE;
  if (count > available) count = (uint32_t)available;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *e = tiff + entries + (size_t)i * IFD_ENTRY_SIZE;
    if (get16(e, be) != TAG_ORIENTATION) continue;
    uint32_t type = get16(e + 2, be);
    /* The standard says SHORT; LONG turns up from careless writers and
     * still fits the 4-byte value field, so it is read the same way. */
    if ((type != TYPE_SHORT && type != TYPE_LONG) || get32(e + 4, be) != 1) return -1;
    field->offset = (size_t)start + entries + (size_t)i * IFD_ENTRY_SIZE + 8;
    field->type = (int)type;
    field->big_endian = be;
    return 1;
  }
  return 0;
}

int imageio_exif_orientation(const uint8_t *exif, size_t size) {
  orientation_field f;
  if (find_orientation(exif, size, &f) != 1) return 0;
  uint32_t v = f.type == TYPE_SHORT ? get16(exif + f.offset, f.big_endian)
                                    : get32(exif + f.offset, f.big_endian);
  return v >= 1 && v <= 8 ? (int)v : 0;
}

int imageio_exif_reset_orientation(uint8_t *exif, size_t size) {
  orientation_field f;
  int found = find_orientation(exif, size, &f);
  if (found != 1) return found;
  uint8_t *p = exif + f.offset;
  /* The whole 4-byte value field is rewritten: for a SHORT the two bytes
   * after the value are padding, and zeroing them is what a writer does. */
  memset(p, 0, 4);
  if (f.type == TYPE_SHORT)
    p[f.big_endian ? 1 : 0] = 1;
  else
    p[f.big_endian ? 3 : 0] = 1;
  return 1;
}

static int is_xml_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int imageio_xmp_reset_orientation(uint8_t *xmp, size_t size) {
  static const char key[] = "tiff:Orientation";
  const size_t klen = sizeof key - 1;
  int rewritten = 0;
  if (!xmp) return 0;
  for (size_t i = 0; i + klen <= size; i++) {
    if (memcmp(xmp + i, key, klen) != 0) continue;
    size_t p = i + klen;
    while (p < size && is_xml_space(xmp[p])) p++;
    uint8_t close; /* what must follow the digit */
    if (p < size && xmp[p] == '=') {
      p++;
      while (p < size && is_xml_space(xmp[p])) p++;
      if (p >= size || (xmp[p] != '"' && xmp[p] != '\'')) continue;
      close = xmp[p++];
    } else if (p < size && xmp[p] == '>') {
      p++;
      close = '<';
    } else {
      continue; /* a longer name such as tiff:OrientationX, or a closing tag */
    }
    /* Only a lone digit 1..8 is an orientation we understand; anything else
     * is left alone rather than guessed at. */
    if (p + 1 < size && xmp[p] >= '1' && xmp[p] <= '8' && xmp[p + 1] == close) {
      if (xmp[p] != '1') rewritten++;
      xmp[p] = '1';
    }
    i = p;
  }
  return rewritten;
}

static int is_name_char(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ':';
}

/* The index just past the first `what` at or after `from`; 0 when absent
 * (a match never ends at 0). */
static size_t find_after(const uint8_t *buf, size_t size, size_t from, const char *what, size_t n) {
  for (size_t i = from; i + n <= size; i++)
    if (memcmp(buf + i, what, n) == 0) return i + n;
  return 0;
}

int imageio_xmp_remove_extended_note(uint8_t *xmp, size_t size) {
  static const char key[] = ":HasExtendedXMP";
  const size_t klen = sizeof key - 1;
  int removed = 0;
  if (!xmp) return 0;
  for (size_t i = 0; i + klen <= size; i++) {
    if (memcmp(xmp + i, key, klen) != 0) continue;
    size_t end = i + klen; /* just past the qualified name */
    if (end < size && is_name_char(xmp[end])) continue; /* a longer name */
    size_t start = i;
    while (start > 0 && is_name_char(xmp[start - 1]) && xmp[start - 1] != ':') start--;
    if (start == i || start == 0) continue; /* no prefix */
    size_t stop = 0; /* one past the last byte to blank; 0: no well-formed end */
    if (is_xml_space(xmp[start - 1])) {
      /* An attribute: prefix:HasExtendedXMP="GUID" */
      size_t p = end;
      while (p < size && is_xml_space(xmp[p])) p++;
      if (p >= size || xmp[p] != '=') continue;
      p++;
      while (p < size && is_xml_space(xmp[p])) p++;
      if (p >= size || (xmp[p] != '"' && xmp[p] != '\'')) continue;
      const char quote = (char)xmp[p];
      stop = find_after(xmp, size, p + 1, &quote, 1);
    } else if (xmp[start - 1] == '<') {
      /* An element: <prefix:HasExtendedXMP>GUID</prefix:HasExtendedXMP>,
       * or one closed in its own tag. */
      start--;
      size_t gt = find_after(xmp, size, end, ">", 1);
      if (gt >= 2 && xmp[gt - 2] == '/') {
        stop = gt;
      } else if (gt) {
        char close[128];
        int n = snprintf(close, sizeof close, "</%.*s>", (int)(end - start - 1),
                         (const char *)xmp + start + 1);
        if (n > 0 && (size_t)n < sizeof close) stop = find_after(xmp, size, gt, close, (size_t)n);
      }
    }
    /* Otherwise a closing tag, text that merely mentions the name, or a
     * packet too broken to edit safely: left as it is. */
    if (!stop) continue;
    memset(xmp + start, ' ', stop - start);
    removed++;
    i = stop - 1;
  }
  return removed;
}
