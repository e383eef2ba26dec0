/*
 * Kernel table setup.  SPDX-License-Identifier: BSD-2-Clause
 */
#include "dsp.h"

void hevc_dsp_init(hevc_dsp *dsp) {
  hevc_dsp_init_c(dsp);
  /* SIMD tiers go here, each overwriting the entries it implements. */
}
