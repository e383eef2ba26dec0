/*
 * H.273 code point names (h273.h).  SPDX-License-Identifier: BSD-2-Clause
 *
 * Each entry: the code point, the name shown (heic-info), and the names a
 * user may type, the first being the one --help lists.  The names follow
 * what ffmpeg and libheif's tools call them, so a command line written for
 * those works here.
 */
#include "h273.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct h273_entry {
  unsigned code;
  const char *display;
  const char *names; /* space-separated, normalised (lower case, no - _ .) */
} h273_entry;

static const h273_entry primaries[] = {
    {1, "BT.709", "bt709 srgb"},
    {2, "unspecified", "unspecified"},
    {4, "BT.470 M", "bt470m"},
    {5, "BT.601", "bt470bg bt601625"},
    {6, "BT.601", "smpte170m bt601 bt601525"},
    {7, "SMPTE 240M", "smpte240m"},
    {8, "film", "film"},
    {9, "BT.2020", "bt2020 bt2100"},
    {10, "SMPTE ST 428 (XYZ)", "smpte428 xyz"},
    {11, "DCI-P3", "smpte431 dcip3"},
    {12, "Display P3", "smpte432 displayp3 p3"},
    {22, "EBU 3213", "ebu3213"},
};

static const h273_entry transfers[] = {
    {1, "BT.709", "bt709"},
    {2, "unspecified", "unspecified"},
    {4, "gamma 2.2", "bt470m gamma22"},
    {5, "gamma 2.8", "bt470bg gamma28"},
    {6, "BT.709", "smpte170m bt601"},
    {7, "SMPTE 240M", "smpte240m"},
    {8, "linear", "linear"},
    {9, "log 100:1", "log100"},
    {10, "log 316:1", "log316"},
    {11, "xvYCC", "iec6196624 xvycc"},
    {12, "BT.1361", "bt1361"},
    {13, "sRGB", "srgb iec6196621"},
    {14, "BT.709", "bt202010"},
    {15, "BT.709", "bt202012"},
    {16, "PQ", "pq smpte2084"},
    {17, "SMPTE ST 428", "smpte428"},
    {18, "HLG", "hlg aribstdb67"},
};

static const h273_entry matrices[] = {
    {0, "identity (RGB)", "identity gbr rgb"},
    {1, "BT.709", "bt709"},
    {2, "unspecified", "unspecified"},
    {4, "FCC", "fcc"},
    {5, "BT.601", "bt470bg bt601625"},
    {6, "BT.601", "smpte170m bt601 bt601525"},
    {7, "SMPTE 240M", "smpte240m"},
    {8, "YCgCo", "ycgco"},
    {9, "BT.2020", "bt2020ncl bt2020"},
    {10, "BT.2020 constant luminance", "bt2020cl"},
    {11, "SMPTE ST 2085", "smpte2085"},
    {12, "chromaticity-derived", "chromancl"},
    {13, "chromaticity-derived constant luminance", "chromacl"},
    {14, "ICtCp", "ictcp"},
};

static const h273_entry *table(h273_kind kind, size_t *n) {
  switch (kind) {
  case H273_PRIMARIES: *n = sizeof primaries / sizeof primaries[0]; return primaries;
  case H273_TRANSFER: *n = sizeof transfers / sizeof transfers[0]; return transfers;
  case H273_MATRIX: break;
  }
  *n = sizeof matrices / sizeof matrices[0];
  return matrices;
}

const char *h273_name(h273_kind kind, unsigned v) {
  size_t n;
  const h273_entry *t = table(kind, &n);
  for (size_t i = 0; i < n; i++)
    if (t[i].code == v) return t[i].display;
  return "";
}

/* s without case, '-', '_', '.' and spaces, into buf (truncated). */
static void normalise(const char *s, char *buf, size_t size) {
  size_t k = 0;
  for (; *s && k + 1 < size; s++) {
    if (*s == '-' || *s == '_' || *s == '.' || *s == ' ') continue;
    buf[k++] = (char)tolower((unsigned char)*s);
  }
  buf[k] = '\0';
}

/* Whether word is one of the space-separated names. */
static int has_name(const char *names, const char *word) {
  size_t len = strlen(word);
  for (const char *p = names; *p;) {
    const char *end = strchr(p, ' ');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n == len && strncmp(p, word, n) == 0) return 1;
    if (!end) break;
    p = end + 1;
  }
  return 0;
}

int h273_parse(h273_kind kind, const char *s, unsigned *out) {
  if (!s || !*s) return -1;
  if (isdigit((unsigned char)s[0])) {
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v > 255) return -1;
    *out = (unsigned)v;
    return 0;
  }
  char word[32];
  normalise(s, word, sizeof word);
  size_t n;
  const h273_entry *t = table(kind, &n);
  for (size_t i = 0; i < n; i++)
    if (has_name(t[i].names, word)) {
      *out = t[i].code;
      return 0;
    }
  return -1;
}

const char *h273_choices(h273_kind kind, char *buf, size_t size) {
  size_t n, k = 0;
  const h273_entry *t = table(kind, &n);
  buf[0] = '\0';
  for (size_t i = 0; i < n && k < size; i++) {
    const char *sp = strchr(t[i].names, ' ');
    int len = sp ? (int)(sp - t[i].names) : (int)strlen(t[i].names);
    int w = snprintf(buf + k, size - k, "%s%.*s (%u)", i ? ", " : "", len, t[i].names, t[i].code);
    if (w < 0) break;
    k += (size_t)w;
  }
  return buf;
}
