/*
 * Kernel table setup.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "dsp.h"

#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include "x86/dsp_x86.h"
#endif

int hevc_dsp_simd_disabled(void) {
  /* Read on every init rather than cached: the conformance scripts and the
   * kernel tests switch it per process, and the encoder initialises its
   * table once per picture, so the cost is nil. */
  const char *v = getenv("HEIC_NO_SIMD");
  return v && *v && !(v[0] == '0' && v[1] == '\0');
}

void hevc_dsp_init(hevc_dsp *dsp) {
  hevc_dsp_init_c(dsp);
  if (hevc_dsp_simd_disabled()) return;
  /* SIMD tiers, each overwriting the entries it implements. */
#if defined(__x86_64__) || defined(__i386__)
  hevc_dsp_init_x86(dsp, HEVC_CPU_ALL);
#endif
}
