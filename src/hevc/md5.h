/*
 * MD5 (RFC 1321) for the decoded picture hash SEI.  SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HEIC_HEVC_MD5_H
#define HEIC_HEVC_MD5_H

#include <stddef.h>
#include <stdint.h>

typedef struct hevc_md5 {
  uint32_t h[4];
  uint64_t len;
  uint8_t buf[64];
  size_t fill;
} hevc_md5;

void hevc_md5_init(hevc_md5 *m);
void hevc_md5_update(hevc_md5 *m, const void *data, size_t n);
void hevc_md5_final(hevc_md5 *m, uint8_t out[16]);

#endif
