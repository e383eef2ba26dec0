/*
 * libheif-libheic.so: binding to the host libheif at load time (host.h).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NOLOAD, RTLD_DEFAULT */
#endif
#include "host.h"

#include <dlfcn.h>
#include <string.h>

static lp_host g_host;

/* dlsym() returns an object pointer; POSIX guarantees it can hold a
 * function's address, and copying the bytes avoids the cast C forbids. */
static int find(void *lib, const char *name, void *fn_ptr, size_t fn_size) {
  void *sym = dlsym(lib, name);
  if (!sym || fn_size != sizeof(sym)) return 0;
  memcpy(fn_ptr, &sym, fn_size);
  return 1;
}

#define FIND(lib, name, field) find((lib), (name), &g_host.field, sizeof(g_host.field))

#define LIBHEIF_SONAME "libheif.so.1" /* since libheif 1.0 */

void lp_host_bind(void) {
  memset(&g_host, 0, sizeof(g_host));
  /* RTLD_NOLOAD only returns a handle when libheif is already in the
   * process.  A static libheif in the executable may still have its
   * symbols in the global scope; failing both, we were preloaded. */
  g_host.origin = LP_HOST_BY_LIBHEIF;
  void *lib = dlopen(LIBHEIF_SONAME, RTLD_LAZY | RTLD_NOLOAD);
  void *scope = lib ? lib : RTLD_DEFAULT;
  if (!lib && !dlsym(RTLD_DEFAULT, "heif_get_version_number")) {
    lib = dlopen(LIBHEIF_SONAME, RTLD_LAZY);
    scope = lib;
    g_host.origin = lib ? LP_HOST_PRELOADED : LP_HOST_MISSING;
    if (!lib) return;
  }
  uint32_t (*version)(void) = NULL;
  if (find(scope, "heif_get_version_number", &version, sizeof(version))) g_host.version = version();
  int ok = 1;
  ok &= FIND(scope, "heif_image_get_width", image_get_width);
  ok &= FIND(scope, "heif_image_get_height", image_get_height);
  ok &= FIND(scope, "heif_image_get_colorspace", image_get_colorspace);
  ok &= FIND(scope, "heif_image_get_chroma_format", image_get_chroma_format);
  ok &= FIND(scope, "heif_image_get_bits_per_pixel_range", image_get_bits_per_pixel_range);
  ok &= FIND(scope, "heif_image_has_channel", image_has_channel);
  ok &= FIND(scope, "heif_image_get_plane_readonly", image_get_plane_readonly);
  ok &= FIND(scope, "heif_image_get_nclx_color_profile", image_get_nclx_color_profile);
  ok &= FIND(scope, "heif_nclx_color_profile_free", nclx_color_profile_free);
  ok &= FIND(scope, "heif_register_encoder_plugin", register_encoder_plugin);
  g_host.complete = ok && g_host.version != 0;
  /* Loaded by libheif: its functions stay valid after this, since libheif
   * unloads its plugins before itself.  Preloaded: the handle is kept, so
   * that libheif stays for as long as the process. */
  if (lib && g_host.origin == LP_HOST_BY_LIBHEIF) dlclose(lib);
}

const lp_host *lp_host_api(void) { return &g_host; }
