/*
 * Malformed-input and allocation-failure test.  SPDX-License-Identifier: BSD-2-Clause
 *
 *   test_malformed [--seed N] [--flips N] [--truncations N] [--budget SECONDS]
 *                  [--alloc-fail] [--skip-if-missing DIR] FILE|DIR ...
 *
 * For every seed file (a directory contributes its files of at most
 * --max-size bytes, recursively), variants are made in memory:
 *  - truncations: every length for files under 4 KiB, else ~N positions
 *    (spread evenly, plus every box boundary and box header end);
 *  - box sizes: for every box header found by walking the box tree, its
 *    32-bit size set to 0, 1, 7, 8, (rest of the file + 1) and 0xFFFFFFFF;
 *  - random byte flips, seeded (the seed is printed): 1-4 bytes changed,
 *    two thirds of them before the first 'mdat' where the structure is.
 * Each variant is read with heic_context_read_memory; then every item is
 * queried and every top-level image and its thumbnails decoded.  Success and
 * a clean error (a known status with a message) are both fine.  After the
 * context and every image are freed, the variant's own allocator must report
 * zero outstanding bytes.  Sanitizers catch the rest.
 *
 * --alloc-fail instead counts the allocations of reading and decoding each
 * file, then reruns that scenario failing each allocation in turn.
 *
 * Only the public API is used.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <heic/heic.h>

#define MAX_SEEDS 512
#define MAX_ITEMS_QUERIED 64
#define MAX_TOP_LEVEL 8
#define MAX_THUMBS 4
#define MAX_BOXES 4096

typedef struct options {
  uint64_t seed;
  int flips;
  int truncations;
  double budget;       /* seconds for all variants of all files */
  size_t max_size;     /* largest file taken from a directory */
  int alloc_fail;
  int verbose;
} options;

typedef struct stats {
  uint64_t variants;
  uint64_t read_ok, read_err;
  uint64_t decode_ok, decode_err;
  uint64_t status_hist[16];
  uint64_t failures;
} stats;

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- random numbers (splitmix64: small, good enough, reproducible) ---- */

static uint64_t rng_next(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *state, uint64_t n) { return n ? rng_next(state) % n : 0; }

static uint64_t hash_name(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

/* ---- files ------------------------------------------------------------ */

static int read_whole_file(const char *path, uint8_t **data, size_t *size) {
  *data = NULL;
  *size = 0;
  FILE *fp = fopen(path, "rb");
  if (!fp) return -1;
  if (fseek(fp, 0, SEEK_END) != 0) {
    fclose(fp);
    return -1;
  }
  long len = ftell(fp);
  if (len < 0 || fseek(fp, 0, SEEK_SET) != 0) {
    fclose(fp);
    return -1;
  }
  uint8_t *buf = malloc((size_t)len + 1);
  if (!buf) {
    fclose(fp);
    return -1;
  }
  if (len && fread(buf, 1, (size_t)len, fp) != (size_t)len) {
    free(buf);
    fclose(fp);
    return -1;
  }
  fclose(fp);
  *data = buf;
  *size = (size_t)len;
  return 0;
}

typedef struct seed_list {
  char *paths[MAX_SEEDS];
  int count;
} seed_list;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_seed(seed_list *list, const char *path) {
  if (list->count >= MAX_SEEDS) return;
  size_t n = strlen(path);
  char *copy = malloc(n + 1);
  if (!copy) return;
  memcpy(copy, path, n + 1);
  list->paths[list->count++] = copy;
}

/* HEIF-family files by their extension (directories also hold reference
 * PNGs, licences and notes). */
static int heif_like_name(const char *name) {
  static const char *const exts[] = {".heic", ".heif", ".hif", ".avif", ".avifs", ".heics",
                                     ".heifs"};
  size_t n = strlen(name);
  for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
    size_t e = strlen(exts[i]);
    if (n > e && strcasecmp(name + n - e, exts[i]) == 0) return 1;
  }
  return 0;
}

/* HEIF files under dir of at most max_size bytes (recursively). */
static void add_dir(seed_list *list, const char *dir, size_t max_size) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    char *path = malloc(len);
    if (!path) break;
    snprintf(path, len, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) == 0) {
      if (S_ISDIR(st.st_mode))
        add_dir(list, path, max_size);
      else if (S_ISREG(st.st_mode) && (size_t)st.st_size <= max_size && heif_like_name(e->d_name))
        add_seed(list, path);
    }
    free(path);
  }
  closedir(d);
}

/* ---- box walking -------------------------------------------------------- */

static uint32_t be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t be64(const uint8_t *p) { return ((uint64_t)be32(p) << 32) | be32(p + 4); }

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

typedef struct box_list {
  size_t offset[MAX_BOXES];   /* where each box header starts */
  size_t hdr_end[MAX_BOXES];  /* where its header (and full-box fields) end */
  int count;
  size_t first_mdat;          /* offset of the first top-level mdat, or size */
} box_list;

static int is_type(const uint8_t *t, const char *name) { return memcmp(t, name, 4) == 0; }

/* Records every box in [start, end) and descends into the containers whose
 * children are boxes.  Works on possibly broken data: it stops at the first
 * box that does not fit. */
static void walk_boxes(const uint8_t *data, size_t start, size_t end, int depth, box_list *out,
                       int top) {
  size_t pos = start;
  while (pos + 8 <= end && out->count < MAX_BOXES) {
    uint64_t size = be32(data + pos);
    const uint8_t *type = data + pos + 4;
    size_t hdr = 8;
    if (size == 1) {
      if (pos + 16 > end) break;
      size = be64(data + pos + 8);
      hdr = 16;
    } else if (size == 0) {
      size = end - pos;
    }
    out->offset[out->count] = pos;
    out->hdr_end[out->count] = pos + hdr;
    out->count++;
    if (size < hdr || size > end - pos) break;
    if (top && is_type(type, "mdat") && out->first_mdat > pos) out->first_mdat = pos;
    size_t payload = pos + hdr;
    size_t box_end = pos + (size_t)size;
    int descend = 0;
    if (is_type(type, "meta") || is_type(type, "iref")) {
      payload += 4; /* version + flags */
      descend = 1;
    } else if (is_type(type, "iinf")) {
      if (payload + 4 <= box_end) payload += 4 + (data[payload] == 0 ? 2 : 4);
      descend = 1;
    } else if (is_type(type, "dref")) {
      payload += 8; /* version + flags + entry_count */
      descend = 1;
    } else if (is_type(type, "iprp") || is_type(type, "ipco") || is_type(type, "dinf") ||
               is_type(type, "moov") || is_type(type, "trak") || is_type(type, "mdia") ||
               is_type(type, "minf") || is_type(type, "stbl") || is_type(type, "edts") ||
               is_type(type, "grpl") || is_type(type, "moof") || is_type(type, "traf") ||
               is_type(type, "meco")) {
      descend = 1;
    }
    /* iref's children are reference boxes: their headers are recorded but
     * their payload (item ids) is not walked, hence the depth jump. */
    if (descend && depth < 12 && payload <= box_end)
      walk_boxes(data, payload, box_end, is_type(type, "iref") ? 12 : depth + 1, out, 0);
    pos = box_end;
  }
}

/* ---- exercising a context ---------------------------------------------- */

typedef struct run_result {
  heic_status read_status;
  int decodes_ok, decodes_err;
  int failed; /* this variant broke a rule */
} run_result;

static int known_status(heic_status st) { return st >= HEIC_OK && st <= HEIC_ERR_INTERNAL; }

/* A clean error: a known code other than INTERNAL, with a message. */
static int check_error(heic_context *ctx, heic_status st, const char *what, const char *desc,
                       stats *s) {
  if (known_status(st) && st < (heic_status)16) s->status_hist[st]++;
  if (st == HEIC_OK) return 0;
  const char *msg = heic_context_last_error(ctx);
  if (!known_status(st) || st == HEIC_ERR_INTERNAL || !msg || !msg[0]) {
    fprintf(stderr, "FAIL %s: %s returned %d (%s) with message \"%s\"\n", desc, what, (int)st,
            heic_status_string(st), msg ? msg : "(null)");
    return 1;
  }
  return 0;
}

/* Touches the first and last sample of every plane so that a plane shorter
 * than its advertised size shows up under the sanitizers. */
static int check_image(const heic_image *img, const char *desc) {
  uint32_t w = heic_image_width(img), h = heic_image_height(img);
  if (!w || !h) {
    fprintf(stderr, "FAIL %s: decoded image of size %ux%u\n", desc, w, h);
    return 1;
  }
  int bytes = heic_image_bit_depth(img) > 8 ? 2 : 1;
  volatile unsigned sink = 0;
  int planes_seen = 0;
  for (int p = 0; p < 4; p++) {
    size_t stride = 0;
    uint32_t pw = 0, ph = 0;
    const uint8_t *d = heic_image_plane(img, (heic_plane_id)p, &stride, &pw, &ph);
    if (!d) continue;
    planes_seen++;
    int comps = heic_image_layout(img) == HEIC_LAYOUT_RGB ? heic_image_components(img) : 1;
    size_t row_bytes = (size_t)pw * (size_t)comps * (size_t)bytes;
    if (!pw || !ph || stride < row_bytes) {
      fprintf(stderr, "FAIL %s: plane %d is %ux%u with stride %zu\n", desc, p, pw, ph, stride);
      return 1;
    }
    sink += d[0];
    sink += d[(size_t)(ph - 1) * stride + row_bytes - 1];
    if (heic_image_layout(img) == HEIC_LAYOUT_RGB) break;
  }
  (void)sink;
  if (!planes_seen) {
    fprintf(stderr, "FAIL %s: decoded image has no planes\n", desc);
    return 1;
  }
  return 0;
}

static int decode_one(heic_context *ctx, uint32_t id, const heic_decode_options *opts,
                      heic_image **keep, const char *desc, stats *s, run_result *r) {
  heic_image *img = NULL;
  heic_status st = heic_context_decode_item(ctx, id, opts, &img);
  int bad = 0;
  if (st == HEIC_OK) {
    r->decodes_ok++;
    s->decode_ok++;
    if (!img) {
      fprintf(stderr, "FAIL %s: decode of item %u returned OK without an image\n", desc, id);
      bad = 1;
    } else {
      bad = check_image(img, desc);
    }
  } else {
    r->decodes_err++;
    s->decode_err++;
    if (img) {
      fprintf(stderr, "FAIL %s: failed decode of item %u left an image\n", desc, id);
      bad = 1;
    }
    bad |= check_error(ctx, st, "heic_context_decode_item", desc, s);
  }
  /* Keep the latest image past heic_context_free: images may outlive their
   * context and must still be accounted for. */
  if (img) {
    heic_image_free(keep);
    *keep = img;
  }
  return bad;
}

static int exercise(heic_context *ctx, unsigned variant, heic_image **keep, const char *desc,
                    stats *s, run_result *r) {
  int bad = 0;
  char type[5];
  char describe[256];

  uint32_t items = heic_context_item_count(ctx);
  for (uint32_t i = 0; i < items && i < MAX_ITEMS_QUERIED; i++) {
    uint32_t id = heic_context_item_id(ctx, i);
    heic_item_info info;
    heic_status st = heic_context_item_info(ctx, id, &info);
    if (st != HEIC_OK) {
      bad |= check_error(ctx, st, "heic_context_item_info", desc, s);
      continue;
    }
    uint32_t nprop = heic_context_property_count(ctx, id);
    for (uint32_t p = 0; p < nprop && p < 32; p++) {
      int essential = 0;
      st = heic_context_property(ctx, id, p, type, &essential, describe, sizeof(describe));
      bad |= check_error(ctx, st, "heic_context_property", desc, s);
    }
    uint32_t nref = heic_context_reference_count(ctx, id);
    for (uint32_t k = 0; k < nref && k < 32; k++) {
      const uint32_t *to = NULL;
      uint32_t count = 0;
      st = heic_context_reference(ctx, id, k, type, &to, &count);
      if (st == HEIC_OK && count) {
        volatile uint32_t last = to[count - 1];
        (void)last;
      }
      bad |= check_error(ctx, st, "heic_context_reference", desc, s);
    }
    heic_buffer *buf = NULL;
    if (!info.is_image) {
      st = heic_context_item_data(ctx, id, &buf);
      if (st == HEIC_OK && buf && heic_buffer_size(buf)) {
        volatile uint8_t last = heic_buffer_data(buf)[heic_buffer_size(buf) - 1];
        (void)last;
      }
      if (st != HEIC_OK && st != HEIC_ERR_NOT_FOUND)
        bad |= check_error(ctx, st, "heic_context_item_data", desc, s);
    } else {
      st = heic_context_item_icc(ctx, id, &buf);
      if (st != HEIC_OK && st != HEIC_ERR_NOT_FOUND)
        bad |= check_error(ctx, st, "heic_context_item_icc", desc, s);
      heic_nclx nclx;
      st = heic_context_item_nclx(ctx, id, &nclx);
      if (st != HEIC_OK && st != HEIC_ERR_NOT_FOUND)
        bad |= check_error(ctx, st, "heic_context_item_nclx", desc, s);
      uint32_t nmeta = heic_context_metadata_count(ctx, id);
      for (uint32_t m = 0; m < nmeta && m < 8; m++) (void)heic_context_metadata_id(ctx, id, m);
    }
    heic_buffer_unref(&buf);
  }

  /* Vary the decode path from variant to variant. */
  heic_decode_options opts;
  heic_decode_options_init(&opts);
  opts.layout = variant % 3 == 1 ? HEIC_LAYOUT_YCBCR : HEIC_LAYOUT_RGB;
  opts.no_transform = variant % 5 == 2;
  opts.no_alpha = variant % 7 == 3;

  uint32_t top = heic_context_top_level_count(ctx);
  for (uint32_t t = 0; t < top && t < MAX_TOP_LEVEL; t++) {
    uint32_t id = heic_context_top_level_id(ctx, t);
    heic_item_info info;
    heic_status st = heic_context_item_info(ctx, id, &info);
    if (st != HEIC_OK) {
      bad |= check_error(ctx, st, "heic_context_item_info", desc, s);
      continue;
    }
    bad |= decode_one(ctx, id, &opts, keep, desc, s, r);
    for (uint32_t k = 0; k < info.thumbnail_count && k < MAX_THUMBS; k++) {
      uint32_t tid = heic_context_thumbnail_id(ctx, id, k);
      heic_item_info tinfo;
      st = heic_context_item_info(ctx, tid, &tinfo);
      if (st != HEIC_OK) {
        bad |= check_error(ctx, st, "heic_context_item_info (thumbnail)", desc, s);
        continue;
      }
      bad |= decode_one(ctx, tid, &opts, keep, desc, s, r);
    }
  }
  /* Asking for an item that is not there is a clean error too. */
  heic_image *none = NULL;
  heic_status st = heic_context_decode_item(ctx, 0xFFFFFFF0u, NULL, &none);
  if (st == HEIC_OK || none) {
    fprintf(stderr, "FAIL %s: decoding a nonexistent item succeeded\n", desc);
    bad = 1;
  }
  heic_image_free(&none);
  bad |= check_error(ctx, st, "heic_context_decode_item (no such item)", desc, s);
  return bad;
}

static void fill_config(heic_context_config *cfg, heic_allocator *alloc, int threads) {
  heic_context_config_init(cfg);
  cfg->allocator = alloc;
  cfg->threads = threads;
  /* Mutated sizes must not make one variant allocate gigabytes: the seeds
   * are small, so 16 Mpixel per image is plenty for all of them. */
  cfg->limits.max_pixels = (uint64_t)1 << 24;
  cfg->limits.max_memory = (uint64_t)1 << 30;
}

/* Reads and exercises one buffer with a fresh allocator; checks the rules. */
static run_result run_variant(const uint8_t *data, size_t size, unsigned variant,
                              const char *desc, stats *s) {
  run_result r;
  memset(&r, 0, sizeof(r));
  s->variants++;
  heic_allocator *alloc = NULL;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) {
    fprintf(stderr, "FAIL %s: cannot create allocator\n", desc);
    r.failed = 1;
    return r;
  }
  heic_context_config cfg;
  fill_config(&cfg, alloc, variant % 2 ? 2 : 1);
  heic_context *ctx = NULL;
  heic_image *keep = NULL;
  heic_status st = heic_context_new(&ctx, &cfg);
  if (st != HEIC_OK || !ctx) {
    fprintf(stderr, "FAIL %s: heic_context_new: %s\n", desc, heic_status_string(st));
    r.failed = 1;
  } else {
    st = heic_context_read_memory(ctx, data, size);
    r.read_status = st;
    if (st == HEIC_OK) {
      s->read_ok++;
      r.failed |= exercise(ctx, variant, &keep, desc, s, &r);
    } else {
      s->read_err++;
      r.failed |= check_error(ctx, st, "heic_context_read_memory", desc, s);
    }
    heic_context_free(&ctx);
    if (ctx) {
      fprintf(stderr, "FAIL %s: heic_context_free did not clear the pointer\n", desc);
      r.failed = 1;
    }
  }
  if (keep) r.failed |= check_image(keep, desc);
  heic_image_free(&keep);
  size_t left = heic_allocator_outstanding_bytes(alloc);
  if (left != 0) {
    fprintf(stderr, "FAIL %s: %zu bytes outstanding after heic_context_free\n", desc, left);
    r.failed = 1;
  }
  heic_allocator_free(&alloc);
  if (r.failed) s->failures++;
  return r;
}

/* ---- variants of one file ---------------------------------------------- */

enum variant_kind { V_TRUNCATE, V_BOXSIZE, V_FLIP, V_KINDS };

typedef struct variant {
  int kind;
  size_t a;      /* truncation length / box offset / rng index */
  uint32_t b;    /* new box size */
} variant;

static int cmp_size(const void *x, const void *y) {
  size_t a = *(const size_t *)x, b = *(const size_t *)y;
  return a < b ? -1 : a > b;
}

/* Truncation lengths, sorted and unique. */
static size_t make_truncations(size_t size, const box_list *boxes, int wanted, size_t **out) {
  size_t cap = size < 4096 ? size : (size_t)wanted + 2 * (size_t)boxes->count + 16;
  size_t *lens = malloc((cap + 1) * sizeof(size_t));
  size_t n = 0;
  if (!lens) return 0;
  if (size < 4096) {
    for (size_t i = 0; i < size; i++) lens[n++] = i;
  } else {
    for (int i = 0; i < wanted && n < cap; i++) lens[n++] = (size_t)((double)size * i / wanted);
    for (int i = 0; i < boxes->count && n + 2 <= cap; i++) {
      lens[n++] = boxes->offset[i];
      if (boxes->hdr_end[i] < size) lens[n++] = boxes->hdr_end[i];
    }
    if (n < cap) lens[n++] = size - 1;
  }
  qsort(lens, n, sizeof(size_t), cmp_size);
  size_t u = 0;
  for (size_t i = 0; i < n; i++)
    if (u == 0 || lens[u - 1] != lens[i]) lens[u++] = lens[i];
  *out = lens;
  return u;
}

static void apply_flips(uint8_t *buf, size_t size, size_t structure_end, uint64_t seed,
                        size_t index, char *desc, size_t desc_size) {
  uint64_t st = seed ^ (index * 0xD1B54A32D192ED03ull);
  int nflip = 1 + (int)rng_below(&st, 4);
  size_t used = (size_t)snprintf(desc, desc_size, "flip#%zu", index);
  for (int i = 0; i < nflip; i++) {
    /* Two thirds of the changes land in the boxes before the coded data. */
    size_t range = rng_below(&st, 3) < 2 && structure_end ? structure_end : size;
    size_t pos = (size_t)rng_below(&st, range);
    uint8_t val;
    switch (rng_below(&st, 4)) {
      case 0: val = (uint8_t)(buf[pos] ^ (1u << rng_below(&st, 8))); break; /* one bit */
      case 1: val = 0x00; break;
      case 2: val = 0xFF; break;
      default: val = (uint8_t)rng_next(&st); break;
    }
    buf[pos] = val;
    if (used < desc_size)
      used += (size_t)snprintf(desc + used, desc_size - used, " @%zu=%02x", pos, val);
  }
}

static int fuzz_file(const char *path, const options *opt, double deadline, stats *s) {
  uint8_t *data = NULL;
  size_t size = 0;
  if (read_whole_file(path, &data, &size)) {
    fprintf(stderr, "FAIL cannot read %s: %s\n", path, strerror(errno));
    s->failures++;
    return 1;
  }
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  uint64_t file_seed = opt->seed ^ hash_name(base);

  box_list *boxes = calloc(1, sizeof(*boxes));
  uint8_t *buf = malloc(size ? size : 1);
  if (!boxes || !buf) {
    free(boxes);
    free(buf);
    free(data);
    s->failures++;
    return 1;
  }
  boxes->first_mdat = size;
  walk_boxes(data, 0, size, 0, boxes, 1);

  uint64_t failures_before = s->failures;
  char desc[512];
  snprintf(desc, sizeof(desc), "%s (original)", base);
  run_result orig = run_variant(data, size, 0, desc, s);

  size_t *lens = NULL;
  size_t ntrunc = make_truncations(size, boxes, opt->truncations, &lens);
  static const uint32_t box_sizes_fixed[] = {0, 1, 7, 8};
  size_t nbox = (size_t)boxes->count * 6;
  size_t nflip = size ? (size_t)opt->flips : 0;
  size_t total = ntrunc + nbox + nflip;

  /* Interleave the kinds so that a budget cut still covers all of them. */
  size_t done[V_KINDS] = {0, 0, 0};
  size_t avail[V_KINDS] = {ntrunc, nbox, nflip};
  size_t ran = 0;
  int cut = 0;
  for (size_t step = 0; ran < total; step++) {
    int kind = (int)(step % V_KINDS);
    if (done[kind] >= avail[kind]) continue;
    if (now_seconds() > deadline) {
      cut = 1;
      break;
    }
    /* Spread each kind's picks over its whole range rather than the start:
     * a stride coprime with the count visits every index once. */
    size_t n = avail[kind];
    size_t stride = 1;
    if (n > 2) {
      stride = n / 2 + 1;
      while (stride > 1) {
        size_t x = n, y = stride;
        while (y) {
          size_t t = x % y;
          x = y;
          y = t;
        }
        if (x == 1) break;
        stride--;
      }
    }
    size_t idx = (done[kind] * stride) % n;
    done[kind]++;
    ran++;
    memcpy(buf, data, size);
    size_t vsize = size;
    if (kind == V_TRUNCATE) {
      vsize = lens[idx];
      snprintf(desc, sizeof(desc), "%s truncated to %zu", base, vsize);
    } else if (kind == V_BOXSIZE) {
      size_t off = boxes->offset[idx / 6];
      int which = (int)(idx % 6);
      uint32_t v;
      if (which < 4)
        v = box_sizes_fixed[which];
      else if (which == 4)
        v = (uint32_t)((size - off + 1) > 0xFFFFFFFFu ? 0xFFFFFFFFu : (size - off + 1));
      else
        v = 0xFFFFFFFFu;
      char t[5] = {0};
      memcpy(t, data + off + 4, 4);
      for (int i = 0; i < 4; i++)
        if (t[i] < 32 || t[i] > 126) t[i] = '?';
      put_be32(buf + off, v);
      snprintf(desc, sizeof(desc), "%s box '%s'@%zu size=%" PRIu32, base, t, off, v);
    } else {
      char fd[400];
      apply_flips(buf, size, boxes->first_mdat, file_seed, idx, fd, sizeof(fd));
      snprintf(desc, sizeof(desc), "%s %s", base, fd);
    }
    run_result r = run_variant(buf, vsize, (unsigned)ran, desc, s);
    if (opt->verbose)
      printf("  %s: read %s, %d decoded, %d decode errors%s\n", desc,
             heic_status_string(r.read_status), r.decodes_ok, r.decodes_err,
             r.failed ? " FAILED" : "");
  }
  printf("%-48s %8zu B %3d boxes: original %s (%d decoded); ran %zu/%zu variants "
         "(%zu truncations, %zu box sizes, %zu flips)%s%s\n",
         base, size, boxes->count, heic_status_string(orig.read_status), orig.decodes_ok, ran,
         total, done[V_TRUNCATE], done[V_BOXSIZE], done[V_FLIP], cut ? " [time budget reached]" : "",
         s->failures > failures_before ? " FAILURES" : "");
  fflush(stdout);
  free(lens);
  free(boxes);
  free(buf);
  free(data);
  return s->failures > failures_before;
}

/* ---- allocation failure ----------------------------------------------- */

/* Reads and decodes everything with allocation number fail_at failing
 * (0: none).  Returns the allocator's count of attempts. */
static uint64_t alloc_scenario(const uint8_t *data, size_t size, uint64_t fail_at,
                               const char *desc, stats *s, int *bad) {
  heic_allocator *alloc = NULL;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) {
    *bad = 1;
    return 0;
  }
  heic_allocator_fail_at(alloc, fail_at);
  heic_context_config cfg;
  fill_config(&cfg, alloc, 1); /* one thread: the same order every run */
  heic_context *ctx = NULL;
  heic_image *keep = NULL;
  run_result r;
  memset(&r, 0, sizeof(r));
  s->variants++;
  heic_status st = heic_context_new(&ctx, &cfg);
  if (st != HEIC_OK) {
    if (ctx) *bad = 1;
    if (st != HEIC_ERR_OUT_OF_MEMORY) {
      fprintf(stderr, "FAIL %s: heic_context_new: %s\n", desc, heic_status_string(st));
      *bad = 1;
    }
  } else {
    st = heic_context_read_memory(ctx, data, size);
    if (st == HEIC_OK) {
      s->read_ok++;
      *bad |= exercise(ctx, 0, &keep, desc, s, &r);
    } else {
      s->read_err++;
      *bad |= check_error(ctx, st, "heic_context_read_memory", desc, s);
    }
    heic_context_free(&ctx);
  }
  heic_image_free(&keep);
  size_t left = heic_allocator_outstanding_bytes(alloc);
  if (left) {
    fprintf(stderr, "FAIL %s: %zu bytes outstanding after heic_context_free\n", desc, left);
    *bad = 1;
  }
  uint64_t count = heic_allocator_allocation_count(alloc);
  heic_allocator_free(&alloc);
  return count;
}

static int alloc_fail_file(const char *path, stats *s, double deadline) {
  uint8_t *data = NULL;
  size_t size = 0;
  if (read_whole_file(path, &data, &size)) {
    fprintf(stderr, "FAIL cannot read %s\n", path);
    s->failures++;
    return 1;
  }
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  char desc[512];
  int bad = 0;
  snprintf(desc, sizeof(desc), "%s (no failure)", base);
  uint64_t count = alloc_scenario(data, size, 0, desc, s, &bad);
  uint64_t failures = bad ? 1 : 0;
  uint64_t n = 1;
  for (; n <= count && now_seconds() < deadline; n++) {
    int b = 0;
    snprintf(desc, sizeof(desc), "%s allocation %" PRIu64 " of %" PRIu64 " failing", base, n,
             count);
    alloc_scenario(data, size, n, desc, s, &b);
    failures += b ? 1 : 0;
  }
  printf("%-48s %8zu B: %" PRIu64 " allocations, failed each of %" PRIu64 "%s%s\n", base, size,
         count, n - 1, n - 1 < count ? " [time budget reached]" : "",
         failures ? " FAILURES" : "");
  fflush(stdout);
  s->failures += failures;
  free(data);
  return failures != 0;
}

/* ---- main ------------------------------------------------------------- */

static void usage(void) {
  fprintf(stderr,
          "usage: test_malformed [--seed N|random] [--flips N] [--truncations N]\n"
          "                      [--budget SECONDS] [--max-size BYTES] [--alloc-fail]\n"
          "                      [--verbose] [--skip-if-missing DIR] FILE|DIR ...\n"
          "DIR arguments contribute their files of at most --max-size bytes (give\n"
          "--max-size first); --skip-if-missing DIR exits 77 when DIR is absent.\n");
}

int main(int argc, char **argv) {
  options opt = {1, 300, 200, 90.0, 300 * 1024, 0, 0};
  seed_list seeds;
  memset(&seeds, 0, sizeof(seeds));

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--seed") && val) {
      if (!strcmp(val, "random"))
        opt.seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
      else
        opt.seed = strtoull(val, NULL, 0);
      i++;
    } else if (!strcmp(a, "--flips") && val) {
      opt.flips = atoi(val);
      i++;
    } else if (!strcmp(a, "--truncations") && val) {
      opt.truncations = atoi(val);
      i++;
    } else if (!strcmp(a, "--budget") && val) {
      opt.budget = atof(val);
      i++;
    } else if (!strcmp(a, "--max-size") && val) {
      opt.max_size = (size_t)strtoull(val, NULL, 0);
      i++;
    } else if (!strcmp(a, "--skip-if-missing") && val) {
      /* The shared corpus: absent on a fresh clone, which is no failure. */
      struct stat st;
      if (stat(val, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("SKIP: %s not found (the shared corpus is not beside the project)\n", val);
        return 77;
      }
      int before = seeds.count;
      add_dir(&seeds, val, opt.max_size);
      qsort(seeds.paths + before, (size_t)(seeds.count - before), sizeof(char *), cmp_str);
      i++;
    } else if (!strcmp(a, "--alloc-fail")) {
      opt.alloc_fail = 1;
    } else if (!strcmp(a, "--verbose")) {
      opt.verbose = 1;
    } else if (a[0] == '-') {
      usage();
      return 2;
    } else {
      struct stat st;
      if (stat(a, &st) != 0) {
        /* A missing directory is the corpus being absent: not an error. */
        printf("note: %s not found, skipped\n", a);
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        int before = seeds.count;
        add_dir(&seeds, a, opt.max_size);
        qsort(seeds.paths + before, (size_t)(seeds.count - before), sizeof(char *), cmp_str);
      } else {
        add_seed(&seeds, a);
      }
    }
  }
  if (opt.flips < 0) opt.flips = 0;
  if (opt.truncations < 1) opt.truncations = 1;
  if (seeds.count == 0) {
    fprintf(stderr, "test_malformed: no seed files\n");
    usage();
    return 2;
  }

  printf("test_malformed: %d seed files, seed %" PRIu64 " (rerun with --seed %" PRIu64
         "), budget %.0f s%s\n",
         seeds.count, opt.seed, opt.seed, opt.budget, opt.alloc_fail ? ", allocation failure" : "");
  fflush(stdout);

  stats s;
  memset(&s, 0, sizeof(s));
  double start = now_seconds();
  int files_failed = 0;
  for (int i = 0; i < seeds.count; i++) {
    /* Each file gets an equal share of what is left of the budget. */
    double left = opt.budget - (now_seconds() - start);
    double share = left / (double)(seeds.count - i);
    double deadline = now_seconds() + (share > 0.05 ? share : 0.05);
    if (opt.alloc_fail)
      files_failed += alloc_fail_file(seeds.paths[i], &s, deadline);
    else
      files_failed += fuzz_file(seeds.paths[i], &opt, deadline, &s);
  }
  for (int i = 0; i < seeds.count; i++) free(seeds.paths[i]);

  printf("status counts:");
  for (int k = 0; k <= (int)HEIC_ERR_INTERNAL; k++)
    if (s.status_hist[k]) printf(" %s=%" PRIu64, heic_status_string((heic_status)k), s.status_hist[k]);
  printf("\n");
  printf("test_malformed: %" PRIu64 " runs in %.1f s; read ok %" PRIu64 ", read error %" PRIu64
         "; decoded %" PRIu64 ", decode error %" PRIu64 "; %" PRIu64 " runs broke a rule\n",
         s.variants, now_seconds() - start, s.read_ok, s.read_err, s.decode_ok, s.decode_err,
         s.failures);
  printf("%d passed, %d failed\n", seeds.count - files_failed, files_failed);
  return s.failures ? 1 : 0;
}
