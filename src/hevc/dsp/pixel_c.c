/*
 * Distortion kernels, C reference.  SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>

#include "dsp.h"

static uint32_t hadamard4(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b, ptrdiff_t sb) {
  int d[16], m[16];
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 4; x++) d[y * 4 + x] = a[y * sa + x] - b[y * sb + x];
  for (int y = 0; y < 4; y++) {
    int *r = d + y * 4;
    int s0 = r[0] + r[1], s1 = r[0] - r[1], s2 = r[2] + r[3], s3 = r[2] - r[3];
    m[y * 4 + 0] = s0 + s2;
    m[y * 4 + 1] = s1 + s3;
    m[y * 4 + 2] = s0 - s2;
    m[y * 4 + 3] = s1 - s3;
  }
  uint32_t sum = 0;
  for (int x = 0; x < 4; x++) {
    int s0 = m[x] + m[4 + x], s1 = m[x] - m[4 + x];
    int s2 = m[8 + x] + m[12 + x], s3 = m[8 + x] - m[12 + x];
    sum += (uint32_t)(abs(s0 + s2) + abs(s1 + s3) + abs(s0 - s2) + abs(s1 - s3));
  }
  return (sum + 1) >> 1;
}

static uint32_t hadamard8(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b, ptrdiff_t sb) {
  int m[64];
  for (int y = 0; y < 8; y++) {
    int d[8];
    for (int x = 0; x < 8; x++) d[x] = a[y * sa + x] - b[y * sb + x];
    for (int s = 1; s < 8; s <<= 1)
      for (int i = 0; i < 8; i += 2 * s)
        for (int j = i; j < i + s; j++) {
          int p = d[j], q = d[j + s];
          d[j] = p + q;
          d[j + s] = p - q;
        }
    for (int x = 0; x < 8; x++) m[y * 8 + x] = d[x];
  }
  uint32_t sum = 0;
  for (int x = 0; x < 8; x++) {
    int d[8];
    for (int y = 0; y < 8; y++) d[y] = m[y * 8 + x];
    for (int s = 1; s < 8; s <<= 1)
      for (int i = 0; i < 8; i += 2 * s)
        for (int j = i; j < i + s; j++) {
          int p = d[j], q = d[j + s];
          d[j] = p + q;
          d[j + s] = p - q;
        }
    for (int y = 0; y < 8; y++) sum += (uint32_t)abs(d[y]);
  }
  return (sum + 2) >> 2;
}

static uint32_t satd4_c(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b, ptrdiff_t sb) {
  return hadamard4(a, sa, b, sb);
}

#define SATD_N(N)                                                                         \
  static uint32_t satd##N##_c(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b,     \
                              ptrdiff_t sb) {                                             \
    uint32_t s = 0;                                                                       \
    for (int y = 0; y < N; y += 8)                                                        \
      for (int x = 0; x < N; x += 8) s += hadamard8(a + y * sa + x, sa, b + y * sb + x, sb); \
    return s;                                                                             \
  }
SATD_N(8)
SATD_N(16)
SATD_N(32)

#define SSE_N(N)                                                                          \
  static uint64_t sse##N##_c(const hevc_pixel *a, ptrdiff_t sa, const hevc_pixel *b,      \
                             ptrdiff_t sb) {                                              \
    uint64_t s = 0;                                                                       \
    for (int y = 0; y < N; y++)                                                           \
      for (int x = 0; x < N; x++) {                                                       \
        int d = a[y * sa + x] - b[y * sb + x];                                            \
        s += (uint64_t)(d * d);                                                           \
      }                                                                                   \
    return s;                                                                             \
  }
SSE_N(4)
SSE_N(8)
SSE_N(16)
SSE_N(32)

void hevc_dsp_init_intrapred_c(hevc_dsp *dsp);
void hevc_dsp_init_transform_c(hevc_dsp *dsp);
void hevc_dsp_init_sao_c(hevc_dsp *dsp);
void hevc_dsp_init_residual_c(hevc_dsp *dsp);

void hevc_dsp_init_c(hevc_dsp *dsp) {
  hevc_dsp_init_intrapred_c(dsp);
  hevc_dsp_init_transform_c(dsp);
  hevc_dsp_init_sao_c(dsp);
  hevc_dsp_init_residual_c(dsp);
  dsp->satd[0] = satd4_c;
  dsp->satd[1] = satd8_c;
  dsp->satd[2] = satd16_c;
  dsp->satd[3] = satd32_c;
  dsp->sse[0] = sse4_c;
  dsp->sse[1] = sse8_c;
  dsp->sse[2] = sse16_c;
  dsp->sse[3] = sse32_c;
}
