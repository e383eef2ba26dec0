/*
 * CABAC encoder.  SPDX-License-Identifier: BSD-2-Clause
 *
 * The engine mirrors the arithmetic decoding process of 9.3.4.3 the way the
 * informative encoder description of H.264 (9.3.4) does, but outputs whole
 * bytes: low keeps the bits not yet written above its 10-bit register, and
 * a carry is resolved by holding back the last byte and any 0xff run before
 * it (hevc_cabac in cabac.h) instead of counting outstanding bits.
 */
#include "cabac.h"

#include <string.h>

#include "tables.h"

const uint8_t hevc_cabac_lps_range[64][4] = {
    {128, 176, 208, 240}, {128, 167, 197, 227}, {128, 158, 187, 216}, {123, 150, 178, 205},
    {116, 142, 169, 195}, {111, 135, 160, 185}, {105, 128, 152, 175}, {100, 122, 144, 166},
    {95, 116, 137, 158},  {90, 110, 130, 150},  {85, 104, 123, 142},  {81, 99, 117, 135},
    {77, 94, 111, 128},   {73, 89, 105, 122},   {69, 85, 100, 116},   {66, 80, 95, 110},
    {62, 76, 90, 104},    {59, 72, 86, 99},     {56, 69, 81, 94},     {53, 65, 77, 89},
    {51, 62, 73, 85},     {48, 59, 69, 80},     {46, 56, 66, 76},     {43, 53, 63, 72},
    {41, 50, 59, 69},     {39, 48, 56, 65},     {37, 45, 54, 62},     {35, 43, 51, 59},
    {33, 41, 48, 56},     {32, 39, 46, 53},     {30, 37, 43, 50},     {29, 35, 41, 48},
    {27, 33, 39, 45},     {26, 31, 37, 43},     {24, 30, 35, 41},     {23, 28, 33, 39},
    {22, 27, 32, 37},     {21, 26, 30, 35},     {20, 24, 29, 33},     {19, 23, 27, 31},
    {18, 22, 26, 30},     {17, 21, 25, 28},     {16, 20, 23, 27},     {15, 19, 22, 25},
    {14, 18, 21, 24},     {14, 17, 20, 23},     {13, 16, 19, 22},     {12, 15, 18, 21},
    {12, 14, 17, 20},     {11, 14, 16, 19},     {11, 13, 15, 18},     {10, 12, 15, 17},
    {10, 12, 14, 16},     {9, 11, 13, 15},      {9, 11, 12, 14},      {8, 10, 12, 14},
    {8, 9, 11, 13},       {7, 9, 11, 12},       {7, 9, 10, 12},       {7, 8, 10, 11},
    {6, 8, 9, 11},        {6, 7, 9, 10},        {6, 7, 8, 9},         {2, 2, 2, 2}};

const uint8_t hevc_cabac_next_lps[64] = {
    0,  0,  1,  2,  2,  4,  4,  5,  6,  7,  8,  9,  9,  11, 11, 12, 13, 13, 15, 15, 16, 16,
    18, 18, 19, 19, 21, 21, 22, 22, 23, 24, 24, 25, 26, 26, 27, 27, 28, 29, 29, 30, 30, 30,
    31, 32, 32, 33, 33, 33, 34, 34, 35, 35, 35, 36, 36, 36, 37, 37, 37, 38, 38, 63};

/* -log2(p) of the MPS and LPS for pLPS(s) = 0.5 * ((0.01875 / 0.5)^(1/63))^s,
 * the probability model the state machine approximates; fixed point so that
 * decisions never depend on the platform's libm. */
const uint32_t hevc_cabac_entropy[64][2] = {
    {32768, 32768}, {30426, 35232}, {28306, 37696}, {26377, 40159}, {24617, 42623},
    {23005, 45087}, {21523, 47551}, {20159, 50015}, {18899, 52479}, {17734, 54942},
    {16653, 57406}, {15650, 59870}, {14717, 62334}, {13849, 64798}, {13038, 67262},
    {12282, 69725}, {11575, 72189}, {10914, 74653}, {10294, 77117}, {9714, 79581},
    {9169, 82044},  {8658, 84508},  {8178, 86972},  {7727, 89436},  {7303, 91900},
    {6903, 94364},  {6527, 96827},  {6173, 99291},  {5840, 101755}, {5525, 104219},
    {5228, 106683}, {4948, 109147}, {4684, 111610}, {4435, 114074}, {4199, 116538},
    {3977, 119002}, {3767, 121466}, {3568, 123929}, {3380, 126393}, {3202, 128857},
    {3034, 131321}, {2876, 133785}, {2725, 136249}, {2583, 138712}, {2448, 141176},
    {2321, 143640}, {2200, 146104}, {2086, 148568}, {1978, 151032}, {1875, 153495},
    {1778, 155959}, {1686, 158423}, {1599, 160887}, {1517, 163351}, {1439, 165814},
    {1364, 168278}, {1294, 170742}, {1228, 173206}, {1164, 175670}, {1105, 178134},
    {1048, 180597}, {994, 183061},  {943, 185525},  {895, 187989}};

/* initValue per context for initType 0 (Tables 9-5 .. 9-37), in the order of
 * the HEVC_CTX_* offsets. */
static const uint8_t init_values[HEVC_NUM_CTX] = {
    /* sao_merge */ 153,
    /* sao_type_idx */ 200,
    /* split_cu_flag */ 139, 141, 157,
    /* part_mode */ 184,
    /* prev_intra_luma_pred_flag */ 184,
    /* intra_chroma_pred_mode */ 63,
    /* split_transform_flag */ 153, 138, 138,
    /* cbf_luma */ 111, 141,
    /* cbf_cb, cbf_cr */ 94, 138, 182, 154,
    /* cu_qp_delta_abs */ 154, 154,
    /* last_sig_coeff_x_prefix */
    110, 110, 124, 125, 140, 153, 125, 127, 140, 109, 111, 143, 127, 111, 79, 108, 123, 63,
    /* last_sig_coeff_y_prefix */
    110, 110, 124, 125, 140, 153, 125, 127, 140, 109, 111, 143, 127, 111, 79, 108, 123, 63,
    /* coded_sub_block_flag */ 91, 171, 134, 141,
    /* sig_coeff_flag */
    111, 111, 125, 110, 110, 94, 124, 108, 124, 107, 125, 141, 179, 153, 125, 107, 125, 141,
    179, 153, 125, 107, 125, 141, 179, 153, 125, 140, 139, 182, 182, 152, 136, 152, 136, 153,
    136, 139, 111, 136, 139, 111,
    /* coeff_abs_level_greater1_flag */
    140, 92, 137, 138, 140, 152, 138, 139, 153, 74, 149, 92, 139, 107, 122, 152, 140, 179, 166,
    182, 140, 227, 122, 197,
    /* coeff_abs_level_greater2_flag */ 138, 153, 136, 167, 152, 152,
    /* transform_skip_flag */ 139, 139,
    /* cu_transquant_bypass_flag */ 154,
    /* log2_res_scale_abs_plus1 */ 154, 154, 154, 154, 154, 154, 154, 154,
    /* res_scale_sign_flag */ 154, 154};

void hevc_contexts_init(hevc_contexts *c, int qp) {
  int q = qp < 0 ? 0 : qp > 51 ? 51 : qp;
  for (int i = 0; i < HEVC_NUM_CTX; i++) {
    int v = init_values[i];
    int m = (v >> 4) * 5 - 45, n = ((v & 15) << 3) - 16;
    int pre = ((m * q) >> 4) + n;
    pre = pre < 1 ? 1 : pre > 126 ? 126 : pre;
    int mps = pre <= 63 ? 0 : 1;
    int state = mps ? pre - 64 : 63 - pre;
    c->s[i] = (uint8_t)((state << 1) | mps);
  }
}

void hevc_bin_rates_init(hevc_bin_rates *r, const hevc_contexts *ctx) {
  for (int i = 0; i < HEVC_NUM_CTX; i++) {
    int st = ctx->s[i];
    r->b[i][st & 1] = (int32_t)hevc_cabac_entropy[st >> 1][0];
    r->b[i][!(st & 1)] = (int32_t)hevc_cabac_entropy[st >> 1][1];
  }
}

void hevc_bin_rates_update(hevc_bin_rates *r, hevc_contexts *from, const hevc_contexts *ctx) {
  for (int i = 0; i < HEVC_NUM_CTX; i++) {
    int st = ctx->s[i];
    if (st == from->s[i]) continue;
    from->s[i] = (uint8_t)st;
    r->b[i][st & 1] = (int32_t)hevc_cabac_entropy[st >> 1][0];
    r->b[i][!(st & 1)] = (int32_t)hevc_cabac_entropy[st >> 1][1];
  }
}

/* The arithmetic coder at the start of slice data (9.3.2.5). */
static void coder_reset(hevc_cabac *cb) {
  cb->frac_bits = 0;
  cb->low = 0;
  cb->range = 510;
  /* 23: the register's always-zero leading bit falls off the first byte */
  cb->bits_left = 23;
  cb->n_held = 0;
  cb->held = 0xff;
}

void hevc_cabac_start(hevc_cabac *cb, hevc_bitwriter *bw) {
  cb->counting = 0;
  coder_reset(cb);
  cb->bw = bw;
  cb->log = NULL;
  cb->log_n = cb->log_cap = 0;
}

void hevc_cabac_start_count(hevc_cabac *cb, const hevc_contexts *ctx) {
  /* field by field: clearing the whole struct first would write the
   * contexts twice, and the search starts counters very often */
  cb->ctx = *ctx;
  cb->counting = 1;
  coder_reset(cb);
  cb->bw = NULL;
  cb->log = NULL;
  cb->log_n = cb->log_cap = 0;
}

void hevc_cabac_replay(hevc_cabac *cb, const uint16_t *log, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    uint32_t v = log[i];
    if (v & HEVC_BIN_BYPASS)
      hevc_cabac_bypass_bits(cb, v & 255, (int)(v >> 8) & 15);
    else
      hevc_cabac_bin(cb, (int)(v >> 1), (int)(v & 1));
  }
}

/* Writes the held bytes, now that carry (0 or 1) is known to be the last
 * to reach them. */
static void release_held(hevc_cabac *cb, uint32_t carry) {
  if (!cb->n_held) return;
  hevc_bw_put(cb->bw, (cb->held + carry) & 0xff, 8);
  for (; cb->n_held > 1; cb->n_held--) hevc_bw_put(cb->bw, (0xff + carry) & 0xff, 8);
  cb->n_held = 0;
}

void hevc_cabac_out_byte_(hevc_cabac *cb) {
  /* the byte above the free bits, with a possible carry in bit 8 */
  uint32_t top = cb->low >> (24 - cb->bits_left);
  cb->bits_left += 8;
  cb->low &= 0xffffffffu >> cb->bits_left;
  if (top == 0xff) {
    cb->n_held++; /* a later carry would turn it to 0x00: hold it */
    return;
  }
  release_held(cb, top >> 8);
  cb->n_held = 1;
  cb->held = top & 0xff;
}

void hevc_cabac_terminate(hevc_cabac *cb, int bin) {
  if (cb->counting) {
    /* A 0 costs log2(range / (range - 2)), well below a thousandth of a bit. */
    return;
  }
  cb->range -= 2;
  if (!bin) {
    if (cb->range < 256) hevc_cabac_double_(cb);
    return;
  }
  /* EncodeFlush: range 2, renormalised by 7 doublings, then every bit of
   * low down to bit 8 (bit 9 and 8 of the spec's PutBit / WriteBits),
   * then the rbsp stop bit in place of bit 7 */
  cb->low = (cb->low + cb->range) << 7;
  cb->range = 2 << 7;
  cb->bits_left -= 7;
  hevc_cabac_out_(cb);
  release_held(cb, (cb->low >> (32 - cb->bits_left)) & 1);
  cb->low &= 0xffffffffu >> cb->bits_left;
  hevc_bw_put(cb->bw, cb->low >> 8, 24 - cb->bits_left);
  hevc_bw_put(cb->bw, 1, 1);
}
