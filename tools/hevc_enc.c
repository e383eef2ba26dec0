/*
 * hevc-enc: encode one Y4M picture with libheic's HEVC encoder.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Output is an Annex-B byte stream (start code before every NAL unit);
 * --recon writes the decoded picture exactly as a conforming decoder
 * reconstructs it (cropped to the input size rounded up to even), so that
 * the stream can be checked against any decoder byte for byte.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/mem.h"
#include "heic/heic_common.h"
#include "hevc/hevc_encoder.h"
#include "y4m_read.h"
#include "outfile.h"

enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_OUTPUT = 3, EXIT_INTERNAL = 4 };

static const char *const usage_text =
    "Usage: hevc-enc [options] IN.y4m -o OUT.hevc\n"
    "\n"
    "Encodes the first frame of IN.y4m (4:2:0, 4:2:2, 4:4:4 or monochrome -\n"
    "C420*, C422*, C444*, Cmono* - at 8, 10 or 12 bits; the Y4M colour space\n"
    "is the chroma format coded) as one HEVC IDR picture in an Annex-B byte\n"
    "stream: Main, Main 10 or Main 12 profile for 4:2:0, Main 4:2:2 10 (8 and\n"
    "10 bits) or Main 4:2:2 12 for 4:2:2, Main 4:4:4, Main 4:4:4 10 or Main\n"
    "4:4:4 12 for 4:4:4, Monochrome, Monochrome 10 or Monochrome 12 for\n"
    "4:0:0.  Odd 4:2:0 sizes are coded padded to even ones, odd 4:2:2 widths\n"
    "likewise (the conformance window counts chroma samples).  Outputs are never seen partial: each\n"
    "is written unnamed, fsync'd and given its name only when complete, even\n"
    "if the encoder is killed.\n"
    "\n"
    "Options:\n"
    "  -o FILE          the HEVC stream to write (required)\n"
    "  --qp N           quantisation parameter 0..51 (default 27)\n"
    "  --lossless       lossless coding (transquant bypass in every CU): the\n"
    "                   decoded picture is the input; --qp and the filter,\n"
    "                   sign hiding, RDOQ and transform skip settings are\n"
    "                   then moot\n"
    "  --recon FILE     also write the reconstructed picture as Y4M\n"
    "  --preset NAME    search effort: ultrafast, fast, medium (default), slow\n"
    "                   or veryslow; the options below override single\n"
    "                   settings of the preset\n"
    "  --ctu 32|64      CTU size (default 64)\n"
    "  --rd N           luma modes kept for full RD after SATD, 1..35\n"
    "  --intra-step N   SATD pre-selection tries every Nth angular mode, then\n"
    "                   refines around the best (1, 2, 4 or 8; 1 tries all 35)\n"
    "  --mpm-rd N       most probable modes always given full RD, 0..3\n"
    "  --chroma-rd N    chroma modes coded for RD, 1..5\n"
    "  --early-exit N   0: exhaustive split search; 1: no split of CUs that\n"
    "                   code no or few bits, no NxN under 48 bits; 2: also\n"
    "                   64x64 CUs only where the 32x32 quarters stay whole,\n"
    "                   no NxN under 96 bits; 3: also 32x32 CUs only where\n"
    "                   the 16x16 quarters stay whole, 8x8 CUs only in\n"
    "                   16x16 CUs of over 512 bits\n"
    "  --chroma-qp-offset N  Cb and Cr QP offset, -12..12 (default 0; 6 in\n"
    "                   4:4:4)\n"
    "  --ccp 0|1        4:4:4: cross-component prediction of chroma residuals\n"
    "                   from the luma residual (always on with --lossless)\n"
    "  --transform-skip 0|1  4x4 blocks may be coded untransformed (needs RDOQ)\n"
    "  --no-deblock     disable the deblocking filter\n"
    "  --no-sao         disable sample adaptive offset\n"
    "  --no-sign-hiding disable sign data hiding\n"
    "  --no-hash        no MD5 picture hash SEI (by default the stream ends\n"
    "                   with one, for decoders to check their output)\n"
    "  --nxn            try 4x4 luma partitions in 8x8 CUs (medium and\n"
    "                   slower do)\n"
    "  --no-nxn         do not try 4x4 luma partitions\n"
    "  --rdoq 0|1       rate-distortion optimised quantisation\n"
    "  --tu-cand N      modes whose transform tree is searched (--tu-depth > 0)\n"
    "  --rate-est 0|1   candidates' residual rates from RDOQ's estimate\n"
    "  --tu-depth N     transform tree depth below a CU searched by RD, 0..4\n"
    "                   (at most 3 with --ctu 32)\n"
    "  --cu-sizes MIN-MAX  CU sizes the search tries, of 8, 16, 32, 64 (e.g.\n"
    "                   16-32; larger CUs are always split)\n"
    "  --threads N      threads coding the picture (default 0: one per CPU\n"
    "                   the process may use); the output is the same for any N\n"
    "  --wpp 0|1        wavefront parallel processing: CTU rows coded two\n"
    "                   CTUs apart on several threads (default 1); 0 codes\n"
    "                   one substream, rows one after another\n"
    "  --qp-jitter N    testing aid: vary the QP by up to +-N from CTU to CTU\n"
    "  -v, --verbose    print size, bits per pixel and time\n"
    "  -h, --help       show this help and exit\n"
    "  -V, --version    show the libheic version and exit\n"
    "\n"
    "Exit status: 0 success, 1 the input could not be read, 2 usage error,\n"
    "3 an output could not be written, 4 encoder failure (or leaked memory).\n";

static const char *const k_chroma_names[4] = {"4:0:0", "4:2:0", "4:2:2", "4:4:4"};

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "hevc-enc: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry 'hevc-enc --help'.\n");
  return EXIT_USAGE;
}

static int parse_int(const char *s, int lo, int hi, int *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return -1;
  *out = (int)v;
  return 0;
}

/* log2 of a CU size 8, 16, 32 or 64; -1 for any other value. */
static int cu_log2_of(int size) {
  for (int l = 3; l <= 6; l++)
    if (size == 1 << l) return l;
  return -1;
}

static int write_stream(const char *path, const hevc_enc_output *out, char *msg, size_t msz) {
  imageio_outfile *of = NULL;
  if (imageio_outfile_open(&of, path, msg, msz)) return -1;
  static const unsigned char sc[4] = {0, 0, 0, 1};
  for (int i = 0; i < out->count; i++) {
    size_t n = heic_buffer_size(out->nal[i].buf);
    if (imageio_outfile_write(of, sc, 4, msg, msz) != 0 ||
        imageio_outfile_write(of, heic_buffer_data(out->nal[i].buf), n, msg, msz) != 0) {
      imageio_outfile_abort(&of);
      return -1;
    }
  }
  return imageio_outfile_commit(&of, msg, msz);
}

static int write_recon(const char *path, const hevc_enc_recon *r, char *msg, size_t msz) {
  imageio_outfile *of = NULL;
  if (imageio_outfile_open(&of, path, msg, msz)) return -1;
  char header[128], cs[40];
  if (r->chroma_format == HEVC_CHROMA_400 && r->bit_depth > 8)
    snprintf(cs, sizeof cs, "Cmono%d", r->bit_depth);
  else if (r->chroma_format == HEVC_CHROMA_400)
    snprintf(cs, sizeof cs, "Cmono");
  else if (r->chroma_format == HEVC_CHROMA_444 && r->bit_depth > 8)
    snprintf(cs, sizeof cs, "C444p%d XYSCSS=444P%d", r->bit_depth, r->bit_depth);
  else if (r->chroma_format == HEVC_CHROMA_444)
    snprintf(cs, sizeof cs, "C444 XYSCSS=444");
  else if (r->chroma_format == HEVC_CHROMA_422 && r->bit_depth > 8)
    snprintf(cs, sizeof cs, "C422p%d XYSCSS=422P%d", r->bit_depth, r->bit_depth);
  else if (r->chroma_format == HEVC_CHROMA_422)
    snprintf(cs, sizeof cs, "C422 XYSCSS=422");
  else if (r->bit_depth > 8)
    snprintf(cs, sizeof cs, "C420p%d XYSCSS=420P%d", r->bit_depth, r->bit_depth);
  else
    snprintf(cs, sizeof cs, "C420jpeg XYSCSS=420JPEG");
  int len = snprintf(header, sizeof header, "YUV4MPEG2 W%u H%u F25:1 Ip A0:0 %s\nFRAME\n", r->width,
                     r->height, cs);
  int ok = imageio_outfile_write(of, header, (size_t)len, msg, msz) == 0;
  unsigned char *row = malloc((size_t)r->plane_w[0] * 2);
  if (!row && ok) {
    snprintf(msg, msz, "out of memory");
    ok = 0;
  }
  for (int c = 0; c < 3 && ok; c++)
    for (uint32_t y = 0; r->planes[c] && y < r->plane_h[c] && ok; y++) {
      const uint16_t *p = r->planes[c] + (size_t)y * (size_t)r->strides[c];
      size_t n = 0;
      for (uint32_t x = 0; x < r->plane_w[c]; x++) {
        row[n++] = (unsigned char)p[x];
        if (r->bit_depth > 8) row[n++] = (unsigned char)(p[x] >> 8);
      }
      ok = imageio_outfile_write(of, row, n, msg, msz) == 0;
    }
  free(row);
  if (!ok) {
    imageio_outfile_abort(&of);
    return -1;
  }
  return imageio_outfile_commit(&of, msg, msz);
}

int main(int argc, char **argv) {
  const char *in = NULL, *outp = NULL, *recon = NULL;
  int verbose = 0;
  hevc_enc_config cfg;
  int cqp_set = 0; /* --chroma-qp-offset given: it holds for every format */
  hevc_enc_config_default(&cfg);
  /* The preset first, wherever it is on the command line, so that the
   * single settings given with it always override it. */
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--preset")) {
      int p = hevc_enc_preset_from_name(argv[i + 1]);
      if (p < 0)
        return usage_error("--preset: '%s' is not ultrafast, fast, medium, slow or veryslow",
                           argv[i + 1]);
      (void)hevc_enc_config_preset(&cfg, (hevc_enc_preset)p);
      i++;
    }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VAL()                                              \
  do {                                                          \
    if (!val) return usage_error("option %s needs a value", a); \
    i++;                                                        \
  } while (0)
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(usage_text, stdout);
      return 0;
    } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
      printf("hevc-enc (libheic) %s\n", heic_version_string());
      return fflush(stdout) == 0 ? 0 : 3;
    } else if (!strcmp(a, "-o")) {
      NEED_VAL();
      outp = val;
    } else if (!strcmp(a, "--qp")) {
      NEED_VAL();
      if (parse_int(val, 0, 51, &cfg.qp)) return usage_error("--qp: '%s' is not 0..51", val);
    } else if (!strcmp(a, "--preset")) {
      NEED_VAL(); /* applied above */
    } else if (!strcmp(a, "--recon")) {
      NEED_VAL();
      recon = val;
    } else if (!strcmp(a, "--ctu")) {
      int v;
      NEED_VAL();
      if (parse_int(val, 32, 64, &v) || (v != 32 && v != 64))
        return usage_error("--ctu: '%s' is not 32 or 64", val);
      cfg.ctu_log2 = v == 32 ? 5 : 6;
    } else if (!strcmp(a, "--rd")) {
      NEED_VAL();
      if (parse_int(val, 1, 35, &cfg.rd_candidates)) return usage_error("--rd: '%s' is not 1..35", val);
    } else if (!strcmp(a, "--intra-step")) {
      NEED_VAL();
      if (parse_int(val, 1, 8, &cfg.intra_step) || (cfg.intra_step & (cfg.intra_step - 1)))
        return usage_error("--intra-step: '%s' is not 1, 2, 4 or 8", val);
    } else if (!strcmp(a, "--mpm-rd")) {
      NEED_VAL();
      if (parse_int(val, 0, 3, &cfg.mpm_rd)) return usage_error("--mpm-rd: '%s' is not 0..3", val);
    } else if (!strcmp(a, "--chroma-rd")) {
      NEED_VAL();
      if (parse_int(val, 1, 5, &cfg.chroma_candidates))
        return usage_error("--chroma-rd: '%s' is not 1..5", val);
    } else if (!strcmp(a, "--ccp")) {
      NEED_VAL();
      if (parse_int(val, 0, 1, &cfg.ccp)) return usage_error("--ccp: '%s' is not 0 or 1", val);
    } else if (!strcmp(a, "--transform-skip")) {
      NEED_VAL();
      if (parse_int(val, 0, 1, &cfg.transform_skip))
        return usage_error("--transform-skip: '%s' is not 0 or 1", val);
    } else if (!strcmp(a, "--chroma-qp-offset")) {
      NEED_VAL();
      if (parse_int(val, -12, 12, &cfg.chroma_qp_offset))
        return usage_error("--chroma-qp-offset: '%s' is not -12..12", val);
      cqp_set = 1;
    } else if (!strcmp(a, "--tu-cand")) {
      NEED_VAL();
      if (parse_int(val, 1, 35, &cfg.tu_candidates))
        return usage_error("--tu-cand: '%s' is not 1..35", val);
    } else if (!strcmp(a, "--rate-est")) {
      NEED_VAL();
      if (parse_int(val, 0, 1, &cfg.rate_estimate))
        return usage_error("--rate-est: '%s' is not 0 or 1", val);
    } else if (!strcmp(a, "--tu-depth")) {
      NEED_VAL();
      if (parse_int(val, 0, 4, &cfg.tu_depth)) return usage_error("--tu-depth: '%s' is not 0..4", val);
    } else if (!strcmp(a, "--rdoq")) {
      NEED_VAL();
      if (parse_int(val, 0, 1, &cfg.rdoq)) return usage_error("--rdoq: '%s' is not 0 or 1", val);
    } else if (!strcmp(a, "--early-exit")) {
      NEED_VAL();
      if (parse_int(val, 0, 3, &cfg.early_exit))
        return usage_error("--early-exit: '%s' is not 0..3", val);
    } else if (!strcmp(a, "--cu-sizes")) {
      int lo, hi, len = 0;
      NEED_VAL();
      if (sscanf(val, "%d-%d%n", &lo, &hi, &len) != 2 || val[len] || cu_log2_of(lo) < 0 ||
          cu_log2_of(hi) < 0 || lo > hi)
        return usage_error("--cu-sizes: '%s' is not MIN-MAX of 8, 16, 32, 64 (e.g. 8-32)", val);
      cfg.cu_min_log2 = cu_log2_of(lo);
      cfg.cu_max_log2 = cu_log2_of(hi);
    } else if (!strcmp(a, "--threads")) {
      NEED_VAL();
      if (parse_int(val, 0, 1024, &cfg.threads))
        return usage_error("--threads: '%s' is not 0..1024", val);
    } else if (!strcmp(a, "--wpp")) {
      NEED_VAL();
      if (parse_int(val, 0, 1, &cfg.wpp)) return usage_error("--wpp: '%s' is not 0 or 1", val);
    } else if (!strcmp(a, "--qp-jitter")) {
      NEED_VAL();
      if (parse_int(val, 0, 51, &cfg.qp_jitter))
        return usage_error("--qp-jitter: '%s' is not 0..51", val);
    } else if (!strcmp(a, "--lossless")) {
      cfg.lossless = 1;
    } else if (!strcmp(a, "--no-deblock")) {
      cfg.deblocking = 0;
    } else if (!strcmp(a, "--no-sao")) {
      cfg.sao = 0;
    } else if (!strcmp(a, "--no-hash")) {
      cfg.picture_hash = 0;
    } else if (!strcmp(a, "--no-sign-hiding")) {
      cfg.sign_hiding = 0;
    } else if (!strcmp(a, "--nxn")) {
      cfg.nxn = 1;
    } else if (!strcmp(a, "--no-nxn")) {
      cfg.nxn = 0;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      verbose = 1;
    } else if (a[0] == '-' && a[1]) {
      return usage_error("unknown option %s", a);
    } else if (!in) {
      in = a;
    } else {
      return usage_error("more than one input (%s)", a);
    }
  }
  if (!in) return usage_error("%s", "no input file");
  if (!outp) return usage_error("%s", "no output file (-o OUT.hevc)");

  char msg[512];
  imageio_y4m y4m;
  if (imageio_y4m_read(in, &y4m, msg, sizeof(msg))) {
    fprintf(stderr, "hevc-enc: %s\n", msg);
    return EXIT_INPUT;
  }
  if (y4m.width > 16384 || y4m.height > 16384) {
    fprintf(stderr, "hevc-enc: %s: %ux%u is larger than 16384x16384\n", in, y4m.width, y4m.height);
    imageio_y4m_free(&y4m);
    return EXIT_INPUT;
  }
  cfg.bit_depth = y4m.bit_depth;
  cfg.chroma_format = y4m.chroma; /* chroma_format_idc, as HEVC_CHROMA_* */
  /* 4:4:4 chroma planes are as large as luma: +6 by default, as x265 codes
   * them (bench/rext.py: against x265 medium, 0 gives +19 % BD-rate on
   * PSNR-Y, +6 -3 %) */
  if (!cqp_set && cfg.chroma_format == HEVC_CHROMA_444) cfg.chroma_qp_offset = 6;

  int rc = 0;
  heic_allocator *alloc = NULL;
  hevc_encoder *enc = NULL;
  hevc_enc_output out = {0};
  hc_mem mem;
  hc_err err;
  hc_err_clear(&err);
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) {
    fprintf(stderr, "hevc-enc: out of memory\n");
    imageio_y4m_free(&y4m);
    return EXIT_INTERNAL;
  }
  hc_mem_init(&mem, alloc, 0);
  clock_t t0 = clock();
  struct timespec w0, w1;
  clock_gettime(CLOCK_MONOTONIC, &w0);
  hevc_enc_picture pic = {y4m.width, y4m.height, {0}, {0}};
  for (int c = 0; c < 3; c++) {
    pic.planes[c] = y4m.planes[c];
    pic.strides[c] = (ptrdiff_t)y4m.strides[c];
  }
  cfg.keep_recon = recon != NULL; /* the whole picture only when asked for */
  if (hevc_encoder_new(&enc, &mem, &cfg, &err) != HEIC_OK ||
      hevc_encoder_encode(enc, &pic, &out, &err) != HEIC_OK) {
    fprintf(stderr, "hevc-enc: %s: %s\n", in, err.message);
    rc = EXIT_INTERNAL;
    goto done;
  }
  if (write_stream(outp, &out, msg, sizeof(msg))) {
    fprintf(stderr, "hevc-enc: %s: %s\n", outp, msg);
    rc = EXIT_OUTPUT;
    goto done;
  }
  if (recon) {
    hevc_enc_recon r;
    if (hevc_encoder_recon(enc, &r) != HEIC_OK) {
      fprintf(stderr, "hevc-enc: no reconstruction available\n");
      rc = EXIT_INTERNAL;
      goto done;
    }
    if (write_recon(recon, &r, msg, sizeof(msg))) {
      fprintf(stderr, "hevc-enc: %s: %s\n", recon, msg);
      rc = EXIT_OUTPUT;
      goto done;
    }
  }
  if (verbose) {
    size_t bytes = 0;
    for (int i = 0; i < out.count; i++) bytes += heic_buffer_size(out.nal[i].buf) + 4;
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    clock_gettime(CLOCK_MONOTONIC, &w1);
    double wall = (double)(w1.tv_sec - w0.tv_sec) + 1e-9 * (double)(w1.tv_nsec - w0.tv_nsec);
    char qp[16];
    snprintf(qp, sizeof(qp), "QP %d", cfg.qp);
    fprintf(stderr, "hevc-enc: %ux%u %s %d-bit %s: %zu bytes, %.4f bpp, %.2f s (%.2f s CPU)\n",
            y4m.width, y4m.height, k_chroma_names[y4m.chroma & 3], cfg.bit_depth,
            cfg.lossless ? "lossless" : qp, bytes,
            8.0 * (double)bytes / ((double)y4m.width * y4m.height), wall, secs);
  }
done:
  hevc_enc_output_clear(&out);
  hevc_encoder_free(&enc);
  if (hc_mem_outstanding(&mem) != 0) {
    fprintf(stderr, "hevc-enc: internal error: %zu bytes leaked\n", hc_mem_outstanding(&mem));
    rc = EXIT_INTERNAL;
  }
  heic_allocator_free(&alloc);
  imageio_y4m_free(&y4m);
  return rc;
}
