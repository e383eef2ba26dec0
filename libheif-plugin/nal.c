/*
 * libheif-libheic.so: emulation prevention (nal.h).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "nal.h"

size_t lp_nal_escape(const uint8_t *rbsp, size_t n, uint8_t *out, size_t cap) {
  size_t o = 0;
  int zeros = 0;
  for (size_t i = 0; i < n; i++) {
    if (zeros >= 2 && rbsp[i] <= 3) {
      if (o >= cap) return 0;
      out[o++] = 3;
      zeros = 0;
    }
    if (o >= cap) return 0;
    out[o++] = rbsp[i];
    zeros = rbsp[i] ? 0 : zeros + 1;
  }
  return o;
}

size_t lp_nal_unescape(const uint8_t *payload, size_t n, uint8_t *out) {
  size_t o = 0;
  int zeros = 0;
  for (size_t i = 0; i < n; i++) {
    if (zeros >= 2 && payload[i] == 3) {
      zeros = 0;
      continue;
    }
    out[o++] = payload[i];
    zeros = payload[i] ? 0 : zeros + 1;
  }
  return o;
}
