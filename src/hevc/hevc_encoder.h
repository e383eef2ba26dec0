/*
 * libheic's HEVC intra encoder.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Encodes one picture (4:2:0, 4:2:2, 4:4:4 or 4:0:0 (monochrome), 8, 10 or
 * 12 bits, 1x1 .. 16384x16384, lossy or lossless) as an IDR access unit:
 * VPS, SPS, PPS, one I slice, and a suffix SEI carrying the MD5 decoded
 * picture hash.  Profiles (A.3): 4:2:0 8 bits Main, 10 bits Main 10, 12 bits
 * Main 12; 4:2:2 8 and 10 bits Main 4:2:2 10, 12 bits Main 4:2:2 12; 4:4:4
 * Main 4:4:4, Main 4:4:4 10, Main 4:4:4 12; 4:0:0 Monochrome, Monochrome 10,
 * Monochrome 12 (all but Main and Main 10 are format range extensions
 * profiles, general_profile_idc 4, told apart by the constraint flags of
 * Table A.2).  No range extension coding tool is used but implicit RDPCM
 * and cross-component prediction in lossless 4:4:4 (see Lossless).
 *
 * Sizes.  4:2:0 cannot signal an odd cropped width or height (the conformance
 * window counts in chroma samples), so the encoder codes the picture padded
 * to even dimensions by replicating the last column / row, and the decoded
 * (cropped) size it reports is out_width x out_height = the input size
 * rounded up to even.  4:2:2 likewise rounds the width up to even (its
 * height is exact).  A container that needs the exact odd size crops the
 * rest (HEIF: ispe carries the even size, clap the exact one).  4:4:4 and
 * 4:0:0 crop in luma samples: their decoded size is the input size.
 * Internally the coded size is further padded to a multiple of 8 (the
 * minimum CU) and cropped by the conformance window.
 *
 * Lossless (cfg.lossless): every CU is coded with cu_transquant_bypass_flag
 * (the residual as it is, no transform or quantisation), so the decoded
 * picture equals the input (its padding aside); modes are chosen by their
 * bits alone.  In 4:4:4 the SPS enables implicit RDPCM (a Main 4:4:4
 * profile tool): blocks predicted with mode 10 or 26 code their residual's
 * differences along that direction; and the PPS enables cross-component
 * prediction (pps_range_extension, also Main 4:4:4): a chroma TU coded
 * with DM after a luma residual may predict its residual from the luma
 * one, scaled by 0, +-1/8, +-1/4, +-1/2 or +-1 (chosen by counted bits) -
 * lossless RGB codes B and R from G's residual.
 *
 * OWNERSHIP
 *  - hevc_encoder_new() creates the encoder; hevc_encoder_free(&enc) destroys
 *    it (accepts NULL / *enc == NULL, sets *enc = NULL).  The hc_mem passed to
 *    new() is borrowed and must outlive the encoder; every byte the encoder
 *    allocates is charged to it.
 *  - The input picture is borrowed for the duration of hevc_encoder_encode()
 *    only; a band given to hevc_encoder_push() for that call only (its lines
 *    are copied into the encoder's window).
 *  - On success, hevc_encoder_encode() fills *out with refcounted NAL units
 *    (heic_buffer, one per NAL, payload with emulation prevention and the
 *    two-byte NAL header, without start code or length prefix).  Ownership of
 *    every out->nal[i].buf moves to the caller, who releases them with
 *    hevc_enc_output_clear() (or heic_buffer_unref() one by one).  On failure
 *    *out is left empty and the caller owns nothing.
 *  - hevc_encoder_recon() returns a borrowed view of the decoded picture as
 *    every conforming decoder reconstructs it (after deblocking and SAO),
 *    cropped to out_width x out_height.  It stays valid until the next
 *    hevc_encoder_encode() or hevc_encoder_free() on the same encoder.  The
 *    picture is only kept when the encoder was created with
 *    cfg.keep_recon = 1; otherwise the encoder works on a window of a few
 *    CTU rows (memory: about 2 x (lanes + 2) CTU rows of samples, lanes = the
 *    rows coded at once, besides the input, rather
 *    than 3 whole pictures) and hevc_encoder_recon() fails.
 *
 * Threads: an encoder is used by one thread at a time; separate encoders are
 * independent (no global mutable state).  Inside hevc_encoder_encode() the
 * CTU rows of the picture are coded by up to cfg.threads threads at once
 * (wavefront parallel processing with cfg.wpp; rows.c): on a pool the
 * encoder makes for itself, or on the caller's threads given with
 * hevc_encoder_set_parallel().  Output is deterministic: the same input and
 * configuration always give the same bytes, whatever the thread count.
 */
#ifndef HEIC_HEVC_ENCODER_H
#define HEIC_HEVC_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/mem.h"
#include "heic/heic_common.h"

typedef struct hevc_encoder hevc_encoder;

/* Speed / compression trade-offs of the mode search.  Each preset sets the
 * search fields of hevc_enc_config below; a caller may then override any
 * single field. */
typedef enum hevc_enc_preset {
  HEVC_PRESET_ULTRAFAST = 0,
  HEVC_PRESET_FAST,
  HEVC_PRESET_MEDIUM,
  HEVC_PRESET_SLOW,
  HEVC_PRESET_VERYSLOW,
  HEVC_PRESET_COUNT
} hevc_enc_preset;

/* Chroma formats (chroma_format_idc) the encoder codes. */
enum { HEVC_CHROMA_400 = 0, HEVC_CHROMA_420 = 1, HEVC_CHROMA_422 = 2, HEVC_CHROMA_444 = 3 };

typedef struct hevc_enc_config {
  int qp;             /* 0..51 (ignored when lossless, but for the slice QP) */
  int bit_depth;      /* 8, 10 or 12, luma and chroma alike */
  int chroma_format;  /* HEVC_CHROMA_420 (the default), HEVC_CHROMA_422,
                       * HEVC_CHROMA_444 or HEVC_CHROMA_400 (monochrome: no
                       * chroma planes at all) */
  /* 1: lossless - the PPS enables transquant bypass and every CU sets
   * cu_transquant_bypass_flag.  Deblocking and SAO would leave such CUs
   * untouched (8.7.2.5.7, 8.7.3), so they are off; sign hiding, RDOQ and
   * transform skip have nothing to act on: the fields below that set them
   * are ignored. */
  int lossless;
  int ctu_log2;       /* 5 (32x32) or 6 (64x64) */
  int deblocking;     /* 1: in-loop deblocking filter on */
  int sao;            /* 1: sample adaptive offset on */
  int sign_hiding;    /* 1: sign data hiding */
  int chroma_qp_offset; /* pps_cb_qp_offset = pps_cr_qp_offset, -12..12 */
  /* Testing aid: when non-zero, the QP changes from CTU to CTU within
   * qp +- qp_jitter, deterministically, to exercise cu_qp_delta coding and
   * QP prediction. */
  int qp_jitter;
  /* 1: keep the whole reconstructed picture for hevc_encoder_recon(), at
   * 1.5 (4:2:0) to 3 (4:4:4) * width * height samples of 2 bytes; 0 (the
   * default): the encoder holds only a few CTU rows of samples at a time. */
  int keep_recon;
  /* 1 (the default): a suffix SEI with the MD5 hash of each decoded plane
   * follows the slice (58 bytes with its start code), so that a decoder can
   * check its output (libde265-dec265 -c, the conformance tests); 0: none,
   * as for HEIF items, where it would only cost bytes and time. */
  int picture_hash;
  /* 1 (the default): wavefront parallel processing - the PPS sets
   * entropy_coding_sync_enabled_flag, each CTU row is a substream whose
   * CABAC states start from those after the second CTU of the row above,
   * so rows can be coded two CTUs apart by several threads.  0: one
   * substream, each row continuing the row above (a little smaller; rows
   * are then searched one after another). */
  int wpp;
  /* Threads coding one picture: 0 = one per CPU the process may use,
   * 1 = the caller's only; with hevc_encoder_set_parallel() the most
   * threads used at once.  Never changes the output. */
  int threads;
  /* 1: the SPS carries a VUI with the colour description below
   * (video_signal_type and colour_description, E.2.1), so that a decoder
   * knows the colour from the stream alone; 0 (the default): no VUI, and
   * a decoder infers unspecified colour in limited range. */
  int vui_colour;
  int colour_primaries, transfer_characteristics, matrix_coefficients; /* 0..255 */
  int full_range; /* video_full_range_flag */

  /* ---- search (set by hevc_enc_config_preset) ---- */
  int rd_candidates;  /* luma modes kept after SATD for full RD at 4x4 and
                       * 8x8 (fewer at larger sizes), 1..35 */
  int intra_step;     /* rough mode decision by SATD: 1 tries all 35 modes;
                       * 2, 4 or 8 tries every 2nd / 4th / 8th angular mode
                       * (and planar, DC, the MPMs), then refines around the
                       * best two (the best one at 8) */
  int mpm_rd;         /* most probable modes given full RD even when their
                       * SATD does not rank them among the best, 0..3 */
  int chroma_candidates; /* chroma modes coded for RD, 1..5: the luma mode
                       * (DM) and the best of the others by SATD */
  int nxn;            /* 1: try 4x4 luma partitions in 8x8 CUs */
  int rdoq;           /* 1: rate-distortion optimised quantisation */
  int ccp;            /* lossy 4:4:4: cross-component prediction (chroma
                       * residuals of DM chroma blocks predicted from the
                       * luma residual, ResScaleVal fitted per block); no
                       * effect in other formats, and lossless 4:4:4 always
                       * uses it */
  int transform_skip; /* 1: transform_skip_enabled_flag; 4x4 blocks are coded
                       * untransformed where RD prefers (needs rdoq): large
                       * gains on graphics, none on photos */
  int rate_estimate;  /* 1: with RDOQ, residual rates in the search are RDOQ's
                       * estimate against the CTU's starting context states
                       * instead of a count of the coded bins; each decided
                       * CTU is counted exactly once to carry the states on */
  int tu_depth;       /* transform tree depth below a 2Nx2N CU, 0..ctu_log2 - 2
                       * (max_transform_hierarchy_depth_intra): the chosen
                       * mode's luma TUs are split by RD down to 4x4 */
  int tu_candidates;  /* modes (the best by unsplit cost) whose transform tree
                       * is searched when tu_depth > 0, 1..35 */
  int early_exit;     /* 0: exhaustive split search; 1: no split tried for a
                       * CU that codes no residual or only a few bits, no NxN
                       * for an 8x8 CU under 48 bits; 2: also 64x64 CUs tried
                       * only when their four 32x32 quarters stay whole, and
                       * no NxN under 96 bits; 3: also 32x32 CUs tried only
                       * when their 16x16 quarters stay whole, and 8x8 CUs
                       * only in 16x16 CUs of over 512 bits */
  int cu_min_log2;    /* smallest CU the search tries, 3 (8x8) .. cu_max_log2 */
  int cu_max_log2;    /* largest CU the search tries, cu_min_log2 .. 6; larger
                       * CUs are always split, CUs crossing the picture's edge
                       * too, and either value above ctu_log2 means the CTU */
} hevc_enc_config;

/* Fills cfg with the defaults: QP 27, 8 bits, 4:2:0, lossy, 64x64 CTUs, every tool on,
 * chroma QP offset 0, WPP, one thread per CPU, the search of
 * HEVC_PRESET_MEDIUM, no kept reconstruction. */
void hevc_enc_config_default(hevc_enc_config *cfg);

/* Sets the search fields of cfg to those of preset p (the other fields are
 * left alone).  Returns 0, or -1 (cfg untouched) for an unknown preset. */
int hevc_enc_config_preset(hevc_enc_config *cfg, hevc_enc_preset p);

/* "ultrafast", "fast", "medium", "slow", "veryslow" -> HEVC_PRESET_*; -1 for any other name. */
int hevc_enc_preset_from_name(const char *name);

/* NAL unit types this encoder writes. */
enum {
  HEVC_NAL_IDR_W_RADL = 19,
  HEVC_NAL_VPS = 32,
  HEVC_NAL_SPS = 33,
  HEVC_NAL_PPS = 34,
  HEVC_NAL_PREFIX_SEI = 39,
  HEVC_NAL_SUFFIX_SEI = 40
};

#define HEVC_ENC_MAX_NALS 8

typedef struct hevc_enc_nal {
  int type;           /* nal_unit_type */
  heic_buffer *buf;   /* owned by whoever holds the hevc_enc_output */
} hevc_enc_nal;

typedef struct hevc_enc_output {
  int count;
  hevc_enc_nal nal[HEVC_ENC_MAX_NALS];
} hevc_enc_output;

/* Releases every NAL buffer and empties *out.  Safe on an empty output. */
void hevc_enc_output_clear(hevc_enc_output *out);

/* Input picture: samples are uint16_t for every bit depth (values must be
 * below 1 << bit_depth; larger values are clipped), strides in samples.
 * planes[1], planes[2] are the chroma planes: (width + 1) / 2 x (height + 1)
 * / 2 samples in 4:2:0, (width + 1) / 2 x height in 4:2:2, width x height in
 * 4:4:4; with HEVC_CHROMA_400 they are not read (may be NULL). */
typedef struct hevc_enc_picture {
  uint32_t width, height;
  const uint16_t *planes[3];
  ptrdiff_t strides[3];
} hevc_enc_picture;

/* Reconstructed picture view (borrowed, see OWNERSHIP). */
typedef struct hevc_enc_recon {
  uint32_t width, height;       /* out_width x out_height */
  int bit_depth;
  int chroma_format;            /* HEVC_CHROMA_*; 4:0:0: planes[1], [2] NULL, sizes 0 */
  const uint16_t *planes[3];
  ptrdiff_t strides[3];         /* in samples */
  uint32_t plane_w[3], plane_h[3];
} hevc_enc_recon;

/* Creates an encoder.  On failure *out is NULL and err says why. */
HEIC_NODISCARD heic_status hevc_encoder_new(hevc_encoder **out, hc_mem *mem,
                                            const hevc_enc_config *cfg, hc_err *err);
void hevc_encoder_free(hevc_encoder **enc);

/* Codes rows on the caller's threads instead of a pool of the encoder's
 * own: run(opaque, n, fn, arg) must call fn(arg, i) once for every i in
 * [0, n), on any threads (all on the calling one is fine), and return when
 * all calls have returned - hc_pool_run() and heic_plugin_host.parallel
 * are such functions.  It is called from inside hevc_encoder_encode() only
 * and may be called from several encoders at once.  threads: how many
 * threads it runs at once (at least 1; cfg.threads, when not 0, lowers
 * it).  run and opaque are borrowed until the encoder is freed or this is
 * called again (run NULL: back to the encoder's own threads). */
void hevc_encoder_set_parallel(hevc_encoder *enc,
                               void (*run)(void *opaque, size_t n,
                                           void (*fn)(void *arg, size_t index), void *arg),
                               void *opaque, int threads);

/* Encodes one picture into *out (see OWNERSHIP).  *out must be empty. */
HEIC_NODISCARD heic_status hevc_encoder_encode(hevc_encoder *enc, const hevc_enc_picture *pic,
                                               hevc_enc_output *out, hc_err *err);

/* Streaming input: the same picture and bytes as hevc_encoder_encode(),
 * with the samples given a band of lines at a time, so that the caller
 * never holds the whole picture either.
 *  - begin() starts a width x height picture.
 *  - push() gives the next band: band->width is the picture's width,
 *    band->height the band's lines (an even number, but for the last band
 *    of a 4:2:0 picture of odd height), planes[0] its first luma line and
 *    planes[1], [2] its first chroma line (4:2:0: (height + 1) / 2 lines,
 *    else height lines; 4:0:0: not read), in the same sample format as for
 *    encode().  The band is
 *    borrowed for the call only: the encoder copies each line into its
 *    window and codes CTU rows as they become complete, `lanes` rows at a
 *    time (see hevc_encoder_set_parallel() for the threads).
 *  - finish(), after the last line: the NAL units into *out (as encode()).
 * Memory: the encoder's window of a few CTU rows only (about 2 x (lanes +
 * 2) CTU rows of samples, besides the coded data); each lane's search
 * scratch (about 0.9 MB) only during push().  After a failure, or to
 * give up, the encoder may be freed or begin() a new picture; push() and
 * finish() then refuse until begin(). */
HEIC_NODISCARD heic_status hevc_encoder_begin(hevc_encoder *enc, uint32_t width, uint32_t height,
                                              hc_err *err);
HEIC_NODISCARD heic_status hevc_encoder_push(hevc_encoder *enc, const hevc_enc_picture *band,
                                             hc_err *err);
HEIC_NODISCARD heic_status hevc_encoder_finish(hevc_encoder *enc, hevc_enc_output *out, hc_err *err);

/* The reconstruction of the last successfully encoded picture; returns
 * HEIC_ERR_INVALID_ARGUMENT when there is none or the encoder was created
 * without cfg.keep_recon. */
heic_status hevc_encoder_recon(const hevc_encoder *enc, hevc_enc_recon *rec);

#endif
