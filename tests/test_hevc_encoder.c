/*
 * Unit test: the encoder API.  Output layout and ownership, determinism,
 * the reconstruction view, argument errors, and an allocation-failure loop
 * (count the allocations of an encode, then fail each one in turn: every
 * run must end in a clean error with nothing outstanding).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "hevc/hevc_encoder.h"

static int failures;
#define CHECK(c)                                                                  \
  do {                                                                            \
    if (!(c)) {                                                                   \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);       \
      failures++;                                                                 \
    }                                                                             \
  } while (0)

enum { W = 75, H = 41 };
static uint16_t planes[3][W * H];

static heic_status encode(hc_mem *mem, const hevc_enc_config *cfg, hevc_enc_output *out,
                          hevc_enc_recon *rec_copy, uint8_t **bytes, size_t *nbytes) {
  hc_err err;
  hc_err_clear(&err);
  hevc_encoder *enc = NULL;
  hevc_enc_picture pic = {W, H, {planes[0], planes[1], planes[2]}, {W, (W + 1) / 2, (W + 1) / 2}};
  hevc_enc_config kc = *cfg;
  if (rec_copy) kc.keep_recon = 1;
  heic_status st = hevc_encoder_new(&enc, mem, &kc, &err);
  if (st == HEIC_OK) st = hevc_encoder_encode(enc, &pic, out, &err);
  if (st == HEIC_OK && rec_copy) {
    CHECK(hevc_encoder_recon(enc, rec_copy) == HEIC_OK);
    CHECK(rec_copy->width == W + 1 && rec_copy->height == H + 1);
    rec_copy->planes[0] = NULL; /* borrowed: gone with the encoder */
  }
  if (st == HEIC_OK && !rec_copy) {
    hevc_enc_recon none;
    CHECK(hevc_encoder_recon(enc, &none) == HEIC_ERR_INVALID_ARGUMENT); /* not kept */
  }
  if (st != HEIC_OK) CHECK(err.message[0] != 0 && out->count == 0);
  if (st == HEIC_OK && bytes) {
    size_t n = 0;
    for (int i = 0; i < out->count; i++) n += heic_buffer_size(out->nal[i].buf);
    *bytes = malloc(n);
    *nbytes = 0;
    for (int i = 0; i < out->count; i++) {
      memcpy(*bytes + *nbytes, heic_buffer_data(out->nal[i].buf), heic_buffer_size(out->nal[i].buf));
      *nbytes += heic_buffer_size(out->nal[i].buf);
    }
  }
  hevc_encoder_free(&enc);
  CHECK(enc == NULL);
  return st;
}

/* The parameter sets as a decoder reads them: profile_idc, the nine range
 * extensions constraint flags, chroma_format_idc, bit depths. */
typedef struct sps_facts {
  int profile, rext, chroma, depth_y, depth_c;
} sps_facts;

typedef struct rd {
  const uint8_t *p;
  size_t n, bit;
} rd;
static unsigned rd_bit(rd *r) {
  size_t byte = r->bit >> 3;
  unsigned v = byte < r->n ? (r->p[byte] >> (7 - (r->bit & 7))) & 1 : 0;
  r->bit++;
  return v;
}
static unsigned rd_bits(rd *r, int n) {
  unsigned v = 0;
  while (n--) v = v << 1 | rd_bit(r);
  return v;
}
static unsigned rd_ue(rd *r) {
  int z = 0;
  while (!rd_bit(r) && z < 32) z++;
  return (1u << z) - 1 + rd_bits(r, z);
}

/* SPS fields, from the RBSP (emulation prevention bytes dropped). */
static sps_facts parse_sps(const hevc_enc_output *out) {
  sps_facts f = {-1, -1, -1, -1, -1};
  for (int i = 0; i < out->count; i++) {
    if (out->nal[i].type != 33) continue;
    const uint8_t *p = heic_buffer_data(out->nal[i].buf);
    size_t n = heic_buffer_size(out->nal[i].buf), m = 0;
    uint8_t rbsp[256];
    for (size_t j = 2, zeros = 0; j < n && m < sizeof(rbsp); j++) {
      if (zeros >= 2 && p[j] == 3) {
        zeros = 0;
        continue;
      }
      zeros = p[j] ? 0 : zeros + 1;
      rbsp[m++] = p[j];
    }
    rd r = {rbsp, m, 0};
    rd_bits(&r, 8);                 /* vps id, max sub layers, nesting */
    rd_bits(&r, 3);                 /* profile space, tier */
    f.profile = (int)rd_bits(&r, 5);
    rd_bits(&r, 32);                /* compatibility */
    rd_bits(&r, 4);                 /* source flags */
    f.rext = (int)rd_bits(&r, 9);
    rd_bits(&r, 35);
    rd_bits(&r, 8);                 /* level */
    rd_ue(&r);                      /* sps id */
    f.chroma = (int)rd_ue(&r);
    if (f.chroma == 3) rd_bit(&r); /* separate_colour_plane_flag */
    rd_ue(&r);
    rd_ue(&r);
    if (rd_bit(&r))
      for (int k = 0; k < 4; k++) rd_ue(&r);
    f.depth_y = 8 + (int)rd_ue(&r);
    f.depth_c = 8 + (int)rd_ue(&r);
  }
  return f;
}

/* 4:0:0, 4:2:2, 4:4:4 and 12 bits, lossy and lossless: the profile in the
 * SPS, the reconstruction's shape, and lossless reconstructions equal to
 * the input. */
static void test_formats(hc_mem *mem, const hevc_enc_config *base) {
  static const struct {
    int chroma, depth, profile, rext;
  } k[] = {{1, 8, 1, 0},      {1, 10, 2, 0},     {1, 12, 4, 0x131}, /* Main 12: 100110001 */
           {0, 8, 4, 0x1f9},  /* Monochrome: 111111001 */
           {0, 10, 4, 0x1b9}, /* Monochrome 10: 110111001 */
           {0, 12, 4, 0x139}, /* Monochrome 12: 100111001 */
           {2, 8, 4, 0x1a1},  /* Main 4:2:2 10 (no 8-bit 4:2:2 profile): 110100001 */
           {2, 10, 4, 0x1a1}, /* Main 4:2:2 10 */
           {2, 12, 4, 0x121}, /* Main 4:2:2 12: 100100001 */
           {3, 8, 4, 0x1c1},  /* Main 4:4:4: 111000001 */
           {3, 10, 4, 0x181}, /* Main 4:4:4 10: 110000001 */
           {3, 12, 4, 0x101}}; /* Main 4:4:4 12: 100000001 */
  static uint16_t in[3][W * H];
  for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
    for (int lossless = 0; lossless <= 1; lossless++) {
      int max = (1 << k[i].depth) - 1;
      for (int c = 0; c < 3; c++)
        for (int j = 0; j < W * H; j++) in[c][j] = (uint16_t)((planes[c][j] * 37u + (unsigned)j) & (unsigned)max);
      hevc_enc_config cfg = *base;
      cfg.chroma_format = k[i].chroma;
      cfg.bit_depth = k[i].depth;
      cfg.lossless = lossless;
      cfg.keep_recon = 1;
      hc_err err;
      hc_err_clear(&err);
      hevc_encoder *enc = NULL;
      hevc_enc_output out = {0};
      /* 4:0:0 reads no chroma plane; chroma planes are cw x ch */
      int cw = k[i].chroma == 3 ? W : (W + 1) / 2, ch = k[i].chroma == 1 ? (H + 1) / 2 : H;
      hevc_enc_picture pic = {W, H, {in[0], k[i].chroma ? in[1] : NULL, k[i].chroma ? in[2] : NULL},
                              {W, cw, cw}};
      CHECK(hevc_encoder_new(&enc, mem, &cfg, &err) == HEIC_OK);
      if (!enc) continue;
      heic_status st = hevc_encoder_encode(enc, &pic, &out, &err);
      if (st != HEIC_OK) fprintf(stderr, "format %zu lossless %d: %s\n", i, lossless, err.message);
      CHECK(st == HEIC_OK);
      sps_facts f = parse_sps(&out);
      CHECK(f.profile == k[i].profile && f.rext == k[i].rext && f.chroma == k[i].chroma);
      CHECK(f.depth_y == k[i].depth && f.depth_c == k[i].depth);
      /* the MD5 SEI carries one hash per plane */
      CHECK(out.count == 5 && heic_buffer_size(out.nal[4].buf) == 2 + 2 + 1 + 16u * (k[i].chroma ? 3 : 1) + 1);
      hevc_enc_recon rec;
      CHECK(hevc_encoder_recon(enc, &rec) == HEIC_OK);
      CHECK(rec.chroma_format == k[i].chroma && rec.bit_depth == k[i].depth);
      /* 4:0:0 and 4:4:4 crop the exact (odd) size, 4:2:0 an even one,
       * 4:2:2 an even width */
      CHECK(rec.width == (k[i].chroma == 1 || k[i].chroma == 2 ? W + 1u : (uint32_t)W));
      CHECK(rec.height == (k[i].chroma == 1 ? H + 1u : (uint32_t)H));
      CHECK(!k[i].chroma == (rec.planes[1] == NULL && rec.planes[2] == NULL));
      if (lossless && st == HEIC_OK) {
        int same = 1;
        for (int c = 0; c < (k[i].chroma ? 3 : 1); c++) {
          int pw = c ? cw : W, ph = c ? ch : H;
          for (int y = 0; y < ph; y++)
            for (int x = 0; x < pw; x++) same &= rec.planes[c][y * rec.strides[c] + x] == in[c][y * pw + x];
        }
        CHECK(same);
      }
      hevc_enc_output_clear(&out);
      hevc_encoder_free(&enc);
    }
}

int main(void) {
  srand(9);
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < W * H; i++) planes[c][i] = (uint16_t)((i % W) * 3 + (i / W) + rand() % 20);
  heic_allocator *alloc = NULL;
  if (heic_allocator_new(&alloc, NULL) != HEIC_OK) return 1;
  hc_mem mem;
  hc_mem_init(&mem, alloc, 0);
  hevc_enc_config cfg;
  hevc_enc_config_default(&cfg);
  cfg.qp = 30;
  cfg.qp_jitter = 3;

  /* NAL layout: VPS SPS PPS IDR suffix-SEI; the buffers outlive the encoder */
  hevc_enc_output out = {0};
  hevc_enc_recon rec;
  uint8_t *a = NULL, *b = NULL;
  size_t na = 0, nb = 0;
  CHECK(encode(&mem, &cfg, &out, &rec, &a, &na) == HEIC_OK);
  static const int types[5] = {32, 33, 34, 19, 40};
  CHECK(out.count == 5);
  for (int i = 0; i < out.count && i < 5; i++) {
    CHECK(out.nal[i].type == types[i]);
    CHECK(heic_buffer_data(out.nal[i].buf)[0] >> 1 == types[i]);
  }
  hevc_enc_output_clear(&out);
  CHECK(out.count == 0);
  hevc_enc_output_clear(&out); /* twice is harmless */

  /* determinism, and keep_recon does not change the stream */
  CHECK(encode(&mem, &cfg, &out, NULL, &b, &nb) == HEIC_OK);
  CHECK(na == nb && !memcmp(a, b, na));
  hevc_enc_output_clear(&out);
  free(a);
  free(b);
  CHECK(hc_mem_outstanding(&mem) == 0);

  /* presets: names, and each one encodes deterministically */
  CHECK(hevc_enc_preset_from_name("ultrafast") == HEVC_PRESET_ULTRAFAST);
  CHECK(hevc_enc_preset_from_name("fast") == HEVC_PRESET_FAST);
  CHECK(hevc_enc_preset_from_name("medium") == HEVC_PRESET_MEDIUM);
  CHECK(hevc_enc_preset_from_name("slow") == HEVC_PRESET_SLOW);
  CHECK(hevc_enc_preset_from_name("veryslow") == HEVC_PRESET_VERYSLOW);
  CHECK(hevc_enc_preset_from_name("placebo") == -1);
  CHECK(hevc_enc_preset_from_name(NULL) == -1);
  {
    hevc_enc_config pc = cfg;
    CHECK(hevc_enc_config_preset(&pc, HEVC_PRESET_COUNT) == -1);
    CHECK(!memcmp(&pc, &cfg, sizeof(pc)));
    for (int p = 0; p < HEVC_PRESET_COUNT; p++) {
      CHECK(hevc_enc_config_preset(&pc, (hevc_enc_preset)p) == 0);
      CHECK(pc.qp == cfg.qp && pc.qp_jitter == cfg.qp_jitter);
      CHECK(encode(&mem, &pc, &out, NULL, &a, &na) == HEIC_OK);
      hevc_enc_output_clear(&out);
      CHECK(encode(&mem, &pc, &out, NULL, &b, &nb) == HEIC_OK);
      hevc_enc_output_clear(&out);
      CHECK(na == nb && !memcmp(a, b, na));
      free(a);
      free(b);
    }
  }
  CHECK(hc_mem_outstanding(&mem) == 0);

  /* argument errors */
  {
    hc_err err;
    hc_err_clear(&err);
    hevc_encoder *enc = NULL;
    hevc_enc_config bad = cfg;
    bad.qp = 52;
    CHECK(hevc_encoder_new(&enc, &mem, &bad, &err) == HEIC_ERR_INVALID_ARGUMENT && !enc);
    bad = cfg;
    bad.bit_depth = 14;
    hc_err_clear(&err);
    CHECK(hevc_encoder_new(&enc, &mem, &bad, &err) == HEIC_ERR_UNSUPPORTED && !enc);
    CHECK(strstr(err.message, "bit depth 14") != NULL);
    bad.bit_depth = 9;
    CHECK(hevc_encoder_new(&enc, &mem, &bad, &err) == HEIC_ERR_UNSUPPORTED && !enc);
    bad = cfg;
    bad.chroma_format = 4; /* no such format */
    CHECK(hevc_encoder_new(&enc, &mem, &bad, &err) == HEIC_ERR_INVALID_ARGUMENT && !enc);
    bad.chroma_format = -1;
    CHECK(hevc_encoder_new(&enc, &mem, &bad, &err) == HEIC_ERR_INVALID_ARGUMENT && !enc);
    bad = cfg;
    bad.lossless = 2;
    hc_err_clear(&err);
    CHECK(hevc_encoder_new(&enc, &mem, &bad, &err) == HEIC_ERR_INVALID_ARGUMENT && !enc);
    CHECK(strstr(err.message, "lossless") != NULL);
    bad = cfg;
    bad.cu_min_log2 = 2; /* 4x4 is not a CU size */
    CHECK(hevc_encoder_new(&enc, &mem, &bad, &err) == HEIC_ERR_INVALID_ARGUMENT && !enc);
    bad = cfg;
    bad.cu_min_log2 = 5;
    bad.cu_max_log2 = 4; /* an empty range */
    CHECK(hevc_encoder_new(&enc, &mem, &bad, &err) == HEIC_ERR_INVALID_ARGUMENT && !enc);
    bad = cfg;
    bad.keep_recon = 2;
    CHECK(hevc_encoder_new(&enc, &mem, &bad, &err) == HEIC_ERR_INVALID_ARGUMENT && !enc);
    CHECK(hevc_encoder_new(&enc, &mem, &cfg, &err) == HEIC_OK);
    hevc_enc_picture pic = {0, 5, {planes[0], planes[1], planes[2]}, {W, W, W}};
    CHECK(hevc_encoder_encode(enc, &pic, &out, &err) != HEIC_OK && out.count == 0);
    CHECK(hevc_encoder_recon(enc, &rec) != HEIC_OK);
    hevc_encoder_free(&enc);
    hevc_encoder_free(&enc);
  }
  CHECK(hc_mem_outstanding(&mem) == 0);

  test_formats(&mem, &cfg);
  CHECK(hc_mem_outstanding(&mem) == 0);

  /* allocation failure at every point */
  uint64_t before = heic_allocator_allocation_count(alloc);
  CHECK(encode(&mem, &cfg, &out, NULL, NULL, NULL) == HEIC_OK);
  hevc_enc_output_clear(&out);
  uint64_t count = heic_allocator_allocation_count(alloc) - before;
  CHECK(count > 5);
  for (uint64_t i = 1; i <= count; i++) {
    heic_allocator_fail_at(alloc, i);
    heic_status st = encode(&mem, &cfg, &out, NULL, NULL, NULL);
    heic_allocator_fail_at(alloc, 0);
    if (st == HEIC_OK) {
      fprintf(stderr, "allocation %llu failed but the encode succeeded\n", (unsigned long long)i);
      failures++;
    }
    hevc_enc_output_clear(&out);
    if (hc_mem_outstanding(&mem) != 0 || heic_allocator_outstanding_bytes(alloc) != 0) {
      fprintf(stderr, "allocation %llu: bytes leaked\n", (unsigned long long)i);
      failures++;
    }
  }
  heic_allocator_free(&alloc);
  if (failures) fprintf(stderr, "%d failures\n", failures);
  return failures ? 1 : 0;
}
