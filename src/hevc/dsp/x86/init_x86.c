/*
 * x86 CPU detection and tier selection.  SPDX-License-Identifier: BSD-2-Clause
 */
#if defined(__x86_64__) || defined(__i386__)

#include "dsp_x86.h"

unsigned hevc_cpu_flags_x86(void) {
  /* __builtin_cpu_init is needed when this runs before the constructors
   * (a static initialiser of a program linking us); it is idempotent.  The
   * AVX2 bit is only reported when the OS saves the YMM state (XCR0). */
  __builtin_cpu_init();
  unsigned f = 0;
  if (__builtin_cpu_supports("avx2")) f |= HEVC_CPU_AVX2;
  return f;
}

void hevc_dsp_init_x86(hevc_dsp *dsp, unsigned mask) {
  unsigned f = hevc_cpu_flags_x86() & mask;
  if (f & HEVC_CPU_AVX2) {
    hevc_dsp_init_satd_avx2(dsp);
    hevc_dsp_init_sse_avx2(dsp);
    hevc_dsp_init_transform_avx2(dsp);
    hevc_dsp_init_intrapred_avx2(dsp);
    hevc_dsp_init_sao_avx2(dsp);
    hevc_dsp_init_residual_avx2(dsp);
  }
}

#else
/* ISO C forbids an empty translation unit. */
typedef int hevc_init_x86_unused;
#endif
