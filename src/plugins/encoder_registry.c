/*
 * Built-in encoder plugins and their shared parameter helpers.
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "encoder_registry.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Order is preference: hp_find_encoder(NULL) returns the first entry.  The
 * builtin encoder comes first because it is always there and keeps the
 * library BSD-licensed; x265 must be asked for by name. */
static const heic_encoder_plugin *const k_encoders[] = {
  &hp_encoder_builtin,
#ifdef HEIC_HAVE_X265
  &hp_encoder_x265,
#endif
};

#define ENCODER_COUNT (sizeof(k_encoders) / sizeof(k_encoders[0]))

size_t hp_encoder_count(void) {
  return ENCODER_COUNT;
}

const heic_encoder_plugin *hp_encoder_at(size_t index) {
  return index < ENCODER_COUNT ? k_encoders[index] : NULL;
}

const heic_encoder_plugin *hp_find_encoder(const char *name) {
  if (!name) return k_encoders[0];
  for (size_t i = 0; i < ENCODER_COUNT; i++)
    if (!strcmp(k_encoders[i]->name, name)) return k_encoders[i];
  return NULL;
}

const heic_encoder_plugin *heic_encoder_plugin_find(const char *name) { return hp_find_encoder(name); }

void hp_plugin_logf(const heic_plugin_host *host, heic_log_level level, const char *fmt, ...) {
  if (!host || !host->log) return;
  /* Messages name a parameter and a value the caller typed; 256 bytes holds
   * any sensible one, and a longer one is truncated rather than dropped. */
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  host->log(host->opaque, level, msg);
}

const heic_param_info *hp_param_lookup(const heic_param_info *(*param_info)(uint32_t),
                                       const char *name) {
  if (!param_info || !name) return NULL;
  for (uint32_t i = 0;; i++) {
    const heic_param_info *p = param_info(i);
    if (!p) return NULL;
    if (!strcmp(p->name, name)) return p;
  }
}

heic_status hp_param_parse(const heic_plugin_host *host, const char *plugin,
                           const heic_param_info *info, const char *value, int *out) {
  if (!info || !value || !out) return HEIC_ERR_INVALID_ARGUMENT;
  switch (info->type) {
    case HEIC_PARAM_INT: {
      /* Decimal only, the whole string, no surrounding space: "-p qp=0x10"
       * or "quality=50abc" are typing mistakes worth reporting. */
      const char *p = value;
      if (*p == '+' || *p == '-') p++;
      int digits = *p >= '0' && *p <= '9';
      char *end = NULL;
      errno = 0;
      long v = digits ? strtol(value, &end, 10) : 0;
      if (!digits || errno || *end || v < info->min || v > info->max) {
        hp_plugin_logf(host, HEIC_LOG_ERROR, "%s: %s=%s: expected an integer in %d..%d", plugin,
                       info->name, value, info->min, info->max);
        return HEIC_ERR_INVALID_ARGUMENT;
      }
      *out = (int)v;
      return HEIC_OK;
    }
    case HEIC_PARAM_BOOL:
      if (!strcmp(value, "1") || !strcmp(value, "true")) {
        *out = 1;
        return HEIC_OK;
      }
      if (!strcmp(value, "0") || !strcmp(value, "false")) {
        *out = 0;
        return HEIC_OK;
      }
      hp_plugin_logf(host, HEIC_LOG_ERROR, "%s: %s=%s: expected 0, 1, true or false", plugin,
                     info->name, value);
      return HEIC_ERR_INVALID_ARGUMENT;
    case HEIC_PARAM_CHOICE:
      for (int i = 0; info->choices && info->choices[i]; i++) {
        if (!strcmp(info->choices[i], value)) {
          *out = i;
          return HEIC_OK;
        }
      }
      {
        /* List the choices so the message alone tells the user what to type. */
        char list[160];
        size_t n = 0;
        list[0] = 0;
        for (int i = 0; info->choices && info->choices[i] && n < sizeof(list); i++) {
          int w = snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", info->choices[i]);
          if (w < 0) break;
          n += (size_t)w;
        }
        hp_plugin_logf(host, HEIC_LOG_ERROR, "%s: %s=%s: expected one of %s", plugin, info->name,
                       value, list);
      }
      return HEIC_ERR_INVALID_ARGUMENT;
  }
  /* A descriptor with a type this version does not know: a plugin bug. */
  hp_plugin_logf(host, HEIC_LOG_ERROR, "%s: %s has unknown parameter type %d", plugin,
                 info->name, (int)info->type);
  return HEIC_ERR_INTERNAL;
}

const char *hp_chroma_name(heic_chroma chroma) {
  switch (chroma) {
    case HEIC_CHROMA_400: return "4:0:0";
    case HEIC_CHROMA_420: return "4:2:0";
    case HEIC_CHROMA_422: return "4:2:2";
    case HEIC_CHROMA_444: return "4:4:4";
  }
  return "unknown chroma format";
}

heic_status hp_check_picture(const heic_plugin_host *host, const char *plugin,
                             const heic_plugin_picture *pic) {
  if (!pic) return HEIC_ERR_INVALID_ARGUMENT;
  if (pic->width < 1 || pic->height < 1) {
    hp_plugin_logf(host, HEIC_LOG_ERROR, "%s: empty picture (%ux%u)", plugin, pic->width,
                   pic->height);
    return HEIC_ERR_INVALID_ARGUMENT;
  }
  if (pic->bit_depth_luma < 1 || pic->bit_depth_luma > 16 || pic->bit_depth_chroma < 1 ||
      pic->bit_depth_chroma > 16) {
    hp_plugin_logf(host, HEIC_LOG_ERROR, "%s: bit depth %d/%d (luma/chroma) outside 1..16",
                   plugin, pic->bit_depth_luma, pic->bit_depth_chroma);
    return HEIC_ERR_INVALID_ARGUMENT;
  }
  uint32_t cw = pic->width, ch = pic->height;
  int planes = 3;
  switch (pic->chroma) {
    case HEIC_CHROMA_400: planes = 1; break;
    case HEIC_CHROMA_420:
      cw = pic->width / 2 + pic->width % 2;
      ch = pic->height / 2 + pic->height % 2;
      break;
    case HEIC_CHROMA_422: cw = pic->width / 2 + pic->width % 2; break;
    case HEIC_CHROMA_444: break;
    default:
      hp_plugin_logf(host, HEIC_LOG_ERROR, "%s: unknown chroma format %d", plugin,
                     (int)pic->chroma);
      return HEIC_ERR_INVALID_ARGUMENT;
  }
  for (int c = 0; c < planes; c++) {
    uint32_t w = c ? cw : pic->width, h = c ? ch : pic->height;
    if (!pic->planes[c] || pic->plane_w[c] != w || pic->plane_h[c] != h ||
        pic->strides[c] < w || pic->strides[c] > (size_t)PTRDIFF_MAX / 2) {
      hp_plugin_logf(host, HEIC_LOG_ERROR,
                     "%s: plane %d is %ux%u (stride %zu, %s); a %ux%u %s picture needs %ux%u",
                     plugin, c, pic->plane_w[c], pic->plane_h[c], pic->strides[c],
                     pic->planes[c] ? "present" : "missing", pic->width, pic->height,
                     hp_chroma_name(pic->chroma), w, h);
      return HEIC_ERR_INVALID_ARGUMENT;
    }
  }
  /* Encoders clip or mask out-of-range samples silently.  A sample above
   * the bit depth means the host mixed up depths (say, 16-bit PNG values
   * sent as 8-bit), which clipping would turn into a quietly wrong image. */
  for (int c = 0; c < planes; c++) {
    int depth = c ? pic->bit_depth_chroma : pic->bit_depth_luma;
    uint32_t maxv = (1u << depth) - 1;
    for (uint32_t y = 0; y < pic->plane_h[c]; y++) {
      const uint16_t *row = pic->planes[c] + (size_t)y * pic->strides[c];
      for (uint32_t x = 0; x < pic->plane_w[c]; x++) {
        if (row[x] > maxv) {
          hp_plugin_logf(host, HEIC_LOG_ERROR,
                         "%s: plane %d sample (%u,%u) = %u exceeds the %d-bit range", plugin, c,
                         x, y, row[x], depth);
          return HEIC_ERR_INVALID_ARGUMENT;
        }
      }
    }
  }
  return HEIC_OK;
}
