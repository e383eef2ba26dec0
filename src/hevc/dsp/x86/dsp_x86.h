/*
 * x86 kernel tiers.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Only built into the x86 targets: dsp.c includes this under an
 * architecture check.  Each file under x86/ compiles its kernels with a
 * per-function target attribute (HEVC_AVX2 below) rather than a per-file
 * -mavx2, so that nothing the compiler emits for the rest of the library can
 * contain instructions the running CPU lacks; hevc_dsp_init_x86() installs a
 * tier only after the CPU (and the OS, for the YMM state) reports it.
 */
#ifndef HEIC_HEVC_DSP_X86_H
#define HEIC_HEVC_DSP_X86_H

#include "../dsp.h"

#define HEVC_AVX2 __attribute__((target("avx2")))

/* Before a loop with a small constant trip count over an array of vectors:
 * GCC at -O2 keeps such loops, and the array then lives on the stack
 * instead of in registers (2-3x slower kernels).  Clang accepts it too. */
#if defined(__OPTIMIZE__)
#define HEVC_UNROLL _Pragma("GCC unroll 16")
#else
/* -O0 (Debug) cannot unroll, and GCC warns "ignoring loop annotation". */
#define HEVC_UNROLL
#endif

/* Tiers, as a mask: the kernel tests install one tier at a time. */
enum { HEVC_CPU_AVX2 = 1u << 0, HEVC_CPU_ALL = ~0u };

/* The tiers this CPU can run. */
unsigned hevc_cpu_flags_x86(void);

/* Overwrites the entries of every tier in (mask & hevc_cpu_flags_x86()). */
void hevc_dsp_init_x86(hevc_dsp *dsp, unsigned mask);

/* Per-file installers, called only for a CPU that has the tier. */
void hevc_dsp_init_satd_avx2(hevc_dsp *dsp);
void hevc_dsp_init_sse_avx2(hevc_dsp *dsp);
void hevc_dsp_init_transform_avx2(hevc_dsp *dsp);
void hevc_dsp_init_intrapred_avx2(hevc_dsp *dsp);
void hevc_dsp_init_sao_avx2(hevc_dsp *dsp);
void hevc_dsp_init_residual_avx2(hevc_dsp *dsp);

#endif
