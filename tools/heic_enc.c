/*
 * heic-enc: encode PNG, JPEG and Y4M images as HEIF/HEIC.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Uses only the public API (image files are read by imageio, which is not
 * part of the library).  Exit status: 0 ok, 1 some input could not be read
 * or encoded, 2 usage error, 3 some output could not be written, 4 libheic
 * leaked memory (the leak canary the tests rely on), 130 interrupted (see
 * cli.h for when a stop changes the status).
 */
/* madvise() and MADV_DONTNEED are outside POSIX (release_rows). */
#define _DEFAULT_SOURCE

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <heic/heic.h>

#include <heic/heic_encode.h>
#include <heic/heic_plugin.h> /* parameter ranges and choices for --params */

#include "batch.h"
#include "batch_pool.h"
#include "cli.h"
#include "h273.h"

#include "exif.h"
#include "image_read.h"
#include "png_read.h" /* imageio_png_icc_rejected */

enum {
  EXIT_INPUT = 1,
  EXIT_USAGE = 2,
  EXIT_OUTPUT = 3,
  EXIT_LEAK = 4 /* 130 (interrupted): CLI_EXIT_INTERRUPTED in cli.h */
};

enum {
  DEFAULT_QUALITY = 50,
  MIN_TILE = 64,
  MAX_TILE = 16384
};

static const char *const usage_text =
    "Usage: heic-enc [options] INPUT... [-o OUT.heic | -o DIR/]\n"
    "       heic-enc [options] [-r] DIR|FILE... [--files-from LIST] [-o DIR]\n"
    "\n"
    "Encodes PNG, JPEG and Y4M images (recognised by their content) as HEIC.\n"
    "Output names:\n"
    "  -o OUT.heic    with one input: write OUT.heic\n"
    "  -o DIR/        write DIR/<input name without extension>.heic for each\n"
    "                 input; DIR is created (when the first output is\n"
    "                 written: a run that fails leaves none) if it does not\n"
    "                 exist.  An existing directory may be given without the\n"
    "                 trailing '/'\n"
    "  -o A -o B ...  one -o per input, in the same order\n"
    "  (no -o)        write <input without extension>.heic beside each input\n"
    "The output is always HEIF/HEIC: an output file named for another image\n"
    "format (.jpg, .jpeg, .png, .y4m, .avif, .webp, .tif, .gif, ... in any\n"
    "case) is a usage error, found before any work (heic-dec writes JPEG, PNG\n"
    "and Y4M).  .heic, .heif and .hif are taken in any case, and so is a name\n"
    "without an extension or with one of no image format (/dev/null, out.tmp).\n"
    "\n"
    "Batch conversion (several files, a directory, --files-from, or any of\n"
    "the options below): the files are encoded in parallel, a progress line\n"
    "is shown on a terminal, a bad file does not stop the others, and every\n"
    "failure is listed at the end with a summary (converted, failed,\n"
    "skipped, bytes in -> out).  A directory gives its .png, .jpg, .jpeg and\n"
    "(any case) .y4m files, names starting with '.' left out; a named file is\n"
    "taken whatever its name.  Under -o DIR (created if missing) each output\n"
    "is DIR/<path below the directory given>.heic, or DIR/<name>.heic for a\n"
    "file named on the command line, or DIR/<path as listed>.heic for a\n"
    "relative --files-from entry without '..'; without -o, beside each\n"
    "input.  Two inputs with one output name (a.png and a.jpg) are a usage\n"
    "error, found before any work.\n"
    "  -r, --recursive    read directories' subdirectories too (symbolic\n"
    "                     links to directories are not followed)\n"
    "  --files-from LIST  also convert the files (or directories) listed in\n"
    "                     LIST, one a line ('-': standard input)\n"
    "  -0, --null         LIST entries end with a NUL, not a newline\n"
    "                     (find -print0)\n"
    "  -j, --jobs N       threads in all (default 0: one per CPU the process\n"
    "                     may use): up to N files encoded at once, the\n"
    "                     biggest first, and threads with no file left\n"
    "                     helping the files in progress; one picture uses at\n"
    "                     most N threads (or --threads)\n"
    "  --skip-existing    leave an output that already exists (outputs only\n"
    "                     appear complete, so an interrupted run resumes)\n"
    "  --keep-mtime       give each output its input's access and\n"
    "                     modification times\n"
    "  --shard K/N        convert only part K of N (0 <= K < N) of the files:\n"
    "                     those whose path below their input root hashes\n"
    "                     (FNV-1a 64) to K modulo N, so that N runs (GNU\n"
    "                     parallel, a Kubernetes Indexed Job) share the work,\n"
    "                     each writing only its own outputs\n"
    "Outputs are never seen partial: each appears (or replaces the old file)\n"
    "only when complete and on disk, even if heic-enc is killed.  An output\n"
    "that is an input under another name (a link, './a.png'), or two\n"
    "outputs that are one file, are a usage error, found before any work.\n"
    "\n"
    "Options:\n"
    "  -q, --quality N    0 (smallest) .. 100 (best); default 50\n"
    "  -L, --lossless     lossless coding: colour RGB as 4:4:4 GBR (identity\n"
    "                     matrix, full range; implies --chroma 444), alpha and\n"
    "                     grey as 4:0:0, Y4M in its own format: the decoded\n"
    "                     image is the input bit for bit.  16-bit PNG input\n"
    "                     is refused (at most 12 bits are coded)\n"
    "  -e, --encoder NAME encoder plugin (default: builtin); see --list-encoders\n"
    "  -p, --param NAME=VALUE\n"
    "                     set an encoder parameter (repeatable); see --params\n"
    "  --list-encoders    list the encoder plugins and exit\n"
    "  -P, --params       list the chosen encoder's parameters (type, range or\n"
    "                     choices, default) and exit (-P as in heif-enc)\n"
    "  --chroma 420|422|444\n"
    "                     chroma subsampling for RGB input (default 420; Y4M\n"
    "                     input keeps its own 4:2:0)\n"
    "  -t, --thumb SIZE   add a thumbnail whose longest side is SIZE pixels;\n"
    "                     0 = none, the default (as libheif's heif-enc).\n"
    "                     Cameras use about 320; images no larger than SIZE\n"
    "                     get none\n"
    "  --tile SIZE        images larger than SIZE in either direction become a\n"
    "                     grid of SIZE x SIZE tiles (64..16384, a multiple of\n"
    "                     8).  By default images larger than 4096 become a\n"
    "                     grid of 1024 tiles, which readers can decode a row\n"
    "                     of tiles at a time.  Cameras use 512: smaller tiles\n"
    "                     cost more bytes (4-5% at 512 on 1-3 MP photos)\n"
    "  --no-grid          one coded image however large the input\n"
    "  --no-stream        read the whole image before encoding it.  By default\n"
    "                     a PNG or JPEG is read and encoded a band of rows at\n"
    "                     a time (memory follows its width, not its area; the\n"
    "                     same file), unless it is an interlaced PNG, is\n"
    "                     damaged where it starts, comes with\n"
    "                     --allow-truncated, or the encoder takes no bands\n"
    "                     (x265); Y4M is read whole\n"
    "  --no-alpha         drop the input's alpha channel\n"
    "  --no-metadata      do not copy Exif, XMP or the ICC profile (the EXIF\n"
    "                     orientation is still honoured)\n"
    "  --allow-truncated  encode a truncated or corrupt input as far as it\n"
    "                     could be read (JPEG: the rest grey; PNG: black),\n"
    "                     with a warning; without it such an input is an\n"
    "                     error (status 1) and nothing is written\n"
    "  --nclx auto|always where the colour description (nclx) goes: always\n"
    "                     in the coded image (HEVC VUI); a colr nclx box too\n"
    "                     with 'always', or with 'auto' (the default) only\n"
    "                     when it says more than the default that readers\n"
    "                     assume without one (sRGB, BT.601 matrix, full\n"
    "                     range) or an ICC profile is stored\n"
    "  --primaries P      colour primaries of the input (ITU-T H.273 number or\n"
    "                     name: bt709, bt2020, display-p3, ...; default bt709,\n"
    "                     sRGB's), stated in the nclx and the HEVC VUI\n"
    "  --transfer T       transfer characteristics (srgb, the default; bt709,\n"
    "                     linear, pq, hlg, ... or a number): samples are not\n"
    "                     converted, so a PQ or HLG 16-bit PNG is coded as\n"
    "                     it is, at 10 bits or with --bit-depth 12\n"
    "  --matrix M         RGB -> YCbCr matrix (bt601, the default; bt709,\n"
    "                     bt2020, fcc, smpte240m, or identity with 4:4:4 /\n"
    "                     -L; or a number)\n"
    "  --range full|limited  sample range of the coded image (default full)\n"
    "  --clli CLL,FALL    HDR content light levels in cd/m2 (a clli property)\n"
    "  --mdcv G(x,y)B(x,y)R(x,y)WP(x,y)L(max,min)\n"
    "                     HDR mastering display (an mdcv property), as x265's\n"
    "                     --master-display: x, y in 0.00002, L in 0.0001 cd/m2\n"
    "  --bit-depth 8|10|12  bits per coded sample (default 8 for 8-bit input,\n"
    "                     10 for deeper input)\n"
    "  --premultiplied-alpha  the input's colour is premultiplied by its\n"
    "                     alpha (written with a 'prem' reference)\n"
    "  --threads N        threads coding the image: one pool for grid tiles\n"
    "                     and the CTU rows of each picture (0 = one per CPU\n"
    "                     the process may use, the default; 1 = none); the\n"
    "                     output is the same for any N.  In a batch: at most\n"
    "                     N of the -j budget on one picture\n"
    "  -v, --verbose      more detail: metadata, settings, library notes,\n"
    "                     the library's memory peak (twice: library debug\n"
    "                     messages); in a batch, a line per file\n"
    "  --quiet            print nothing but errors (no progress line, no\n"
    "                     summary unless something failed)\n"
    "  -h, --help         show this help and exit\n"
    "  -V, --version      show the libheic version and exit\n"
    "  --                 end of options (for file names starting with '-')\n"
    "Options taking a value also accept --opt=VALUE and -qVALUE.\n"
    "One setting given two ways with different values (-q and -p quality or\n"
    "-p qp, -L and -p lossless, -q or --chroma 420 with -L, --chroma and\n"
    "-p chroma, --threads and -p threads, one -p NAME twice) is a usage\n"
    "error naming both; the same value twice is fine.\n"
    "\n"
    "Input handling:\n"
    "  16-bit PNG is stored as 10-bit HEVC (the encoders code 8 or 10 bits);\n"
    "  grey PNG/JPEG is stored as RGB.  An EXIF orientation is written as\n"
    "  irot/imir, so readers show the picture upright while the pixels stay\n"
    "  as they were (what Apple's cameras do); the copied Exif and XMP then\n"
    "  say orientation 1, so no viewer turns the picture twice.  ICC profiles\n"
    "  are kept when they describe RGB (a grey PNG's grey profile does not\n"
    "  fit the RGB image) and libpng accepts them: a profile it refuses (some\n"
    "  common sRGB copies it knows to be wrong) would stop libheif's tools\n"
    "  converting the HEIC to PNG; the nclx colour (sRGB) stands in for it.\n"
    "  Y4M frames are coded as they are (no RGB round trip), described as\n"
    "  BT.601 with unspecified primaries and transfer, as Y4M says nothing.\n"
    "  JPEG extended XMP (the APP1 segments a large packet continues in) is\n"
    "  not carried: a note says so, and the kept XMP loses its\n"
    "  xmpNote:HasExtendedXMP reference, so that it claims nothing absent.\n"
    "  A truncated or corrupt JPEG or PNG is refused unless --allow-truncated\n"
    "  (harmless libjpeg warnings, such as stray bytes, are only shown).\n"
    "\n"
    "Outside a batch, for each file a progress line and a summary are printed:\n"
    "dimensions, input and output bytes, bits per pixel and encode time.\n"
    "\n"
    "Exit status: 0 success (every file converted, or skipped by\n"
    "--skip-existing), 1 some input could not be read or encoded (missing,\n"
    "not a regular file, not an image, truncated or corrupt), 2 usage error\n"
    "(nothing converted), 3 some output could not be written, 4 internal\n"
    "error (libheic leaked memory), 130 interrupted (SIGINT, SIGTERM).  Later\n"
    "files are still attempted after a failure; the status is the most\n"
    "serious one seen.  An interruption keeps the outputs already complete,\n"
    "never leaves the ones in progress, and gives 130 when some output was\n"
    "left unwritten (not when it came after the last one was complete).  A\n"
    "second Ctrl-C kills at once.\n";

typedef struct enc_args {
  const char **inputs; /* argv entries; malloc'd array */
  size_t ninputs;
  const char **outputs; /* -o values, in order; malloc'd array */
  size_t noutputs;
  const char **params; /* -p values, NULL-terminated; malloc'd array */
  size_t nparams;
  const char *encoder; /* NULL: the library's default */
  int quality;
  int quality_given; /* -q was given: a -p quality or qp must agree with it */
  int lossless;
  int chroma_given;
  heic_chroma chroma;
  uint32_t thumb;
  uint32_t tile;
  int no_grid, no_alpha, no_metadata;
  int no_stream;       /* --no-stream: read the whole image first */
  int threads;
  int threads_given;
  int allow_truncated; /* encode a damaged input as far as it could be read */
  int nclx_always;     /* --nclx always: a colr nclx box even when it says the default */
  int primaries, transfer, matrix, range; /* --primaries ...: H.273 code points; -1: not given */
  heic_hdr hdr;        /* --clli, --mdcv */
  int bit_depth;       /* --bit-depth; 0: 8 for 8-bit input, else 10 */
  int premultiplied;   /* --premultiplied-alpha */
  int verbose, quiet;
  int list_encoders, list_params;
  batch_config batch; /* -r, -j, --files-from, ... (batch.h) */
} enc_args;

/* A run's state, shared with the library callbacks. */
typedef struct enc_run {
  const enc_args *args;
  const char *input; /* the file being encoded, for messages */
  int threads;        /* for its encoder: --threads, or a batch's share */
  heic_thread_pool *pool; /* a batch's budget of threads (borrowed); NULL: its own */
  batch_voice say;    /* where its messages go (in a batch: through it) */
  int create_dirs;    /* the output's directory is made if missing (-o DIR/,
                         a batch's -o DIR); else it must exist */
  double pixels;      /* the picture's size, once read */
  int progress_shown; /* a tile progress line is on the terminal */
  /* CLI_EXIT_INTERRUPTED once a signal has stopped the file in progress
   * (set by the progress callback, which is never called by two threads at
   * once, and read after the encode call returns). */
  int stopped;
  int streaming;      /* the file is read and encoded row by row */
} enc_run;

static int encoder_exists(const char *name) {
  for (uint32_t i = 0; i < heic_encoder_count(); i++) {
    const char *n = heic_encoder_name(i);
    if (n && strcmp(n, name) == 0) return 1;
  }
  return 0;
}

/* Whether the encoder (NULL: the default) lists the parameter named by
 * setting ("name=value"). */
static int encoder_has_param(const char *encoder, const char *setting) {
  size_t len = (size_t)(strchr(setting, '=') - setting);
  for (uint32_t i = 0;; i++) {
    const char *name = NULL, *type = NULL, *def = NULL, *help = NULL;
    if (heic_encoder_param(encoder ? encoder : "builtin", i, &name, &type, &def, &help) != HEIC_OK)
      return 0;
    if (name && strlen(name) == len && strncmp(name, setting, len) == 0) return 1;
  }
}

/* ---- settings given twice ----
 *
 * A setting given two ways (-q and -p quality, --chroma and -p chroma, -L
 * and -p lossless, --threads and -p threads, one -p NAME twice) used to be
 * settled silently by the order the library applies them in; a user who
 * wrote both meant something, and only one of them could happen.  So
 * different values are a usage error naming both; the same value twice is
 * harmless and accepted. */

/* The value of the last -p NAME=..., or NULL. */
static const char *param_value(const enc_args *a, const char *name) {
  const char *found = NULL;
  size_t len = strlen(name);
  for (size_t k = 0; k < a->nparams; k++)
    if (strncmp(a->params[k], name, len) == 0 && a->params[k][len] == '=') found = a->params[k] + len + 1;
  return found;
}

/* Values compared as the encoders read them: numbers by value ("050" is
 * 50), booleans by meaning ("true" is 1), anything else as written. */
static int canonical_value(const char *v, long *out) {
  if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
    *out = v[0] == 't';
    return 1;
  }
  char *end = NULL;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (!v[0] || *end || errno) return 0;
  *out = n;
  return 1;
}

static int same_value(const char *x, const char *y) {
  long a, b;
  if (canonical_value(x, &a) && canonical_value(y, &b)) return a == b;
  return strcmp(x, y) == 0;
}

static const char *chroma_option(heic_chroma c) {
  return c == HEIC_CHROMA_422 ? "422" : c == HEIC_CHROMA_444 ? "444" : "420";
}

static int refuse_conflicts(enc_args *a) {
  for (size_t j = 0; j < a->nparams; j++)
    for (size_t k = 0; k < j; k++) {
      size_t len = (size_t)(strchr(a->params[k], '=') - a->params[k]);
      if (strncmp(a->params[j], a->params[k], len + 1) == 0 &&
          !same_value(a->params[j] + len + 1, a->params[k] + len + 1))
        return cli_usage_error("heic-enc", "-p %s and -p %s set one parameter to different values",
                               a->params[k], a->params[j]);
    }
  const char *pq = param_value(a, "quality"), *qp = param_value(a, "qp");
  const char *pl = param_value(a, "lossless"), *pc = param_value(a, "chroma");
  const char *pt = param_value(a, "threads");
  char own[16];
  long n;
  snprintf(own, sizeof own, "%d", a->quality);
  if (a->quality_given && pq && !same_value(pq, own))
    return cli_usage_error("heic-enc", "-q %d and -p quality=%s ask for different qualities", a->quality, pq);
  /* -p quality alone is the quality, for the settings shown with -v too. */
  if (!a->quality_given && pq && canonical_value(pq, &n) && n >= 0 && n <= 100) a->quality = (int)n;
  /* qp (-1: from quality) replaces the quality when set. */
  int qp_set = qp && !(canonical_value(qp, &n) && n == -1);
  if (qp_set && (a->quality_given || pq))
    return cli_usage_error("heic-enc", "-p qp=%s and %s%s both set the compression (qp overrides the "
                           "quality): give one", qp, a->quality_given ? "-q " : "-p quality=",
                           a->quality_given ? own : pq);
  if (pl && canonical_value(pl, &n)) {
    if (a->lossless && n == 0)
      return cli_usage_error("heic-enc", "-L (--lossless) and -p lossless=%s contradict each other", pl);
    if (n == 1) a->lossless = 1; /* the same request: it implies 4:4:4 likewise */
  }
  if (a->lossless && (a->quality_given || pq || qp_set))
    return cli_usage_error("heic-enc", "%s and %s%s: lossless coding has no quality to set",
                           pl && !same_value(pl, "0") ? "-p lossless=1" : "-L (--lossless)",
                           a->quality_given ? "-q " : qp_set ? "-p qp=" : "-p quality=",
                           a->quality_given ? own : qp_set ? qp : pq);
  int chroma_by_param = 0;
  if (pc) {
    if (a->chroma_given && strcmp(pc, chroma_option(a->chroma)) != 0)
      return cli_usage_error("heic-enc", "--chroma %s and -p chroma=%s ask for different chroma formats",
                             chroma_option(a->chroma), pc);
    /* -p chroma is the coded format; the picture handed to the encoder
     * must be in it, which is what --chroma chooses. */
    if (!strcmp(pc, "420") || !strcmp(pc, "422") || !strcmp(pc, "444")) {
      chroma_by_param = !a->chroma_given;
      a->chroma = !strcmp(pc, "420") ? HEIC_CHROMA_420 : !strcmp(pc, "422") ? HEIC_CHROMA_422 : HEIC_CHROMA_444;
      a->chroma_given = 1;
    }
  }
  /* The library codes lossless pictures in 4:4:4 whatever else is asked. */
  if (a->lossless && a->chroma_given && a->chroma != HEIC_CHROMA_444)
    return cli_usage_error("heic-enc", "%s and %s%s: lossless coding is 4:4:4",
                           pl && !same_value(pl, "0") ? "-p lossless=1" : "-L (--lossless)",
                           chroma_by_param ? "-p chroma=" : "--chroma ", chroma_option(a->chroma));
  if (pt && a->threads_given) {
    snprintf(own, sizeof own, "%d", a->threads);
    if (!same_value(pt, own))
      return cli_usage_error("heic-enc", "--threads %d and -p threads=%s ask for different thread counts",
                             a->threads, pt);
  }
  return 0;
}

/* Returns 0 to go on, or an exit status (-1 meaning "exit 0 now"). */
/* x265's --master-display form: G(x,y)B(x,y)R(x,y)WP(x,y)L(max,min), the
 * mdcv fields in their own units, primaries in the order given. */
static int parse_mdcv(const char *s, heic_hdr *hdr) {
  unsigned v[10];
  char end;
  if (sscanf(s, "G(%u,%u)B(%u,%u)R(%u,%u)WP(%u,%u)L(%u,%u)%c", &v[0], &v[1], &v[2], &v[3], &v[4],
             &v[5], &v[6], &v[7], &v[8], &v[9], &end) != 10)
    return -1;
  for (int k = 0; k < 8; k++)
    if (v[k] > 50000) return -1; /* chromaticity above 1.0 */
  if (v[9] >= v[8] && v[8]) return -1; /* the minimum below the maximum */
  for (int c = 0; c < 3; c++) {
    hdr->primaries_x[c] = (uint16_t)v[2 * c];
    hdr->primaries_y[c] = (uint16_t)v[2 * c + 1];
  }
  hdr->white_x = (uint16_t)v[6];
  hdr->white_y = (uint16_t)v[7];
  hdr->max_luminance = v[8];
  hdr->min_luminance = v[9];
  hdr->has_mdcv = 1;
  return 0;
}

static int parse_args(int argc, char **argv, enc_args *a) {
  a->quality = DEFAULT_QUALITY;
  a->tile = 0; /* the library's choice */
  a->chroma = HEIC_CHROMA_420;
  a->primaries = a->transfer = a->matrix = a->range = -1;
  batch_config_init(&a->batch, "heic-enc");
  /* Every argument is at most one input, output or parameter, so argc
   * entries bound each list (plus the NULL that ends params). */
  a->inputs = calloc((size_t)argc, sizeof *a->inputs);
  a->outputs = calloc((size_t)argc, sizeof *a->outputs);
  a->params = calloc((size_t)argc + 1, sizeof *a->params);
  if (!a->inputs || !a->outputs || !a->params) {
    fputs("heic-enc: out of memory\n", stderr);
    return EXIT_INPUT;
  }
  int options_done = 0;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (options_done || arg[0] != '-' || !arg[1]) {
      a->inputs[a->ninputs++] = arg;
      continue;
    }
    int missing = 0, rc = 0;
    const char *v;
    unsigned long n;
    if (batch_option(&a->batch, argc, argv, &i, &rc)) {
      if (rc) return rc;
    } else if (strcmp(arg, "--") == 0) {
      options_done = 1;
    } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
      fputs(usage_text, stdout);
      return -1;
    } else if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
      printf("heic-enc (libheic) %s\n", heic_version_string());
      return -1;
    } else if (strcmp(arg, "-L") == 0 || strcmp(arg, "--lossless") == 0) {
      a->lossless = 1;
    } else if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
      a->verbose++;
    } else if (strcmp(arg, "-vv") == 0) {
      a->verbose += 2;
    } else if (strcmp(arg, "--quiet") == 0) {
      a->quiet = 1;
    } else if (strcmp(arg, "--list-encoders") == 0) {
      a->list_encoders = 1;
    } else if (strcmp(arg, "-P") == 0 || strcmp(arg, "--params") == 0) {
      /* -P as in libheif's heif-enc, so that its users' habit works. */
      a->list_params = 1;
    } else if (strcmp(arg, "--allow-truncated") == 0) {
      a->allow_truncated = 1;
    } else if (strcmp(arg, "--no-alpha") == 0) {
      a->no_alpha = 1;
    } else if (strcmp(arg, "--no-metadata") == 0) {
      a->no_metadata = 1;
    } else if (strcmp(arg, "--no-grid") == 0) {
      a->no_grid = 1;
    } else if (strcmp(arg, "--no-stream") == 0) {
      a->no_stream = 1;
    } else if (strcmp(arg, "--premultiplied-alpha") == 0) {
      a->premultiplied = 1;
    } else if ((v = cli_option_value(argc, argv, &i, "-q", "--quality", &missing)) != NULL) {
      if (cli_parse_uint(v, 100, &n) != 0)
        return cli_usage_error("heic-enc", "--quality needs a number from 0 to 100, not '%s'", v);
      a->quality = (int)n;
      a->quality_given = 1;
    } else if ((v = cli_option_value(argc, argv, &i, "-o", "--output", &missing)) != NULL) {
      if (!v[0]) return cli_usage_error("heic-enc", "-o needs a file or directory name");
      a->outputs[a->noutputs++] = v;
    } else if ((v = cli_option_value(argc, argv, &i, "-e", "--encoder", &missing)) != NULL) {
      a->encoder = v;
    } else if ((v = cli_option_value(argc, argv, &i, "-p", "--param", &missing)) != NULL) {
      const char *eq = strchr(v, '=');
      if (!eq || eq == v) return cli_usage_error("heic-enc", "-p takes NAME=VALUE, not '%s'", v);
      a->params[a->nparams++] = v;
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--chroma", &missing)) != NULL) {
      if (strcmp(v, "420") == 0)
        a->chroma = HEIC_CHROMA_420;
      else if (strcmp(v, "422") == 0)
        a->chroma = HEIC_CHROMA_422;
      else if (strcmp(v, "444") == 0)
        a->chroma = HEIC_CHROMA_444;
      else
        return cli_usage_error("heic-enc", "--chroma takes 420, 422 or 444, not '%s'", v);
      a->chroma_given = 1;
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--nclx", &missing)) != NULL) {
      if (strcmp(v, "always") == 0)
        a->nclx_always = 1;
      else if (strcmp(v, "auto") == 0)
        a->nclx_always = 0;
      else
        return cli_usage_error("heic-enc", "--nclx takes always or auto, not '%s'", v);
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--primaries", &missing)) != NULL ||
               (v = cli_option_value(argc, argv, &i, NULL, "--transfer", &missing)) != NULL ||
               (v = cli_option_value(argc, argv, &i, NULL, "--matrix", &missing)) != NULL) {
      /* which of the three: the option before its value */
      const char *opt = strncmp(arg, "--primaries", 11) == 0 ? "--primaries"
                        : strncmp(arg, "--transfer", 10) == 0 ? "--transfer" : "--matrix";
      h273_kind kind = opt[2] == 'p' ? H273_PRIMARIES : opt[2] == 't' ? H273_TRANSFER : H273_MATRIX;
      unsigned code;
      if (h273_parse(kind, v, &code) != 0) {
        char choices[700];
        return cli_usage_error("heic-enc", "%s takes a number from 0 to 255 or one of %s; not '%s'", opt,
                               h273_choices(kind, choices, sizeof choices), v);
      }
      int *field = kind == H273_PRIMARIES ? &a->primaries : kind == H273_TRANSFER ? &a->transfer : &a->matrix;
      *field = (int)code;
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--range", &missing)) != NULL) {
      if (strcmp(v, "full") == 0 || strcmp(v, "1") == 0)
        a->range = 1;
      else if (strcmp(v, "limited") == 0 || strcmp(v, "0") == 0)
        a->range = 0;
      else
        return cli_usage_error("heic-enc", "--range takes full (1) or limited (0), not '%s'", v);
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--clli", &missing)) != NULL) {
      unsigned cll, fall;
      char end;
      if (sscanf(v, "%u,%u%c", &cll, &fall, &end) != 2 || cll > 65535 || fall > 65535)
        return cli_usage_error("heic-enc", "--clli takes MAXCLL,MAXFALL in cd/m2 (0..65535 each), "
                               "e.g. 1000,400; not '%s'", v);
      a->hdr.has_clli = 1;
      a->hdr.max_cll = (uint16_t)cll;
      a->hdr.max_fall = (uint16_t)fall;
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--mdcv", &missing)) != NULL) {
      if (parse_mdcv(v, &a->hdr) != 0)
        return cli_usage_error("heic-enc", "--mdcv takes G(x,y)B(x,y)R(x,y)WP(x,y)L(max,min) as x265's "
                               "--master-display does (chromaticities in 0.00002, luminance in "
                               "0.0001 cd/m2); not '%s'", v);
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--bit-depth", &missing)) != NULL) {
      if (strcmp(v, "8") != 0 && strcmp(v, "10") != 0 && strcmp(v, "12") != 0)
        return cli_usage_error("heic-enc", "--bit-depth takes 8, 10 or 12, not '%s'", v);
      a->bit_depth = atoi(v);
    } else if ((v = cli_option_value(argc, argv, &i, "-t", "--thumb", &missing)) != NULL) {
      /* -t as in libheif's heif-enc (its --thumb too). */
      if (cli_parse_uint(v, MAX_TILE, &n) != 0)
        return cli_usage_error("heic-enc", "--thumb needs a size from 0 to %d pixels, not '%s'", MAX_TILE, v);
      a->thumb = (uint32_t)n;
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--tile", &missing)) != NULL) {
      /* Multiples of 8 keep every tile edge on a chroma sample and a
       * coding block boundary whatever the subsampling. */
      if (cli_parse_uint(v, MAX_TILE, &n) != 0 || n < MIN_TILE || n % 8 != 0)
        return cli_usage_error("heic-enc", "--tile needs a multiple of 8 from %d to %d, not '%s'", MIN_TILE,
                           MAX_TILE, v);
      a->tile = (uint32_t)n;
    } else if ((v = cli_option_value(argc, argv, &i, NULL, "--threads", &missing)) != NULL) {
      if (cli_parse_uint(v, 1024, &n) != 0)
        return cli_usage_error("heic-enc", "--threads needs a number from 0 to 1024, not '%s'", v);
      a->threads = (int)n;
      a->threads_given = 1;
      a->batch.threads = (int)n;
    } else if (missing) {
      return cli_usage_error("heic-enc", "%s needs a value", arg);
    } else {
      return cli_usage_error("heic-enc", "unknown option '%s'", arg);
    }
  }
  a->params[a->nparams] = NULL;
  if (a->encoder && !encoder_exists(a->encoder))
    return cli_usage_error("heic-enc", "unknown encoder '%s' (see --list-encoders)", a->encoder);
  /* Parameter names are checked now rather than by the first encode, which
   * may come after minutes of work on earlier files; values are left to the
   * encoder, which knows their rules. */
  for (size_t k = 0; k < a->nparams; k++)
    if (!encoder_has_param(a->encoder, a->params[k]))
      return cli_usage_error("heic-enc", "encoder '%s' has no parameter '%.*s' (see --params)",
                         a->encoder ? a->encoder : "builtin",
                         (int)(strchr(a->params[k], '=') - a->params[k]), a->params[k]);
  if (a->list_encoders || a->list_params) return 0;
  if (!a->ninputs && !a->batch.files_from) return cli_usage_error("heic-enc", "no input file");
  int rc = refuse_conflicts(a);
  if (rc) return rc;
  a->batch.quiet = a->quiet;
  a->batch.verbose = a->verbose;
  if (a->lossless && !a->chroma_given) a->chroma = HEIC_CHROMA_444;
  if (a->matrix == 0 && a->chroma != HEIC_CHROMA_444)
    return cli_usage_error("heic-enc", "--matrix identity (0, GBR) needs --chroma 444 or -L (H.265 allows "
                           "it with 4:4:4 only)");
  if (a->lossless && a->range == 0)
    return cli_usage_error("heic-enc", "-L keeps every sample; --range limited would round them");
  if (a->lossless && a->matrix > 0)
    return cli_usage_error("heic-enc", "-L codes RGB through the identity matrix; --matrix %d would round "
                           "the colours", a->matrix);
  return 0;
}

static int list_encoders(void) {
  uint32_t n = heic_encoder_count();
  for (uint32_t i = 0; i < n; i++) {
    const char *name = heic_encoder_name(i);
    const char *desc = heic_encoder_description(i);
    printf("%-10s %s%s\n", name ? name : "?", desc ? desc : "",
           name && strcmp(name, "builtin") == 0 ? " (default)" : "");
  }
  return 0;
}

/* What -p accepts for one parameter: "int 0..100", "bool (0|1)",
 * "a|b|c". */
static void param_kind(const heic_param_info *p, char *buf, size_t size) {
  if (p->type == HEIC_PARAM_INT) {
    snprintf(buf, size, "int %d..%d", p->min, p->max);
  } else if (p->type == HEIC_PARAM_BOOL) {
    snprintf(buf, size, "bool (0|1)");
  } else {
    size_t at = 0;
    buf[0] = '\0';
    for (const char *const *c = p->choices; c && *c && at < size; c++) {
      int n = snprintf(buf + at, size - at, "%s%s", c == p->choices ? "" : "|", *c);
      if (n < 0) break;
      at += (size_t)n;
    }
  }
}

/* -P / --params: every parameter of the encoder with what it accepts and
 * its default, as libheif's heif-enc -P lists its encoder's. */
static int list_params(const char *encoder) {
  const char *name = encoder ? encoder : "builtin";
  const heic_encoder_plugin *plugin = heic_encoder_plugin_find(name);
  if (!plugin || !plugin->param_info) {
    fprintf(stderr, "heic-enc: encoder '%s': %s\n", name, heic_status_string(HEIC_ERR_NOT_FOUND));
    return EXIT_INPUT;
  }
  printf("Parameters of encoder '%s' (set with -p NAME=VALUE):\n", name);
  uint32_t i = 0;
  for (const heic_param_info *p; (p = plugin->param_info(i)) != NULL; i++) {
    char kind[512];
    param_kind(p, kind, sizeof kind);
    const char *def = p->default_value && p->default_value[0] ? p->default_value : "-";
    /* A long list of choices gets a line of its own. */
    if (strlen(kind) > 20)
      printf("  %-16s %-20s default %-8s %s\n  %16s one of: %s\n", p->name ? p->name : "?", "choice", def,
             p->help ? p->help : "", "", kind);
    else
      printf("  %-16s %-20s default %-8s %s\n", p->name ? p->name : "?", kind, def, p->help ? p->help : "");
  }
  if (i == 0) printf("  (none)\n");
  return 0;
}

/* ---- output names ---- */

static int is_directory(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int ends_with_slash(const char *s) {
  size_t n = strlen(s);
  return n && s[n - 1] == '/';
}

/* The last path component without its extension: "a/b.photo.jpg" gives
 * "b.photo"; a leading dot is part of the name (".png" is a hidden file). */
static void input_stem(const char *input, const char **stem, size_t *len) {
  const char *slash = strrchr(input, '/');
  const char *base = slash ? slash + 1 : input;
  const char *dot = strrchr(base, '.');
  *stem = base;
  *len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
}

/* "<dir>/<stem>.heic" (malloc'd; NULL when out of memory).  dir NULL: the
 * input's own directory. */
static char *derived_output(const char *input, const char *dir) {
  const char *stem;
  size_t len;
  input_stem(input, &stem, &len);
  size_t prefix = dir ? strlen(dir) : (size_t)(stem - input);
  int need_slash = dir && prefix && dir[prefix - 1] != '/';
  size_t cap = prefix + 1 + len + sizeof ".heic";
  char *out = malloc(cap);
  if (out)
    snprintf(out, cap, "%.*s%s%.*s.heic", (int)prefix, dir ? dir : input, need_slash ? "/" : "",
             (int)len, stem);
  return out;
}

/* An output file's name says what it is: a.jpg written as HEIC would be
 * mistaken for a JPEG by every program that trusts the name (and the
 * user would not find out until one of them failed), so a name that
 * claims another image format is refused rather than written.  The HEIF
 * extensions are taken in any case; a name without an extension, or with
 * one that names no image format (out.tmp, "-", /dev/null), is written as
 * asked: it makes no claim. */
static const struct {
  const char *ext, *format;
  int heic_dec_writes; /* heic-dec can make this format from a HEIC */
} foreign_extensions[] = {
    {"jpg", "JPEG", 1},  {"jpeg", "JPEG", 1}, {"jpe", "JPEG", 1},     {"jfif", "JPEG", 1},
    {"png", "PNG", 1},   {"y4m", "Y4M", 1},   {"yuv", "YUV", 0},      {"avif", "AVIF", 0},
    {"webp", "WebP", 0}, {"tif", "TIFF", 0},  {"tiff", "TIFF", 0},    {"gif", "GIF", 0},
    {"bmp", "BMP", 0},   {"jxl", "JPEG XL", 0}, {"jp2", "JPEG 2000", 0}, {"ppm", "PPM", 0},
    {"pgm", "PGM", 0},   {"pnm", "PNM", 0},   {"exr", "OpenEXR", 0},  {"dng", "DNG", 0},
    {"heics", "a HEIF image sequence", 0}, {"avifs", "an AVIF sequence", 0},
};

/* The extension of path's last component ("" when none; a leading dot
 * starts a hidden name, not an extension). */
static const char *extension_of(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  const char *dot = strrchr(base, '.');
  return dot && dot != base ? dot + 1 : "";
}

static int ext_is(const char *ext, const char *want) {
  size_t i = 0;
  for (; ext[i] && want[i]; i++)
    if (tolower((unsigned char)ext[i]) != want[i]) return 0;
  return !ext[i] && !want[i];
}

/* 0, or a usage error when out names another image format. */
static int refuse_foreign_name(const char *out) {
  const char *ext = extension_of(out);
  for (size_t i = 0; i < sizeof foreign_extensions / sizeof foreign_extensions[0]; i++) {
    if (!ext_is(ext, foreign_extensions[i].ext)) continue;
    if (foreign_extensions[i].heic_dec_writes)
      return cli_usage_error("heic-enc", "%s: heic-enc writes HEIF/HEIC (.heic, .heif, .hif), not %s; use "
                             "heic-dec to write %s (from a HEIC)", out, foreign_extensions[i].format,
                             foreign_extensions[i].format);
    return cli_usage_error("heic-enc", "%s: heic-enc writes HEIF/HEIC (.heic, .heif, .hif), not %s; "
                           "name the output .heic", out, foreign_extensions[i].format);
  }
  return 0;
}

/* Guards against losing data, by what the paths are rather than how they
 * are spelled (see cli.h): an input replaced by an output (its own or
 * another's, e.g. "-o ./a.png" or a link to it), or two outputs that are
 * one file.  Returns 0 or an exit status. */
static int refuse_collisions(const enc_args *a, char *const *outs) {
  const size_t n = a->ninputs;
  cli_path_id *in = calloc(n, sizeof *in), *out = calloc(n, sizeof *out);
  int rc = 0;
  if (!in || !out) rc = -1;
  for (size_t i = 0; i < n && !rc; i++)
    if (cli_path_id_get(a->inputs[i], &in[i]) != 0 || cli_path_id_get(outs[i], &out[i]) != 0) rc = -1;
  if (rc) {
    fputs("heic-enc: out of memory\n", stderr);
    rc = EXIT_INPUT;
  }
  for (size_t i = 0; i < n && !rc; i++) {
    for (size_t j = 0; j < n && !rc; j++) {
      if (!cli_path_id_same(&out[i], &in[j])) continue;
      /* Without -o (or with -o DIR) the output was derived from the
       * input's name (a PNG called a.heic): -o is the way out.  With -o
       * FILE, the user named it. */
      int named = a->noutputs > 1 ? !is_directory(a->outputs[i])
                                  : a->noutputs == 1 && !ends_with_slash(a->outputs[0]) &&
                                        !is_directory(a->outputs[0]);
      if (i == j && !named)
        rc = cli_usage_error("heic-enc", "the output %s is the input %s (the same file): it would be "
                             "lost (name another output with -o)", outs[i], a->inputs[i]);
      else if (i == j)
        rc = cli_usage_error("heic-enc", "-o %s is the input %s (the same file): it would be lost "
                             "(give -o another name, such as a .heic one)", outs[i], a->inputs[i]);
      else
        rc = cli_usage_error("heic-enc", "the output %s of %s is the input %s (the same file): it "
                             "would be lost", outs[i], a->inputs[i], a->inputs[j]);
    }
    for (size_t j = 0; j < i && !rc; j++)
      if (cli_path_id_same(&out[i], &out[j]))
        rc = cli_usage_error("heic-enc", "%s and %s would both be written to one file (%s, %s)",
                             a->inputs[j], a->inputs[i], outs[j], outs[i]);
  }
  for (size_t i = 0; i < n; i++) {
    if (in) cli_path_id_clear(&in[i]);
    if (out) cli_path_id_clear(&out[i]);
  }
  free(in);
  free(out);
  return rc;
}

/* Fills outs[i] for every input.  Returns 0 or an exit status. */
static int plan_outputs(const enc_args *a, char **outs) {
  const char *dir = NULL;
  if (a->noutputs == 1 && (ends_with_slash(a->outputs[0]) || is_directory(a->outputs[0]))) {
    /* Created (when missing) only once an output is about to be written
     * there (write_output): a run that fails writes nothing, not even it. */
    dir = a->outputs[0];
  } else if (a->noutputs > 1 && a->noutputs != a->ninputs) {
    return cli_usage_error("heic-enc", "%zu input(s) but %zu -o options (give one per input, or one directory)",
                       a->ninputs, a->noutputs);
  } else if (a->noutputs == 1 && a->ninputs > 1) {
    return cli_usage_error("heic-enc", "with several inputs, -o must name a directory (end it with '/')");
  }

  for (size_t i = 0; i < a->ninputs; i++) {
    const char *in = a->inputs[i];
    if (a->noutputs > 1 && is_directory(a->outputs[i]))
      outs[i] = derived_output(in, a->outputs[i]);
    else if (a->noutputs == 1 && !dir)
      outs[i] = strdup(a->outputs[0]);
    else if (a->noutputs > 1)
      outs[i] = strdup(a->outputs[i]);
    else
      outs[i] = derived_output(in, dir);
    if (!outs[i]) {
      fputs("heic-enc: out of memory\n", stderr);
      return EXIT_INPUT;
    }
  }
  int rc = refuse_collisions(a, outs);
  /* After the collisions: "-o a.png is the input" says more than "not a
   * HEIC name". */
  for (size_t i = 0; i < a->ninputs && !rc; i++)
    if (!(a->noutputs > 1 && is_directory(a->outputs[i])) && !(dir && a->noutputs == 1))
      rc = refuse_foreign_name(outs[i]);
  return rc;
}

/* The directory part of out ("." when none); malloc'd, NULL when out of
 * memory. */
static char *output_dir(const char *out) {
  const char *slash = strrchr(out, '/');
  return slash ? strndup(out, slash == out ? 1 : (size_t)(slash - out)) : strdup(".");
}

/* Whether the output's directory accepts new files, checked before a long
 * encode rather than discovered after it.  A directory that does not exist
 * yet (-o new/) is judged by its nearest existing parent, where it will be
 * created.  0, or EXIT_OUTPUT after saying why. */
static int check_output_dir(enc_run *run, const char *out) {
  char *dir = output_dir(out);
  if (!dir) {
    batch_say_error(&run->say, "%s: out of memory", out);
    return EXIT_INPUT;
  }
  int rc = 0;
  struct stat st;
  /* Up to the first component that exists, when it will be created. */
  while (run->create_dirs) {
    if (stat(dir, &st) == 0 || errno != ENOENT) break;
    char *slash = strrchr(dir, '/');
    if (!slash) {
      strcpy(dir, ".");
    } else {
      while (slash > dir && slash[-1] == '/') slash--;
      if (slash == dir) slash++; /* "/" */
      *slash = '\0';
    }
  }
  if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
    /* access() would say "Permission denied" for a file in the way */
    batch_say_error(&run->say, "%s: cannot write there: %s is not a directory", out, dir);
    rc = EXIT_OUTPUT;
  } else if (access(dir, W_OK | X_OK) != 0) {
    batch_say_error(&run->say, "%s: cannot write to directory %s: %s", out, dir, strerror(errno));
    rc = EXIT_OUTPUT;
  }
  free(dir);
  return rc;
}

/* mkdir -p of out's directory, just before out is written.  *created gets
 * the outermost directory made (malloc'd; NULL when none was needed), so
 * that a failed write can take them away again.  0, or -1 with errno.
 * Workers of a batch create the same directories at once: EEXIST is
 * success. */
static int make_output_dirs(const char *out, char **created) {
  *created = NULL;
  char *p = output_dir(out);
  if (!p) return -1;
  int rc = 0;
  for (char *s = p + 1;; s++) {
    if (*s != '/' && *s) continue;
    char c = *s;
    *s = '\0';
    if (mkdir(p, 0777) == 0) {
      if (!*created && !(*created = strdup(p))) rc = -1;
    } else if (errno != EEXIST) {
      rc = -1;
    }
    *s = c;
    if (rc || !c) break;
  }
  if (rc == 0 && !is_directory(p)) {
    errno = ENOTDIR;
    rc = -1;
  }
  int saved = errno;
  free(p);
  errno = saved;
  return rc;
}

/* After a failed write: removes the directories make_output_dirs made for
 * out, innermost first, as far as they are empty (another worker may have
 * written beside it meanwhile). */
static void remove_output_dirs(const char *out, const char *created) {
  char *p = output_dir(out);
  if (!p) return;
  size_t top = strlen(created);
  while (strlen(p) >= top && rmdir(p) == 0) {
    char *slash = strrchr(p, '/');
    if (!slash || strlen(p) == top) break;
    *slash = '\0';
  }
  free(p);
}

/* ---- pictures ---- */

/* 16 bits to 10 with rounding: v * 1023 / 65535, to nearest.  The
 * encoders take 8 or 10 bits; 10 keeps what matters of a 16-bit PNG. */
static inline uint16_t scale_16_to_10(uint16_t v) {
  return (uint16_t)(((uint32_t)v * 1023u + 32767u) / 65535u);
}

/* The decoded file's first `rows` rows have been copied and will not be
 * read again: their whole pages go back to the system (Linux; elsewhere
 * nothing happens), so that the file's copy shrinks while the image grows
 * and a large picture is not held twice.  *done: bytes from data given back
 * so far.  The pages stay mapped (reading as zeros), so data is still freed
 * as usual. */
static void release_rows(imageio_image *src, uint32_t rows, size_t *done) {
#if defined(MADV_DONTNEED)
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) return;
  uintptr_t base = (uintptr_t)src->data, mask = (uintptr_t)page - 1;
  uintptr_t start = (base + *done + mask) & ~mask;
  uintptr_t end = (base + (uintptr_t)rows * src->stride) & ~mask;
  if (end <= start) return;
  (void)madvise((void *)start, end - start, MADV_DONTNEED);
  *done = end - base;
#else
  (void)src;
  (void)rows;
  (void)done;
#endif
}

enum { RELEASE_BAND = 32 }; /* rows per release_rows(): few calls, little held */

/* Interleaved PNG/JPEG samples to an RGB[A] heic_image: grey is repeated
 * into R, G and B; 16-bit samples become 10-bit.  On success src's samples
 * have been used up (rows given back as they were copied): the caller
 * frees src->data without reading it. */
static heic_status make_rgb_image(heic_allocator *alloc, imageio_image *src, int keep_alpha,
                                  heic_image **out) {
  int src_alpha = src->channels == 2 || src->channels == 4;
  int grey = src->channels <= 2;
  int alpha = src_alpha && keep_alpha;
  int depth = src->bit_depth == 16 ? 10 : 8;
  /* Every sample is written below: no zeroing, so the image's memory is
   * taken row by row as the file's is given back (release_rows). */
  heic_status st = heic_image_new_uninit(out, alloc, src->width, src->height, HEIC_LAYOUT_RGB,
                                         HEIC_CHROMA_444, depth, alpha);
  if (st != HEIC_OK) return st;
  size_t stride;
  uint8_t *plane = heic_image_plane_mut(*out, HEIC_PLANE_INTERLEAVED, &stride);
  if (!plane) {
    heic_image_free(out);
    return HEIC_ERR_INTERNAL;
  }
  const int sc = src->channels, dc = alpha ? 4 : 3;
  size_t released = 0;
  if (src->bit_depth == 8 && sc == dc) {
    /* RGB[A] 8-bit is already laid out as the image wants it (the common
     * case): whole rows at once. */
    for (uint32_t y = 0; y < src->height; y++) {
      memcpy(plane + (size_t)y * stride, src->data + (size_t)y * src->stride, (size_t)src->width * dc);
      if ((y + 1) % RELEASE_BAND == 0) release_rows(src, y + 1, &released);
    }
    return HEIC_OK;
  }
  for (uint32_t y = 0; y < src->height; y++) {
    if (y && y % RELEASE_BAND == 0) release_rows(src, y, &released);
    const uint8_t *s = src->data + (size_t)y * src->stride;
    uint8_t *d = plane + (size_t)y * stride;
    for (uint32_t x = 0; x < src->width; x++) {
      uint16_t px[4];
      for (int c = 0; c < sc; c++) {
        if (src->bit_depth == 16) {
          uint16_t v;
          memcpy(&v, s + ((size_t)x * sc + c) * 2, 2);
          px[c] = scale_16_to_10(v);
        } else {
          px[c] = s[(size_t)x * sc + c];
        }
      }
      uint16_t rgba[4];
      rgba[0] = px[0];
      rgba[1] = grey ? px[0] : px[1];
      rgba[2] = grey ? px[0] : px[2];
      rgba[3] = src_alpha ? px[sc - 1] : 0;
      for (int c = 0; c < dc; c++) {
        if (depth == 8)
          d[(size_t)x * dc + c] = (uint8_t)rgba[c];
        else
          memcpy(d + ((size_t)x * dc + c) * 2, &rgba[c], 2);
      }
    }
  }
  return HEIC_OK;
}

/* Y4M's 4:2:0 planes as they are: no round trip through RGB. */
static heic_status make_ycbcr_image(heic_allocator *alloc, const imageio_image *src,
                                    heic_image **out) {
  const imageio_y4m *yuv = &src->yuv;
  heic_status st = heic_image_new(out, alloc, src->width, src->height, HEIC_LAYOUT_YCBCR,
                                  HEIC_CHROMA_420, yuv->bit_depth, 0);
  if (st != HEIC_OK) return st;
  for (int p = 0; p < 3; p++) {
    size_t stride;
    uint8_t *plane = heic_image_plane_mut(*out, (heic_plane_id)p, &stride);
    if (!plane) {
      heic_image_free(out);
      return HEIC_ERR_INTERNAL;
    }
    for (uint32_t y = 0; y < yuv->plane_h[p]; y++) {
      const uint16_t *s = yuv->planes[p] + (size_t)y * yuv->strides[p];
      uint8_t *d = plane + (size_t)y * stride;
      for (uint32_t x = 0; x < yuv->plane_w[p]; x++) {
        if (yuv->bit_depth == 8)
          d[x] = (uint8_t)s[x];
        else
          memcpy(d + (size_t)x * 2, &s[x], 2);
      }
    }
  }
  /* Y4M says nothing about colour.  What produces it (ffmpeg's yuv420p
   * from photos) uses BT.601 coefficients; primaries and transfer are
   * truly unknown and so written as unspecified. */
  heic_nclx nclx = {.colour_primaries = 2, .transfer_characteristics = 2,
                    .matrix_coefficients = 6, .full_range = (uint8_t)(yuv->full_range != 0)};
  heic_image_set_nclx(*out, &nclx);
  return HEIC_OK;
}

/* ---- row by row (heic_context_encode_rows) ---- */

/* The file's rows as the library's row source wants them: what
 * make_rgb_image() makes of each row (grey repeated into R, G, B; 16 bits
 * to 10; alpha kept or dropped). */
typedef struct row_feed {
  imageio_rows *rows;
  const imageio_image *src; /* geometry */
  int alpha;                /* alpha in the output */
  uint8_t *raw;             /* the file's rows, malloc'd */
  size_t raw_rows;
  char why[256];            /* a read error */
} row_feed;

static heic_status feed_read(void *opaque, uint32_t y, uint32_t count, uint8_t *rows, size_t stride) {
  row_feed *f = opaque;
  const imageio_image *src = f->src;
  (void)y;
  const int sc = src->channels, dc = f->alpha ? 4 : 3;
  if (src->bit_depth == 8 && sc == dc && stride >= src->stride) {
    /* RGB[A] 8-bit is already laid out as the library wants it (the
     * common case): straight into its rows, no copy of our own. */
    if (imageio_image_rows_read(f->rows, rows, stride, count, f->why, sizeof f->why) != 0) return HEIC_ERR_IO;
    return HEIC_OK;
  }
  if (count > f->raw_rows) {
    uint8_t *grown = realloc(f->raw, (size_t)count * src->stride);
    if (!grown) return HEIC_ERR_OUT_OF_MEMORY;
    f->raw = grown;
    f->raw_rows = count;
  }
  if (imageio_image_rows_read(f->rows, f->raw, src->stride, count, f->why, sizeof f->why) != 0)
    return HEIC_ERR_IO;
  const int src_alpha = sc == 2 || sc == 4, grey = sc <= 2;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *s = f->raw + (size_t)i * src->stride;
    uint8_t *d = rows + (size_t)i * stride;
    for (uint32_t x = 0; x < src->width; x++) {
      uint16_t px[4] = {0, 0, 0, 0};
      for (int c = 0; c < sc; c++) {
        if (src->bit_depth == 16) {
          uint16_t v;
          memcpy(&v, s + ((size_t)x * sc + c) * 2, 2);
          px[c] = scale_16_to_10(v);
        } else {
          px[c] = s[(size_t)x * sc + c];
        }
      }
      uint16_t rgba[4] = {px[0], grey ? px[0] : px[1], grey ? px[0] : px[2], src_alpha ? px[sc - 1] : 0};
      for (int c = 0; c < dc; c++) {
        if (src->bit_depth == 8)
          d[(size_t)x * dc + c] = (uint8_t)rgba[c];
        else
          memcpy(d + ((size_t)x * dc + c) * 2, &rgba[c], 2);
      }
    }
  }
  return HEIC_OK;
}

static heic_status feed_rewind(void *opaque) {
  row_feed *f = opaque;
  return imageio_image_rows_rewind(f->rows, f->why, sizeof f->why) == 0 ? HEIC_OK : HEIC_ERR_IO;
}

/* Whether the encoder codes bands (heic_plugin.h API version 4). */
static int encoder_streams(const char *name) {
  const heic_encoder_plugin *p = heic_encoder_plugin_find(name);
  return p && p->api_version >= 4 && p->encode_begin && p->encode_rows && p->encode_end;
}

/* ICC profiles name the colour space they describe at bytes 16..19.  Only
 * an RGB one fits what we store (grey input becomes RGB). */
static int icc_is_rgb(const uint8_t *icc, size_t size) {
  return size >= 128 && memcmp(icc + 16, "RGB ", 4) == 0;
}

/* ---- messages ---- */

static void on_log(void *opaque, heic_log_level level, const char *message) {
  enc_run *run = opaque;
  const enc_args *a = run->args;
  /* Errors come back through the status and last_error: printing them here
   * too would show every failure twice. */
  if (level <= HEIC_LOG_ERROR || level > HEIC_LOG_DEBUG) return;
  /* Warnings unless --quiet; notes from -v, debug output from -vv. */
  if (level == HEIC_LOG_WARNING ? a->quiet : a->verbose < (int)level - 1) return;
  static const char *const label[] = {
      [HEIC_LOG_ERROR] = "error", [HEIC_LOG_WARNING] = "warning", [HEIC_LOG_INFO] = "note",
      [HEIC_LOG_DEBUG] = "debug"};
  batch_say_note(&run->say, "%s: %s: %s", run->input, label[level], message);
}

/* Tile progress, drawn in place on a terminal; also where Ctrl-C cancels. */
static int on_progress(void *opaque, uint32_t done, uint32_t total) {
  enc_run *run = opaque;
  int stop = cli_stop_requested();
  if (stop) {
    run->stopped = stop;
    return 1;
  }
  /* (a batch has its own progress line) */
  if (run->args->verbose && !run->say.batch && total > 1 && isatty(STDERR_FILENO)) {
    fprintf(stderr, "\r  %" PRIu32 "/%" PRIu32 " %s", done, total, run->streaming ? "rows" : "tiles");
    run->progress_shown = 1;
  }
  return 0;
}

static void end_progress(enc_run *run) {
  if (run->progress_shown) fputs("\r\033[K", stderr);
  run->progress_shown = 0;
}

static const char *chroma_name(heic_chroma c) {
  switch (c) {
  case HEIC_CHROMA_400: return "4:0:0";
  case HEIC_CHROMA_420: return "4:2:0";
  case HEIC_CHROMA_422: return "4:2:2";
  case HEIC_CHROMA_444: return "4:4:4";
  }
  return "?";
}

static const char *channels_name(const imageio_image *img) {
  static const char *const names[] = {"YCbCr", "grey", "grey+alpha", "RGB", "RGBA"};
  return img->channels >= 0 && img->channels <= 4 ? names[img->channels] : "?";
}

/* ---- one file ---- */

/* Encodes one input to out.  Returns 0 or an exit status. */
/* --primaries, --transfer, --matrix, --range, --clli, --mdcv and
 * --premultiplied-alpha on the image: what the input's samples are.  The
 * samples are not converted: a 16-bit PNG of PQ-coded values is said to be
 * PQ with --transfer pq (PNG itself cannot say so to libpng 1.6). */
static void apply_colour_options(const enc_args *a, heic_image *img) {
  heic_nclx n = heic_image_nclx(img);
  if (a->primaries >= 0) n.colour_primaries = (uint16_t)a->primaries;
  if (a->transfer >= 0) n.transfer_characteristics = (uint16_t)a->transfer;
  if (a->matrix >= 0) n.matrix_coefficients = (uint16_t)a->matrix;
  if (a->range >= 0) n.full_range = (uint8_t)a->range;
  heic_image_set_nclx(img, &n);
  if (a->hdr.has_clli || a->hdr.has_mdcv) heic_image_set_hdr(img, &a->hdr);
  if (a->premultiplied && heic_image_has_alpha(img)) heic_image_set_premultiplied(img, 1);
}

static int encode_one(enc_run *run, heic_allocator *alloc, const char *in, const char *out) {
  const enc_args *a = run->args;
  imageio_image src;
  heic_image *img = NULL;
  heic_context *ctx = NULL;
  char msg[256];
  /* A missing input is the first thing to say (before a missing output
   * directory): it is what the user has to fix first. */
  if (strcmp(in, "-") != 0 && access(in, R_OK) != 0) {
    batch_say_error(&run->say, "%s: cannot open: %s", in, strerror(errno));
    return EXIT_INPUT;
  }
  int rc = check_output_dir(run, out);
  if (rc) return rc;
  rc = EXIT_INPUT;
  run->input = in;

  double t_read = cli_now_seconds();
  /* Row by row when the file and the encoder allow it (see --no-stream):
   * then src holds the metadata and geometry, and no samples. */
  imageio_rows *rows = NULL;
  int whole = 1;
  char why_whole[256] = "";
  if (a->no_stream)
    snprintf(why_whole, sizeof why_whole, "--no-stream");
  else if (a->allow_truncated)
    snprintf(why_whole, sizeof why_whole, "--allow-truncated");
  else if (!encoder_streams(a->encoder))
    snprintf(why_whole, sizeof why_whole, "encoder '%s' takes no bands", a->encoder ? a->encoder : "builtin");
  if (!why_whole[0]) {
    int got = imageio_image_rows_open(in, &rows, &src, msg, sizeof msg);
    if (got < 0) {
      batch_say_error(&run->say, "%s: %s", in, msg);
      return EXIT_INPUT; /* src is zeroed on failure */
    }
    whole = got != 0;
    if (whole) snprintf(why_whole, sizeof why_whole, "%s", msg);
  }
  run->streaming = !whole;
  if (whole && imageio_image_read(in, &src, msg, sizeof msg) != 0) {
    batch_say_error(&run->say, "%s: %s", in, msg);
    return EXIT_INPUT; /* src is zeroed on failure */
  }
  t_read = cli_now_seconds() - t_read;
  run->pixels = (double)src.width * src.height;
  /* A damaged picture (a cut or corrupt file: part of it made up by the
   * decoder) is not what the user has; it is encoded only on request. */
  if (src.damage[0] && !a->allow_truncated) {
    batch_say_error(&run->say, "%s: %s; not encoded (--allow-truncated encodes what could be read)", in,
                    src.damage);
    imageio_image_free(&src);
    return EXIT_INPUT;
  }
  if (src.damage[0] && !a->quiet)
    batch_say_note(&run->say, "%s: warning: %s; encoding what could be read (--allow-truncated)", in,
                   src.damage);
  /* -L promises the input bit for bit; HEVC here codes at most 12 bits */
  if (a->lossless && src.bit_depth > 12) {
    batch_say_error(&run->say,
                    "%s: -L (--lossless): %d-bit samples cannot be coded losslessly (at most 12 bits "
                    "are coded); give 8-bit input, or code it lossy",
                    in, src.bit_depth);
    imageio_image_free(&src);
    return EXIT_INPUT;
  }
  /* libjpeg's first warning is the damage itself when there is some. */
  if (src.warning[0] && !a->quiet && !(src.damage[0] && strncmp(src.warning, "libjpeg:", 8) == 0))
    batch_say_note(&run->say, "%s: warning: %s", in, src.warning);
  /* Reading a large file takes a while and cannot be stopped half-way;
   * encoding would take longer still. */
  run->stopped = cli_stop_requested();
  if (run->stopped) {
    imageio_image_free(&src);
    imageio_image_rows_close(&rows);
    return run->stopped;
  }

  heic_encode_options opts;
  heic_encode_options_init(&opts);
  opts.encoder = a->encoder;
  opts.quality = a->quality;
  opts.lossless = a->lossless;
  opts.chroma = a->chroma;
  opts.params = a->nparams ? a->params : NULL;
  opts.tile_size = a->tile;
  opts.no_grid = a->no_grid;
  opts.no_alpha = a->no_alpha;
  /* A thumbnail no smaller than the image would only repeat it. */
  uint32_t longest = src.width > src.height ? src.width : src.height;
  opts.thumbnail_size = a->thumb < longest ? a->thumb : 0;
  /* Orientation is about showing the picture upright, not metadata: it is
   * honoured even with --no-metadata. */
  opts.orientation = src.orientation;
  opts.progress = on_progress;
  opts.progress_opaque = run;
  opts.nclx_box = a->nclx_always ? HEIC_NCLX_ALWAYS : HEIC_NCLX_AUTO;
  opts.bit_depth = a->bit_depth;
  /* RGB input is converted with the matrix asked for (the library refuses
   * one it cannot convert with); Y4M input is YCbCr already, and the
   * matrix only says how it was made. */
  if (a->matrix >= 0 && src.format != IMAGEIO_FORMAT_Y4M) opts.matrix_coefficients = a->matrix;

  if (!a->no_metadata) {
    if (src.exif) {
      /* The pixels are stored as they are and irot/imir carry the turn, so
       * the Exif copy must say "upright" or viewers would turn it twice. */
      imageio_exif_reset_orientation(src.exif, src.exif_size);
      opts.exif = src.exif;
      opts.exif_size = src.exif_size;
    }
    int unclaimed = 0; /* xmpNote:HasExtendedXMP references removed */
    if (src.xmp) {
      imageio_xmp_reset_orientation(src.xmp, src.xmp_size);
      /* Extended XMP is not carried (see below), so the packet must not
       * promise it: readers would look for data that is not there. */
      unclaimed = imageio_xmp_remove_extended_note(src.xmp, src.xmp_size);
      opts.xmp = src.xmp;
      opts.xmp_size = src.xmp_size;
    }
    /* Joining extended XMP back into the main packet (XMP part 3: GUID
     * check, reassembly, merging two RDF trees) is not done; what is lost
     * is said, rather than lost silently. */
    if (src.xmp_extended_segments && !a->quiet)
      batch_say_note(&run->say,
                     "%s: note: extended XMP left out (%zu bytes in %u APP1 segment(s)): heic-enc keeps "
                     "only the main XMP packet%s",
                     in, src.xmp_extended_bytes, src.xmp_extended_segments,
                     unclaimed ? ", without its xmpNote:HasExtendedXMP reference" : "");
    else if (unclaimed && a->verbose)
      batch_say_note(&run->say, "%s: note: the XMP names extended XMP that the file does not have; "
                     "that xmpNote:HasExtendedXMP reference is left out", in);
    if (src.icc) {
      char why[256] = ""; /* set when the profile is left out */
      if (!icc_is_rgb(src.icc, src.icc_size))
        snprintf(why, sizeof why, "it does not describe RGB");
      else if (imageio_png_icc_rejected(src.icc, src.icc_size, why, sizeof why) < 0)
        snprintf(why, sizeof why, "out of memory checking it");
      /* A profile libpng refuses would make the HEIC impossible to convert
       * to PNG with libheif's own tools.  Those it refuses are either known
       * bad copies of sRGB, which the nclx colour (sRGB by default) states
       * anyway, or broken. */
      if (!why[0]) {
        opts.icc = src.icc;
        opts.icc_size = src.icc_size;
      } else if (!a->quiet) {
        batch_say_note(&run->say, "%s: note: ICC profile left out (%s)", in, why);
      }
    }
  }

  if (a->verbose) {
    if (whole)
      batch_say_note(&run->say, "%s: %s %s %d-bit %" PRIu32 "x%" PRIu32 ", read whole (%s) in %.3f s", in,
                     imageio_format_name(src.format), channels_name(&src), src.bit_depth, src.width,
                     src.height, why_whole[0] ? why_whole : "not streamed", t_read);
    else
      batch_say_note(&run->say, "%s: %s %s %d-bit %" PRIu32 "x%" PRIu32 ", read and encoded row by row",
                     in, imageio_format_name(src.format), channels_name(&src), src.bit_depth, src.width,
                     src.height);
    batch_say_note(&run->say,
                   "%s: Exif %zu bytes, XMP %zu bytes, ICC %zu bytes%s, orientation %d%s", in,
                   src.exif_size, src.xmp_size, src.icc_size, a->no_metadata ? " (not copied)" : "",
                   src.orientation, src.orientation > 1 ? " (written as irot/imir)" : "");
    batch_say_note(&run->say, "%s: encoder %s, %s%d, chroma %s, tiles %s, thumbnail %" PRIu32, in,
                   a->encoder ? a->encoder : "builtin",
                   a->lossless ? "lossless, quality " : "quality ", a->quality,
                   src.format == IMAGEIO_FORMAT_Y4M ? "4:2:0 (Y4M)" : chroma_name(a->chroma),
                   a->no_grid ? "off" : "on", opts.thumbnail_size);
  }

  row_feed feed;
  memset(&feed, 0, sizeof feed);
  heic_row_source rsrc;
  memset(&rsrc, 0, sizeof rsrc);
  heic_status st = HEIC_OK;
  if (!whole) {
    /* What make_rgb_image() and apply_colour_options() make of the file. */
    feed.rows = rows;
    feed.src = &src;
    feed.alpha = (src.channels == 2 || src.channels == 4) && !a->no_alpha;
    rsrc.width = src.width;
    rsrc.height = src.height;
    rsrc.bit_depth = src.bit_depth == 16 ? 10 : 8;
    rsrc.has_alpha = feed.alpha;
    rsrc.alpha_premultiplied = a->premultiplied && feed.alpha;
    heic_nclx n = {1, 13, 6, 1}; /* sRGB, as an RGB heic_image starts */
    if (a->primaries >= 0) n.colour_primaries = (uint16_t)a->primaries;
    if (a->transfer >= 0) n.transfer_characteristics = (uint16_t)a->transfer;
    if (a->matrix >= 0) n.matrix_coefficients = (uint16_t)a->matrix;
    if (a->range >= 0) n.full_range = (uint8_t)a->range;
    rsrc.nclx = n;
    if (a->hdr.has_clli || a->hdr.has_mdcv) rsrc.hdr = a->hdr;
    rsrc.grey = src.channels <= 2; /* grey PNG; colour PNG: the library looks */
    rsrc.read = feed_read;
    rsrc.rewind = feed_rewind;
    rsrc.opaque = &feed;
  } else {
    st = src.format == IMAGEIO_FORMAT_Y4M ? make_ycbcr_image(alloc, &src, &img)
                                           : make_rgb_image(alloc, &src, !a->no_alpha, &img);
  }
  if (st != HEIC_OK) {
    batch_say_error(&run->say, "%s: cannot prepare the image: %s", in, heic_status_string(st));
    goto done;
  }
  if (img) apply_colour_options(a, img);
  /* The decoded samples are in img now; the file's copy can go before the
   * encoder starts allocating (metadata stays: opts points into it). */
  free(src.data);
  src.data = NULL;
  imageio_y4m_free(&src.yuv);

  heic_context_config cfg;
  heic_context_config_init(&cfg);
  cfg.allocator = alloc;
  cfg.log = on_log;
  cfg.log_opaque = run;
  cfg.threads = run->threads;
  st = heic_context_new(&ctx, &cfg);
  if (st == HEIC_OK && run->pool) st = heic_context_set_thread_pool(ctx, run->pool, run->threads);
  if (st != HEIC_OK) {
    batch_say_error(&run->say, "%s: %s", in, heic_status_string(st));
    goto done;
  }

  double t0 = cli_now_seconds();
  /* The library frees img once it has converted the samples, so that the
   * RGB image and the coded planes are not both held while coding. */
  if (whole)
    st = heic_context_encode_image_consume(ctx, &img, &opts, NULL);
  else
    st = heic_context_encode_rows(ctx, &rsrc, &opts, NULL);
  end_progress(run);
  if (st != HEIC_OK && run->stopped) {
    rc = run->stopped; /* main says what was not written */
    goto done;
  }
  if (st != HEIC_OK && feed.why[0]) {
    /* the file failed while its rows were read: its own reason */
    int damaged = strstr(feed.why, "truncated") || strstr(feed.why, "corrupt");
    batch_say_error(&run->say, "%s: %s; not encoded%s", in, feed.why,
                    damaged ? " (--allow-truncated encodes what could be read)" : "");
    rc = EXIT_INPUT;
    goto done;
  }
  if (st != HEIC_OK) {
    const char *detail = heic_context_last_error(ctx);
    batch_say_error(&run->say, "%s: %s%s%s", in, heic_status_string(st), detail[0] ? ": " : "",
                    detail);
    rc = EXIT_INPUT;
    goto done;
  }
  /* The output's directories appear only now, with the output. */
  char *created = NULL;
  if (run->create_dirs && make_output_dirs(out, &created) != 0) {
    batch_say_error(&run->say, "%s: cannot create its directory: %s", out, strerror(errno));
    rc = EXIT_OUTPUT;
    goto done;
  }
  st = heic_context_write_file(ctx, out);
  double elapsed = cli_now_seconds() - t0;
  if (st != HEIC_OK && created) remove_output_dirs(out, created);
  free(created);
  if (st != HEIC_OK) {
    const char *detail = heic_context_last_error(ctx);
    batch_say_error(&run->say, "%s: %s%s%s", out, heic_status_string(st), detail[0] ? ": " : "",
                    detail);
    rc = st == HEIC_ERR_IO ? EXIT_OUTPUT : EXIT_INPUT;
    goto done;
  }

  if (!a->quiet && !run->say.batch) {
    struct stat in_st, out_st;
    long long in_bytes = stat(in, &in_st) == 0 ? (long long)in_st.st_size : -1;
    long long out_bytes = stat(out, &out_st) == 0 ? (long long)out_st.st_size : -1;
    double bpp = out_bytes >= 0 ? (double)out_bytes * 8.0 / ((double)src.width * src.height) : 0;
    printf("  %" PRIu32 "x%" PRIu32 " %s %s %d-bit, %lld -> %lld bytes, %.3f bpp, %.2f s\n",
           src.width, src.height, imageio_format_name(src.format), channels_name(&src),
           src.bit_depth, in_bytes, out_bytes, bpp, elapsed);
    /* The library's own account (what max_memory would count), beside
     * which the process's RSS adds the PNG/JPEG reader and the C library's
     * caching; the peak so far over this run's files. */
    if (a->verbose)
      printf("  library memory peak: %.1f MB\n",
             (double)heic_allocator_peak_bytes(alloc) / (1024.0 * 1024.0));
  }
  rc = 0;

done:
  heic_image_free(&img);
  heic_context_free(&ctx);
  imageio_image_free(&src);
  imageio_image_rows_close(&rows);
  free(feed.raw);
  return rc;
}

/* ---- batches (tools/batch.c) ---- */

/* The extensions taken from directories. */
static const char *const enc_extensions[] = {"png", "jpg", "jpeg", "y4m", NULL};

/* Whether this command line is a batch: a directory, a list, a batch
 * option, or several files sharing one -o (or none).  One file, and one
 * -o per input, keep their single-file behaviour. */
static int any_directory(const enc_args *a) {
  for (size_t i = 0; i < a->ninputs; i++)
    if (is_directory(a->inputs[i])) return 1;
  return 0;
}

static int is_batch(const enc_args *a) {
  if (a->batch.any || a->batch.files_from || any_directory(a)) return 1;
  return a->ninputs > 1 && a->noutputs <= 1;
}

typedef struct enc_batch {
  const enc_args *args;
  int create_dirs; /* under -o DIR */
  heic_allocator **allocs; /* one per worker: each its own leak canary */
  heic_thread_pool *pool;  /* the batch's threads, shared by the files */
} enc_batch;

static int enc_convert(void *opaque, batch_run *br, int worker, const batch_file *f, int threads,
                       double *pixels, char *err, size_t err_size) {
  enc_batch *eb = opaque;
  heic_allocator *alloc = eb->allocs[worker];
  enc_run run = {.args = eb->args, .threads = threads, .pool = eb->pool,
                 .say = {"heic-enc", br, err, err_size}, .create_dirs = eb->create_dirs};
  int rc = encode_one(&run, alloc, f->input, f->output);
  *pixels = run.pixels;
  size_t leaked = heic_allocator_outstanding_bytes(alloc);
  if (leaked) {
    snprintf(err, err_size, "%s: internal error: %zu bytes leaked", f->input, leaked);
    return EXIT_LEAK;
  }
  return rc;
}

static int run_batch(enc_args *a) {
  batch_config *cfg = &a->batch;
  cfg->exts = enc_extensions;
  cfg->out_ext = "heic";
  if (a->noutputs > 1)
    return cli_usage_error("heic-enc", "one -o per input does not combine with directories, "
                           "--files-from or batch options: give one -o DIR");
  if (a->noutputs == 1) {
    const char *o = a->outputs[0];
    struct stat st;
    int exists = stat(o, &st) == 0, is_dir = exists && S_ISDIR(st.st_mode);
    int listing = cfg->files_from || any_directory(a);
    /* One file with a batch option (--skip-existing, --keep-mtime) and
     * -o OUT.heic: OUT.heic is its output, as without the option. */
    int one_file = !listing && a->ninputs == 1 && !is_dir && !ends_with_slash(o);
    if (exists && !is_dir && !one_file)
      return cli_usage_error("heic-enc", "-o %s: with several inputs or a directory, -o must name a "
                             "directory", o);
    /* Several plain files and -o out.heic is a slip, not a request for a
     * directory called out.heic: as before batches existed, a directory
     * that does not exist yet needs its '/' then. */
    if (!exists && !ends_with_slash(o) && !listing && a->ninputs > 1 && !cfg->any)
      return cli_usage_error("heic-enc", "with several inputs, -o must name a directory (end it with '/')");
    if (one_file)
      cfg->out_file = o;
    else
      cfg->out_dir = o;
  }
  batch_list list;
  int rc = batch_list_build(cfg, (char *const *)a->inputs, a->ninputs, &list);
  if (!rc) rc = batch_plan(cfg, &list);
  /* After the collisions, as for a single file (plan_outputs). */
  if (!rc && cfg->out_file) rc = refuse_foreign_name(cfg->out_file);
  /* DIR and its subdirectories appear with the first output written in
   * each (encode_one): a batch whose files all fail leaves nothing. */
  cfg->defer_dirs = 1;
  enc_batch eb = {.args = a, .create_dirs = cfg->out_dir != NULL};
  int workers = batch_workers(cfg, &list);
  if (!rc) {
    eb.allocs = calloc((size_t)workers, sizeof *eb.allocs);
    if (!eb.allocs) rc = EXIT_INPUT;
    for (int w = 0; w < workers && !rc; w++)
      if (heic_allocator_new(&eb.allocs[w], NULL) != HEIC_OK) rc = EXIT_INPUT;
    if (rc) fputs("heic-enc: out of memory\n", stderr);
  }
  if (!rc) {
    cli_stop_init("heic-enc");
    batch_pool bp;
    const batch_helping *help = batch_pool_open(&bp);
    eb.pool = bp.pool;
    rc = batch_run_all(cfg, &list, enc_convert, &eb, help);
    batch_pool_close(&bp);
  }
  if (eb.allocs)
    for (int w = 0; w < workers; w++) heic_allocator_free(&eb.allocs[w]);
  free(eb.allocs);
  batch_list_free(&list);
  return rc;
}

int main(int argc, char **argv) {
  /* Past a file size limit (ulimit -f) the default action kills us in the
   * middle of a write; ignored, the write fails with EFBIG and the library
   * reports it. */
  signal(SIGXFSZ, SIG_IGN);

  enc_args args;
  memset(&args, 0, sizeof args);
  char **outs = NULL;
  heic_allocator *alloc = NULL;
  int rc = parse_args(argc, argv, &args);
  if (rc < 0) {
    rc = fflush(stdout) == 0 ? 0 : EXIT_OUTPUT; /* --help, --version */
    goto done;
  }
  if (rc) goto done;
  if (args.list_encoders || args.list_params) {
    if (args.list_encoders) rc = list_encoders();
    if (!rc && args.list_params) rc = list_params(args.encoder);
    if (fflush(stdout) != 0 && !rc) rc = EXIT_OUTPUT;
    goto done;
  }
  if (is_batch(&args)) {
    rc = run_batch(&args);
    goto done;
  }

  outs = calloc(args.ninputs, sizeof *outs);
  if (!outs) {
    fputs("heic-enc: out of memory\n", stderr);
    rc = EXIT_INPUT;
    goto done;
  }
  rc = plan_outputs(&args, outs);
  if (rc) goto done;

  heic_status st = heic_allocator_new(&alloc, NULL);
  if (st != HEIC_OK) {
    fprintf(stderr, "heic-enc: %s\n", heic_status_string(st));
    rc = EXIT_INPUT;
    goto done;
  }

  /* Ctrl-C cancels the encode in progress through the progress callback,
   * and the library frees everything; nothing of that output is left. */
  cli_stop_init("heic-enc");

  /* -o DIR/ (one output for all inputs, and a directory) is created when
   * missing; a file's directory must exist, as for any other tool. */
  int to_dir = args.noutputs == 1 && (ends_with_slash(args.outputs[0]) || is_directory(args.outputs[0]));
  enc_run run = {.args = &args, .threads = args.threads, .say = {"heic-enc", NULL, NULL, 0},
                 .create_dirs = to_dir};
  size_t done_files = 0;
  int leaked_any = 0;
  for (; done_files < args.ninputs; done_files++) {
    size_t i = done_files;
    if ((run.stopped = cli_stop_requested()) != 0) break;
    if (!args.quiet) {
      printf("[%zu/%zu] %s -> %s\n", i + 1, args.ninputs, args.inputs[i], outs[i]);
      fflush(stdout); /* before the encode, so the line shows while it runs */
    }
    int one = encode_one(&run, alloc, args.inputs[i], outs[i]);
    /* The leak canary: after each file every context and image is gone, so
     * nothing may remain on our allocator. */
    size_t leaked = heic_allocator_outstanding_bytes(alloc);
    if (leaked) {
      fprintf(stderr, "heic-enc: %s: internal error: %zu bytes leaked\n", args.inputs[i], leaked);
      leaked_any = 1;
    }
    if (run.stopped) break;
    /* Output trouble outranks input trouble. */
    if (one > rc) rc = one;
  }
  /* A stop after the last output was complete changes nothing; one that
   * left an output unwritten says so, in the status too. */
  if (run.stopped && done_files < args.ninputs) {
    char why[96];
    fprintf(stderr, "heic-enc: %s: not written: %s\n", outs[done_files],
            cli_stop_reason(run.stopped, why, sizeof why));
    if (args.ninputs - done_files > 1)
      fprintf(stderr, "heic-enc: nor the %zu output(s) after it\n", args.ninputs - done_files - 1);
    rc = run.stopped;
  }
  /* A leak outranks everything: it is a bug in libheic. */
  if (leaked_any) rc = EXIT_LEAK;

done:
  if (outs)
    for (size_t i = 0; i < args.ninputs; i++) free(outs[i]);
  free(outs);
  free(args.inputs);
  free(args.outputs);
  free(args.params);
  heic_allocator_free(&alloc);
  if (fflush(stdout) != 0 && rc == 0) rc = EXIT_OUTPUT;
  return rc;
}
