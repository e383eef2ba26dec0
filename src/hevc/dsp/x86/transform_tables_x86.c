/*
 * int16 transform matrices for the x86 kernels.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Derived at run time from the standard's int8 tables (tables.c) rather than
 * typed out a second time; pthread_once makes the one-time fill safe when
 * several encoders start at once.
 */
#if defined(__x86_64__) || defined(__i386__)

#include <pthread.h>

#include "../../tables.h"
#include "transform_x86.h"

hevc_x86_tmat hevc_x86_tm;
static pthread_once_t tm_once = PTHREAD_ONCE_INIT;

static void fill(int16_t *fwd, int16_t *inv, int log2) {
  int n = 1 << log2;
  for (int k = 0; k < n; k++)
    for (int i = 0; i < n; i++) {
      int v = hevc_dct32[k << (5 - log2)][i];
      fwd[k * n + i] = (int16_t)v;
      inv[i * n + k] = (int16_t)v;
    }
}

static void fill_x2(int32_t x2[4][4][8], const int16_t *m) {
  for (int k = 0; k < 4; k++)
    for (int p = 0; p < 4; p++)
      for (int l = 0; l < 8; l++) {
        int row = k + (l < 4 ? 0 : 4);
        uint32_t lo = (uint16_t)m[row * 8 + 2 * p], hi = (uint16_t)m[row * 8 + 2 * p + 1];
        x2[k][p][l] = (int32_t)(lo | hi << 16);
      }
}

static void fill_odd(int16_t *odd, int log2) {
  int n = 1 << log2, h = n / 2;
  for (int i = 0; i < h; i++)
    for (int j = 0; j < h; j++) odd[i * h + j] = hevc_dct32[(2 * j + 1) << (5 - log2)][i];
}

static void build(void) {
  fill(hevc_x86_tm.fwd4, hevc_x86_tm.inv4, 2);
  fill(hevc_x86_tm.fwd8, hevc_x86_tm.inv8, 3);
  fill(hevc_x86_tm.fwd16, hevc_x86_tm.inv16, 4);
  fill(hevc_x86_tm.fwd32, hevc_x86_tm.inv32, 5);
  for (int k = 0; k < 4; k++)
    for (int i = 0; i < 4; i++) {
      hevc_x86_tm.dst[k * 4 + i] = hevc_dst4[k][i];
      hevc_x86_tm.dst_t[i * 4 + k] = hevc_dst4[k][i];
    }
  fill_x2(hevc_x86_tm.fwd8x2, hevc_x86_tm.fwd8);
  fill_x2(hevc_x86_tm.inv8x2, hevc_x86_tm.inv8);
  fill_odd(hevc_x86_tm.odd4, 2);
  fill_odd(hevc_x86_tm.odd8, 3);
  fill_odd(hevc_x86_tm.odd16, 4);
  fill_odd(hevc_x86_tm.odd32, 5);
}

void hevc_x86_transform_matrices_init(void) { pthread_once(&tm_once, build); }

#else
typedef int hevc_transform_tables_x86_unused;
#endif
