/*
 * heic-soak: one process encodes and decodes many images through the public
 * API and checks that libheic gives all its memory back.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 *   heic-soak [--images N] [--corpus DIR [--corpus-optional]] [--seed S]
 *             [--max-side PX] [--max-input-mp MP] [--threads N]
 *             [--rss-tolerance PCT] [--progress K]
 *
 * For every image i = 1..N:
 *   - the input is the next corpus photo (PNG/JPEG under DIR and its
 *     subdirectories, read with the tools' imageio readers, files above
 *     --max-input-mp megapixels skipped) or, without a corpus, the next of a
 *     fixed set of synthetic pictures; it is area-averaged down so that its
 *     longest side is at most --max-side (default 320: the builtin encoder
 *     codes ~0.3 Mpx/s here, and the soak is about memory, not pixels);
 *   - alpha and grid cycle through all four combinations per pass over the
 *     inputs (alpha: the input's own, or a synthetic ramp for RGB inputs;
 *     grid: tile 256 vs no_grid); quality is 30..90 in steps of 10 and a
 *     thumbnail is added to every third image; the input's ICC, Exif, XMP
 *     and orientation go along;
 *   - a fresh context encodes it to memory (heic_context_write_memory), a
 *     second fresh context reads it back (heic_context_read_memory) and
 *     decodes the primary image (RGB and YCbCr layout alternately), its
 *     thumbnail, ICC and metadata items; sizes and alpha are checked;
 *   - everything is freed and heic_allocator_outstanding_bytes() of the one
 *     allocator shared by all contexts and images must be 0, else abort().
 * The process's peak RSS (getrusage ru_maxrss) and current RSS
 * (/proc/self/statm) are taken after image min(100, N) and after image N.
 * With N >= 200 the run fails when either grew by more than --rss-tolerance
 * percent (default 2).  Exit status: 0 pass, 1 a libheic call failed or the
 * RSS grew, 2 usage or setup error; a leak aborts.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <heic/heic.h>

#include "image_read.h"

#define TILE_SIZE 256u
#define THUMB_SIZE 96u
#define MAX_SOURCES 256

typedef struct options {
  unsigned long images;
  const char *corpus;
  int corpus_optional;
  uint64_t seed;
  uint32_t max_side;
  double max_input_mp;
  int threads;
  double rss_tolerance;
  unsigned long progress;
} options;

/* One input: a corpus file, or (path == NULL) synthetic picture number synth. */
typedef struct source {
  char *path;
  int synth;
} source;

/* ---- small helpers ---- */

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Peak RSS in bytes (ru_maxrss is in KiB on Linux). */
static uint64_t peak_rss(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return (uint64_t)ru.ru_maxrss * 1024u;
}

/* Current RSS in bytes from /proc/self/statm (0 when unavailable). */
static uint64_t current_rss(void) {
  FILE *fp = fopen("/proc/self/statm", "r");
  unsigned long size = 0, resident = 0;
  if (!fp) return 0;
  int n = fscanf(fp, "%lu %lu", &size, &resident);
  fclose(fp);
  if (n != 2) return 0;
  long page = sysconf(_SC_PAGESIZE);
  return (uint64_t)resident * (uint64_t)(page > 0 ? page : 4096);
}

static double mib(uint64_t bytes) { return (double)bytes / (1024.0 * 1024.0); }

static int has_ext(const char *name, const char *ext) {
  size_t n = strlen(name), e = strlen(ext);
  return n > e && strcasecmp(name + n - e, ext) == 0;
}

/* ---- image size from the file header (no decoding: a 12 MP decode would
 * set the peak RSS the soak is meant to measure) ---- */

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int probe_size(const char *path, uint32_t *w, uint32_t *h) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return -1;
  uint8_t b[24];
  int ok = -1;
  if (fread(b, 1, 24, fp) == 24) {
    if (memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(b + 12, "IHDR", 4) == 0) {
      *w = be32(b + 16);
      *h = be32(b + 20);
      ok = 0;
    } else if (b[0] == 0xff && b[1] == 0xd8) {
      /* Walk the JPEG markers to the first SOFn. */
      if (fseek(fp, 2, SEEK_SET) == 0) {
        for (;;) {
          uint8_t m[9];
          if (fread(m, 1, 4, fp) != 4 || m[0] != 0xff) break;
          uint32_t len = be16(m + 2);
          int marker = m[1];
          if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc) {
            if (fread(m + 4, 1, 5, fp) != 5) break;
            *h = be16(m + 5);
            *w = be16(m + 7);
            ok = 0;
            break;
          }
          if (len < 2 || fseek(fp, (long)len - 2, SEEK_CUR) != 0) break;
        }
      }
    }
  }
  fclose(fp);
  return ok;
}

/* ---- the inputs ---- */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects PNG/JPEG files in dir and its immediate subdirectories. */
static int collect(const char *dir, int depth, char **names, int *count) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    char *path = malloc(len);
    if (!path) break;
    snprintf(path, len, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth == 0) {
      collect(path, 1, names, count);
      free(path);
    } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
               (has_ext(path, ".png") || has_ext(path, ".jpg") || has_ext(path, ".jpeg")) &&
               *count < MAX_SOURCES) {
      names[(*count)++] = path;
    } else {
      free(path);
    }
  }
  closedir(d);
  return 0;
}

/* Synthetic pictures: sizes and formats the corpus has (odd, tiny, grey,
 * grey+alpha, RGBA, 16-bit), smooth content with some seeded noise. */
typedef struct synth_spec {
  uint32_t w, h;
  int channels, depth;
} synth_spec;

static const synth_spec k_synth[] = {
    {640, 480, 3, 8},  {500, 500, 4, 8},  {1001, 667, 3, 8}, {1, 1, 3, 8},
    {7, 5, 3, 8},      {63, 65, 3, 8},    {300, 200, 1, 8},  {64, 64, 3, 16},
    {676, 449, 3, 16}, {257, 256, 2, 8},  {800, 300, 3, 8},  {320, 320, 4, 16},
};
#define SYNTH_COUNT ((int)(sizeof(k_synth) / sizeof(k_synth[0])))

static int make_synthetic(int n, uint64_t seed, imageio_image *out) {
  const synth_spec *s = &k_synth[n];
  memset(out, 0, sizeof(*out));
  size_t bps = s->depth > 8 ? 2 : 1;
  out->format = IMAGEIO_FORMAT_PNG;
  out->width = s->w;
  out->height = s->h;
  out->channels = s->channels;
  out->bit_depth = s->depth;
  out->stride = (size_t)s->w * (size_t)s->channels * bps;
  out->data = malloc(out->stride * s->h);
  out->orientation = 1;
  if (!out->data) return -1;
  uint64_t rng = seed ^ ((uint64_t)n << 32);
  uint32_t maxv = (1u << s->depth) - 1;
  for (uint32_t y = 0; y < s->h; y++) {
    for (uint32_t x = 0; x < s->w; x++) {
      uint64_t r = splitmix64(&rng);
      for (int c = 0; c < s->channels; c++) {
        double fx = s->w > 1 ? (double)x / (s->w - 1) : 0.5, fy = s->h > 1 ? (double)y / (s->h - 1) : 0.5;
        double v;
        if (c == s->channels - 1 && (s->channels == 2 || s->channels == 4))
          v = 0.25 + 0.75 * fx; /* alpha ramp */
        else
          v = 0.15 + 0.35 * (c == 0 ? fx : c == 1 ? fy : 1.0 - fx) +
              0.3 * (((x / 16 + y / 16) & 1) ? 1.0 : 0.0) + (double)((r >> (8 * c)) & 31) / 31.0 * 0.15;
        if (v > 1.0) v = 1.0;
        uint32_t q = (uint32_t)(v * maxv + 0.5);
        uint8_t *p = out->data + (size_t)y * out->stride + ((size_t)x * (size_t)s->channels + (size_t)c) * bps;
        if (bps == 1) {
          p[0] = (uint8_t)q;
        } else {
          uint16_t q16 = (uint16_t)q;
          memcpy(p, &q16, 2);
        }
      }
    }
  }
  return 0;
}

/* Sample c (0..2 colour, 3 alpha) of pixel (x, y) at the input's depth. */
static uint32_t in_sample(const imageio_image *io, uint32_t x, uint32_t y, int c) {
  int ch = io->channels, src;
  if (c == 3) {
    if (ch != 2 && ch != 4) return (1u << io->bit_depth) - 1;
    src = ch - 1;
  } else {
    src = ch <= 2 ? 0 : c;
  }
  const uint8_t *row = io->data + (size_t)y * io->stride;
  if (io->bit_depth == 8) return row[(size_t)x * (size_t)ch + (size_t)src];
  uint16_t v;
  memcpy(&v, row + ((size_t)x * (size_t)ch + (size_t)src) * 2, 2);
  return v;
}

/* Builds the heic_image to encode: io area-averaged down to max_side, RGB
 * or RGBA; alpha from the input or, for inputs without, a synthetic ramp. */
static heic_status build_image(const imageio_image *io, uint32_t max_side, int with_alpha,
                               heic_allocator *alloc, heic_image **out) {
  uint32_t w = io->width, h = io->height, tw = w, th = h;
  if (w > max_side || h > max_side) {
    tw = w >= h ? max_side : (uint32_t)((uint64_t)w * max_side / h);
    th = w >= h ? (uint32_t)((uint64_t)h * max_side / w) : max_side;
    if (!tw) tw = 1;
    if (!th) th = 1;
  }
  int depth = io->bit_depth > 8 ? 16 : 8;
  int comps = with_alpha ? 4 : 3;
  int own_alpha = io->channels == 2 || io->channels == 4;
  uint32_t maxv = (1u << depth) - 1;
  heic_status st = heic_image_new(out, alloc, tw, th, HEIC_LAYOUT_RGB, HEIC_CHROMA_444, depth, with_alpha);
  if (st != HEIC_OK) return st;
  size_t stride = 0;
  uint8_t *plane = heic_image_plane_mut(*out, HEIC_PLANE_INTERLEAVED, &stride);
  if (!plane) {
    heic_image_free(out);
    return HEIC_ERR_INTERNAL;
  }
  for (uint32_t y = 0; y < th; y++) {
    uint32_t y0 = (uint32_t)((uint64_t)y * h / th), y1 = (uint32_t)((uint64_t)(y + 1) * h / th);
    if (y1 <= y0) y1 = y0 + 1;
    for (uint32_t x = 0; x < tw; x++) {
      uint32_t x0 = (uint32_t)((uint64_t)x * w / tw), x1 = (uint32_t)((uint64_t)(x + 1) * w / tw);
      if (x1 <= x0) x1 = x0 + 1;
      for (int c = 0; c < comps; c++) {
        uint32_t v;
        if (c == 3 && !own_alpha) {
          /* A diagonal ramp from 1/8 to fully opaque. */
          uint64_t num = (uint64_t)x * (th > 1 ? th - 1 : 1) + (uint64_t)y * (tw > 1 ? tw - 1 : 1);
          uint64_t den = (uint64_t)(tw > 1 ? tw - 1 : 1) * (th > 1 ? th - 1 : 1) * 2;
          v = (uint32_t)(maxv / 8 + (uint64_t)(maxv - maxv / 8) * num / den);
        } else {
          uint64_t sum = 0;
          for (uint32_t yy = y0; yy < y1; yy++)
            for (uint32_t xx = x0; xx < x1; xx++) sum += in_sample(io, xx, yy, c);
          uint64_t cnt = (uint64_t)(y1 - y0) * (x1 - x0);
          v = (uint32_t)((sum + cnt / 2) / cnt);
        }
        if (depth == 8) {
          plane[(size_t)y * stride + (size_t)x * (size_t)comps + (size_t)c] = (uint8_t)v;
        } else {
          uint16_t v16 = (uint16_t)v;
          memcpy(plane + (size_t)y * stride + ((size_t)x * (size_t)comps + (size_t)c) * 2, &v16, 2);
        }
      }
    }
  }
  return HEIC_OK;
}

/* ---- one image ---- */

typedef struct plan {
  unsigned long index; /* 1-based */
  const char *name;
  int quality, alpha, grid, thumb, ycbcr;
} plan;

static int fail_call(const plan *p, const char *what, heic_status st, const heic_context *ctx) {
  fprintf(stderr, "heic-soak: image %lu (%s, q%d%s%s%s): %s failed: %s: %s\n", p->index, p->name,
          p->quality, p->alpha ? " alpha" : "", p->grid ? " grid" : "", p->thumb ? " thumb" : "", what,
          heic_status_string(st), ctx ? heic_context_last_error(ctx) : "");
  return -1;
}

static int check(const plan *p, int cond, const char *fmt, unsigned a, unsigned b) {
  if (cond) return 0;
  fprintf(stderr, "heic-soak: image %lu (%s): ", p->index, p->name);
  fprintf(stderr, fmt, a, b);
  fputc('\n', stderr);
  return -1;
}

/* Encodes img to memory and decodes it back; everything it makes it frees. */
static int round_trip(const plan *p, const options *o, heic_allocator *alloc, const heic_image *img,
                      const imageio_image *io) {
  static const char *const params[] = {"preset=fast", NULL};
  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  cfg.threads = o->threads;
  heic_context *ctx = NULL;
  heic_buffer *file = NULL;
  heic_image *out = NULL, *thumb = NULL;
  heic_buffer *meta = NULL;
  int rc = -1;
  uint32_t w = heic_image_width(img), h = heic_image_height(img);

  /* ---- encode ---- */
  heic_status st = heic_context_new(&ctx, &cfg);
  if (st != HEIC_OK) return fail_call(p, "heic_context_new", st, NULL);
  heic_encode_options eo;
  heic_encode_options_init(&eo);
  eo.quality = p->quality;
  eo.params = params;
  eo.tile_size = TILE_SIZE;
  eo.no_grid = !p->grid;
  eo.thumbnail_size = p->thumb ? THUMB_SIZE : 0;
  eo.orientation = io->orientation;
  eo.icc = io->icc;
  eo.icc_size = io->icc_size;
  eo.exif = io->exif;
  eo.exif_size = io->exif_size;
  eo.xmp = io->xmp;
  eo.xmp_size = io->xmp_size;
  uint32_t item = 0;
  st = heic_context_encode_image(ctx, img, &eo, &item);
  if (st != HEIC_OK) {
    fail_call(p, "heic_context_encode_image", st, ctx);
    goto done;
  }
  st = heic_context_write_memory(ctx, &file);
  if (st != HEIC_OK) {
    fail_call(p, "heic_context_write_memory", st, ctx);
    goto done;
  }
  heic_context_free(&ctx);

  /* ---- decode ---- */
  st = heic_context_new(&ctx, &cfg);
  if (st != HEIC_OK) {
    fail_call(p, "heic_context_new", st, NULL);
    goto done;
  }
  st = heic_context_read_memory(ctx, heic_buffer_data(file), heic_buffer_size(file));
  heic_buffer_unref(&file); /* read_memory copied it */
  if (st != HEIC_OK) {
    fail_call(p, "heic_context_read_memory", st, ctx);
    goto done;
  }
  uint32_t primary = heic_context_primary_item(ctx);
  heic_item_info info;
  st = heic_context_item_info(ctx, primary, &info);
  if (st != HEIC_OK) {
    fail_call(p, "heic_context_item_info", st, ctx);
    goto done;
  }
  int want_grid = p->grid && (w > TILE_SIZE || h > TILE_SIZE);
  int want_thumb = p->thumb && (w > THUMB_SIZE || h > THUMB_SIZE);
  if (check(p, (strcmp(info.type, "grid") == 0) == want_grid, "grid expected %u, got %u", (unsigned)want_grid,
            (unsigned)!want_grid) ||
      check(p, (info.alpha_item != 0) == (p->alpha != 0), "alpha expected %u, got item %u", (unsigned)p->alpha,
            info.alpha_item) ||
      check(p, (info.thumbnail_count != 0) == want_thumb, "thumbnail expected %u, got %u", (unsigned)want_thumb,
            info.thumbnail_count))
    goto done;

  heic_decode_options dopt;
  heic_decode_options_init(&dopt);
  dopt.layout = p->ycbcr ? HEIC_LAYOUT_YCBCR : HEIC_LAYOUT_RGB;
  st = heic_context_decode_item(ctx, primary, &dopt, &out);
  if (st != HEIC_OK) {
    fail_call(p, "heic_context_decode_item", st, ctx);
    goto done;
  }
  int swap = io->orientation >= 5 && io->orientation <= 8;
  uint32_t ew = swap ? h : w, eh = swap ? w : h;
  if (check(p, heic_image_width(out) == ew, "decoded width %u, expected %u", heic_image_width(out), ew) ||
      check(p, heic_image_height(out) == eh, "decoded height %u, expected %u", heic_image_height(out), eh) ||
      check(p, heic_image_has_alpha(out) == (p->alpha != 0), "decoded alpha %u, expected %u",
            (unsigned)heic_image_has_alpha(out), (unsigned)p->alpha))
    goto done;
  size_t stride = 0;
  if (check(p, heic_image_plane(out, HEIC_PLANE_INTERLEAVED, &stride, NULL, NULL) != NULL && stride > 0,
            "decoded image has no first plane (%u %u)", 0, 0))
    goto done;

  if (want_thumb) {
    uint32_t tid = heic_context_thumbnail_id(ctx, primary, 0);
    st = heic_context_decode_item(ctx, tid, NULL, &thumb);
    if (st != HEIC_OK) {
      fail_call(p, "heic_context_decode_item (thumbnail)", st, ctx);
      goto done;
    }
    uint32_t tw = heic_image_width(thumb), th = heic_image_height(thumb);
    if (check(p, tw <= THUMB_SIZE && th <= THUMB_SIZE, "thumbnail %ux%u is too large", tw, th)) goto done;
  }
  st = heic_context_item_icc(ctx, primary, &meta);
  if (st == HEIC_OK) {
    if (check(p, heic_buffer_size(meta) == io->icc_size, "ICC of %u bytes, expected %u",
              (unsigned)heic_buffer_size(meta), (unsigned)io->icc_size))
      goto done;
    heic_buffer_unref(&meta);
  } else if (st != HEIC_ERR_NOT_FOUND || io->icc_size) {
    fail_call(p, "heic_context_item_icc", st, ctx);
    goto done;
  }
  uint32_t nmeta = heic_context_metadata_count(ctx, primary);
  for (uint32_t k = 0; k < nmeta; k++) {
    st = heic_context_item_data(ctx, heic_context_metadata_id(ctx, primary, k), &meta);
    if (st != HEIC_OK) {
      fail_call(p, "heic_context_item_data", st, ctx);
      goto done;
    }
    heic_buffer_unref(&meta);
  }
  rc = 0;
done:
  heic_buffer_unref(&meta);
  heic_image_free(&thumb);
  heic_image_free(&out);
  heic_buffer_unref(&file);
  heic_context_free(&ctx);
  return rc;
}

/* ---- main ---- */

static void usage(FILE *fp) {
  fprintf(fp,
          "usage: heic-soak [--images N] [--corpus DIR [--corpus-optional]] [--seed S]\n"
          "                 [--max-side PX] [--max-input-mp MP] [--threads N]\n"
          "                 [--rss-tolerance PCT] [--progress K]\n"
          "Encodes and decodes N images (default 2000) in one process; aborts when the\n"
          "allocator has bytes outstanding after an image; with N >= 200 fails when the\n"
          "RSS after image N exceeds that after image 100 by more than PCT%% (default 2).\n"
          "Without --corpus (or with --corpus-optional and no such directory) the\n"
          "inputs are synthetic.\n");
}

static int parse_ulong(const char *s, unsigned long *out) {
  char *end = NULL;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || !end || end == s || *end || s[0] == '-') return -1;
  *out = v;
  return 0;
}

static int parse_args(int argc, char **argv, options *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    unsigned long v = 0;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout);
      exit(0);
    } else if (strcmp(a, "--corpus-optional") == 0) {
      o->corpus_optional = 1;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "heic-soak: %s needs a value (or is unknown)\n", a);
      return -1;
    }
    const char *val = argv[++i];
    if (strcmp(a, "--corpus") == 0) {
      o->corpus = val;
    } else if (strcmp(a, "--max-input-mp") == 0 || strcmp(a, "--rss-tolerance") == 0) {
      char *end = NULL;
      double d = strtod(val, &end);
      if (!end || *end || d <= 0) {
        fprintf(stderr, "heic-soak: bad value for %s: '%s'\n", a, val);
        return -1;
      }
      if (a[2] == 'm') o->max_input_mp = d;
      else o->rss_tolerance = d;
    } else if (parse_ulong(val, &v) != 0) {
      fprintf(stderr, "heic-soak: bad value for %s: '%s'\n", a, val);
      return -1;
    } else if (strcmp(a, "--images") == 0 && v >= 1) {
      o->images = v;
    } else if (strcmp(a, "--seed") == 0) {
      o->seed = v;
    } else if (strcmp(a, "--max-side") == 0 && v >= 1 && v <= 16384) {
      o->max_side = (uint32_t)v;
    } else if (strcmp(a, "--threads") == 0 && v <= 64) {
      o->threads = (int)v;
    } else if (strcmp(a, "--progress") == 0) {
      o->progress = v;
    } else {
      fprintf(stderr, "heic-soak: unknown option or bad value: %s %s\n", a, val);
      return -1;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  options o = {2000, NULL, 0, 1, 320, 3.5, 2, 2.0, 100};
  if (parse_args(argc, argv, &o) != 0) {
    usage(stderr);
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);

  /* ---- inputs ---- */
  char *names[MAX_SOURCES];
  int nnames = 0;
  source sources[MAX_SOURCES];
  int nsources = 0;
  if (o.corpus) {
    struct stat st;
    if (stat(o.corpus, &st) != 0 || !S_ISDIR(st.st_mode)) {
      if (!o.corpus_optional) {
        fprintf(stderr, "heic-soak: corpus '%s' is not a directory\n", o.corpus);
        return 2;
      }
      printf("corpus %s not found: synthetic inputs\n", o.corpus);
    } else if (collect(o.corpus, 0, names, &nnames) != 0) {
      fprintf(stderr, "heic-soak: cannot read '%s': %s\n", o.corpus, strerror(errno));
      return 2;
    }
  }
  qsort(names, (size_t)nnames, sizeof(names[0]), cmp_str);
  for (int k = 0; k < nnames; k++) {
    uint32_t w = 0, h = 0;
    if (probe_size(names[k], &w, &h) != 0) {
      printf("skip %s: not a PNG/JPEG whose size can be read\n", names[k]);
      free(names[k]);
    } else if ((double)w * h > o.max_input_mp * 1e6) {
      printf("skip %s: %ux%u is above %.1f MP\n", names[k], w, h, o.max_input_mp);
      free(names[k]);
    } else {
      sources[nsources].path = names[k];
      sources[nsources].synth = -1;
      nsources++;
    }
  }
  if (!nsources) {
    for (int k = 0; k < SYNTH_COUNT; k++) {
      sources[k].path = NULL;
      sources[k].synth = k;
    }
    nsources = SYNTH_COUNT;
  }
  /* A seeded order; every input with each alpha/grid pair within 4 passes. */
  uint64_t rng = o.seed;
  for (int k = nsources - 1; k > 0; k--) {
    int j = (int)(splitmix64(&rng) % (uint64_t)(k + 1));
    source t = sources[k];
    sources[k] = sources[j];
    sources[j] = t;
  }
  unsigned long first_mark = o.images < 100 ? o.images : 100;
  printf("heic-soak: %lu images, %d %s inputs (longest side <= %u), seed %llu, threads %d, libheic %s\n",
         o.images, nsources, sources[0].path ? "corpus" : "synthetic", o.max_side,
         (unsigned long long)o.seed, o.threads, heic_version_string());
  if ((unsigned long)nsources * 4 > first_mark)
    printf("note: %d inputs x 4 alpha/grid combinations do not all occur by image %lu\n", nsources,
           first_mark);

  heic_allocator *alloc = NULL;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) {
    fprintf(stderr, "heic-soak: cannot create the allocator\n");
    return 2;
  }

  /* ---- the loop ---- */
  double t0 = now_seconds();
  uint64_t peak_mark = 0, cur_mark = 0, lib_peak = 0;
  uint64_t in_pixels = 0, prev_rss = 0;
  int status = 0;
  for (unsigned long i = 0; i < o.images; i++) {
    const source *src = &sources[i % (unsigned long)nsources];
    unsigned long pass = i / (unsigned long)nsources;
    plan p;
    p.index = i + 1;
    p.name = src->path ? strrchr(src->path, '/') + 1 : "synthetic";
    p.quality = 30 + 10 * (int)(splitmix64(&rng) % 7);
    p.alpha = (int)(pass & 1);
    p.grid = (int)((pass >> 1) & 1);
    p.thumb = i % 3 == 0;
    p.ycbcr = (int)((i / 2) & 1);

    imageio_image io;
    char err[256];
    if (src->path) {
      if (imageio_image_read(src->path, &io, err, sizeof(err)) != 0) {
        fprintf(stderr, "heic-soak: %s: %s\n", src->path, err);
        status = 2;
        break;
      }
      if (io.format == IMAGEIO_FORMAT_Y4M) { /* not picked by extension, but be safe */
        imageio_image_free(&io);
        fprintf(stderr, "heic-soak: %s: Y4M input is not used by the soak\n", src->path);
        status = 2;
        break;
      }
    } else if (make_synthetic(src->synth, o.seed, &io) != 0) {
      fprintf(stderr, "heic-soak: out of memory making a synthetic image\n");
      status = 2;
      break;
    }
    heic_image *img = NULL;
    heic_status st = build_image(&io, o.max_side, p.alpha, alloc, &img);
    int rc;
    if (st != HEIC_OK) {
      rc = fail_call(&p, "heic_image_new", st, NULL);
    } else {
      in_pixels += (uint64_t)heic_image_width(img) * heic_image_height(img);
      rc = round_trip(&p, &o, alloc, img, &io);
    }
    heic_image_free(&img);
    imageio_image_free(&io);

    size_t left = heic_allocator_outstanding_bytes(alloc);
    if (left != 0) {
      fprintf(stderr, "heic-soak: LEAK: %zu bytes outstanding on the allocator after image %lu (%s, q%d%s%s%s)\n",
              left, p.index, p.name, p.quality, p.alpha ? " alpha" : "", p.grid ? " grid" : "",
              p.thumb ? " thumb" : "");
      abort();
    }
    if (rc != 0) {
      status = 1;
      break;
    }
    if (heic_allocator_peak_bytes(alloc) > lib_peak) lib_peak = heic_allocator_peak_bytes(alloc);
    /* Say where the RSS jumps, to tell a one-time step (a malloc arena or
     * threshold settling) from steady growth. */
    uint64_t cur = current_rss();
    if (prev_rss && cur > prev_rss + (1u << 20))
      printf("  rss step at image %lu: %.2f -> %.2f MiB (%s, q%d%s%s%s)\n", p.index, mib(prev_rss), mib(cur),
             p.name, p.quality, p.alpha ? " alpha" : "", p.grid ? " grid" : "", p.thumb ? " thumb" : "");
    prev_rss = cur;
    if (p.index == first_mark) {
      peak_mark = peak_rss();
      cur_mark = current_rss();
    }
    if (o.progress && p.index % o.progress == 0)
      printf("  image %5lu  %7.1f s  rss %.2f MiB  peak rss %.2f MiB\n", p.index, now_seconds() - t0,
             mib(current_rss()), mib(peak_rss()));
  }
  double elapsed = now_seconds() - t0;
  uint64_t peak_end = peak_rss(), cur_end = current_rss();
  uint64_t allocs = heic_allocator_allocation_count(alloc);
  heic_allocator_free(&alloc);
  for (int k = 0; k < nsources; k++) free(sources[k].path);
  if (status != 0) return status;

  double g_peak = peak_mark ? 100.0 * ((double)peak_end - (double)peak_mark) / (double)peak_mark : 0.0;
  double g_cur = cur_mark ? 100.0 * ((double)cur_end - (double)cur_mark) / (double)cur_mark : 0.0;
  printf("images: %lu in %.1f s (%.2f images/s, %.1f Mpx encoded and decoded)\n", o.images, elapsed,
         (double)o.images / elapsed, (double)in_pixels / 1e6);
  printf("allocator: 0 bytes outstanding after every image; %llu allocations, library peak %.2f MiB\n",
         (unsigned long long)allocs, mib(lib_peak));
  printf("peak RSS (ru_maxrss):  after image %lu: %.2f MiB (%llu KiB), after image %lu: %.2f MiB (%llu KiB), growth %+.3f%%\n",
         first_mark, mib(peak_mark), (unsigned long long)(peak_mark / 1024), o.images, mib(peak_end),
         (unsigned long long)(peak_end / 1024), g_peak);
  printf("current RSS (statm):   after image %lu: %.2f MiB (%llu KiB), after image %lu: %.2f MiB (%llu KiB), growth %+.3f%%\n",
         first_mark, mib(cur_mark), (unsigned long long)(cur_mark / 1024), o.images, mib(cur_end),
         (unsigned long long)(cur_end / 1024), g_cur);
  if (o.images < 200) {
    printf("RSS check: off (fewer than 200 images)\nPASS\n");
    return 0;
  }
  int bad = g_peak > o.rss_tolerance || g_cur > o.rss_tolerance;
  printf("RSS check (growth <= %.1f%% for peak and current): %s\n", o.rss_tolerance, bad ? "FAIL" : "pass");
  printf("%s\n", bad ? "FAIL" : "PASS");
  return bad ? 1 : 0;
}
