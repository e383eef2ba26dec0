/*
 * libheif-libheic.so: the identifying SEI NAL unit (sei.h).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "sei.h"

#include <string.h>

#include "nal.h"

#define SEI_PREFIX_NUT 39
#define USER_DATA_UNREGISTERED 5
#define RBSP_MAX 512

/* sei_message()'s payloadType and payloadSize are coded as runs of 0xff
 * and a last byte below it. */
static size_t put_number(uint8_t *rbsp, size_t o, size_t v) {
  for (; v >= 255; v -= 255) rbsp[o++] = 0xff;
  rbsp[o++] = (uint8_t)v;
  return o;
}

size_t lp_sei_write(const char *text, uint8_t *out, size_t cap) {
  static const uint8_t uuid[16] = LP_SEI_UUID;
  uint8_t rbsp[RBSP_MAX];
  size_t len = strlen(text);
  if (cap < 2 || len > RBSP_MAX - sizeof(uuid) - 8) return 0;
  size_t o = put_number(rbsp, 0, USER_DATA_UNREGISTERED);
  o = put_number(rbsp, o, sizeof(uuid) + len);
  memcpy(rbsp + o, uuid, sizeof(uuid));
  o += sizeof(uuid);
  memcpy(rbsp + o, text, len);
  o += len;
  rbsp[o++] = 0x80; /* rbsp_trailing_bits */
  /* nal_unit_header: nal_unit_type, nuh_layer_id 0, nuh_temporal_id_plus1 1 */
  out[0] = SEI_PREFIX_NUT << 1;
  out[1] = 1;
  size_t n = lp_nal_escape(rbsp, o, out + 2, cap - 2);
  return n ? n + 2 : 0;
}
