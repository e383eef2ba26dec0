/*
 * HEVC decoder plugin over libde265.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Follows the ownership rules D1-D5 of heic/heic_plugin.h:
 *  - open() owns a small state block and one de265 decoder context; close()
 *    frees both (D1, D5).  libde265 allocates with its own malloc/new, so that
 *    memory is invisible to the host's accounting; the plugin interface has
 *    no allocator hook either, which is why the state block uses calloc().
 *  - de265_push_NAL() copies the NAL into libde265's own queue before it
 *    returns, so the borrowed bytes are never kept (D2).
 *  - Samples are copied out of libde265's picture into the host's planes
 *    while the picture is still in libde265's output queue, then the picture
 *    is released back to libde265 (D3).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libde265/de265.h>

#include "plugins/decoder_registry.h"

typedef struct de_state {
  de265_decoder_context *ctx;
  const heic_plugin_host *host; /* borrowed until close() (heic_plugin_host) */
  de265_error last_warning;     /* the most recent one, to explain "no picture" */
} de_state;

static void de_log(const de_state *s, heic_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void de_log(const de_state *s, heic_log_level level, const char *fmt, ...) {
  if (!s->host->log) return;
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  s->host->log(s->host->opaque, level, msg);
}

/* Logs libde265's own text for e and maps it onto our status codes. */
static heic_status de_fail(const de_state *s, de265_error e, const char *what) {
  de_log(s, HEIC_LOG_ERROR, "libde265: %s: %s", what, de265_get_error_text(e));
  return e == DE265_ERROR_OUT_OF_MEMORY ? HEIC_ERR_OUT_OF_MEMORY : HEIC_ERR_DECODER;
}

/* libde265 queues warnings (bounded by its own buffer); the cap only guards
 * against a library that would keep returning one. */
static void de_drain_warnings(de_state *s) {
  for (int i = 0; i < 256; i++) {
    de265_error w = de265_get_warning(s->ctx);
    if (w == DE265_OK) return;
    s->last_warning = w;
    de_log(s, HEIC_LOG_WARNING, "libde265: %s", de265_get_error_text(w));
  }
}

static heic_status de_open(void **state, const heic_plugin_host *host) {
  if (!state || !host || !host->alloc_planes) return HEIC_ERR_INVALID_ARGUMENT;
  *state = NULL;
  de_state *s = calloc(1, sizeof(*s));
  if (!s) return HEIC_ERR_OUT_OF_MEMORY;
  s->host = host;
  s->last_warning = DE265_OK;
  s->ctx = de265_new_decoder();
  if (!s->ctx) {
    free(s);
    return HEIC_ERR_OUT_OF_MEMORY;
  }
  /* No de265_start_worker_threads(): libde265 then decodes on the calling
   * thread.  Grid images are parallelised across tiles by the host, and
   * worker threads per tile would only oversubscribe the CPUs. */
  *state = s;
  return HEIC_OK;
}

static heic_status de_push_nal(void *state, const uint8_t *nal, size_t size) {
  de_state *s = state;
  if (!s || !nal || size == 0) return HEIC_ERR_INVALID_ARGUMENT;
  /* libde265 takes an int length. */
  if (size > INT_MAX) {
    de_log(s, HEIC_LOG_ERROR, "libde265: NAL unit of %zu bytes is too large", size);
    return HEIC_ERR_LIMIT_EXCEEDED;
  }
  de265_error e = de265_push_NAL(s->ctx, nal, (int)size, 0, NULL);
  if (!de265_isOK(e)) return de_fail(s, e, "pushing a NAL unit");
  return HEIC_OK;
}

static heic_chroma de_chroma(enum de265_chroma c) {
  switch (c) {
    case de265_chroma_mono: return HEIC_CHROMA_400;
    case de265_chroma_420: return HEIC_CHROMA_420;
    case de265_chroma_422: return HEIC_CHROMA_422;
    case de265_chroma_444: return HEIC_CHROMA_444;
  }
  return HEIC_CHROMA_420;
}

static heic_status de_copy_plane(const de_state *s, const struct de265_image *img, int c,
                                 int bit_depth, heic_plugin_picture *pic) {
  int stride = 0;
  const uint8_t *src = de265_get_image_plane(img, c, &stride);
  int pw = de265_get_image_width(img, c), ph = de265_get_image_height(img, c);
  size_t bps = bit_depth > 8 ? 2 : 1;
  /* The host sized its planes from width, height and chroma; a different
   * size here means libde265 and the host disagree about subsampling, and
   * copying would write outside the host's plane. */
  if (!src || pw <= 0 || ph <= 0 || (uint32_t)pw != pic->plane_w[c] ||
      (uint32_t)ph != pic->plane_h[c] || (!pic->planes[c] && !pic->planes8[c]) ||
      (pic->planes8[c] && bps != 1) || pic->strides[c] < (size_t)pw ||
      stride < 0 || (size_t)stride < (size_t)pw * bps) {
    de_log(s, HEIC_LOG_ERROR, "libde265: plane %d is %dx%d, the host allocated %ux%u", c, pw,
           ph, pic->plane_w[c], pic->plane_h[c]);
    return HEIC_ERR_DECODER;
  }
  for (int y = 0; y < ph; y++) {
    const uint8_t *row = src + (size_t)y * (size_t)stride;
    if (pic->planes8[c]) { /* 8-bit storage: the host asked for bytes */
      memcpy(pic->planes8[c] + (size_t)y * pic->strides[c], row, (size_t)pw);
      continue;
    }
    uint16_t *dst = pic->planes[c] + (size_t)y * pic->strides[c];
    if (bps == 2) {
      /* libde265 stores deep samples as native-endian uint16_t. */
      memcpy(dst, row, (size_t)pw * 2);
    } else {
      for (int x = 0; x < pw; x++) dst[x] = row[x];
    }
  }
  return HEIC_OK;
}

static heic_status de_copy_picture(const de_state *s, const struct de265_image *img,
                                   heic_plugin_picture *pic) {
  heic_chroma chroma = de_chroma(de265_get_chroma_format(img));
  int w = de265_get_image_width(img, 0), h = de265_get_image_height(img, 0);
  int bdl = de265_get_bits_per_pixel(img, 0);
  int bdc = chroma == HEIC_CHROMA_400 ? bdl : de265_get_bits_per_pixel(img, 1);
  if (w <= 0 || h <= 0 || bdl < 1 || bdl > 16 || bdc < 1 || bdc > 16) {
    de_log(s, HEIC_LOG_ERROR, "libde265: unusable picture %dx%d, bit depth %d/%d", w, h, bdl,
           bdc);
    return HEIC_ERR_DECODER;
  }
  heic_status st = s->host->alloc_planes(s->host->opaque, pic, (uint32_t)w, (uint32_t)h,
                                         chroma, bdl, bdc);
  if (st != HEIC_OK) return st; /* the host knows why; nothing here to undo */
  int planes = chroma == HEIC_CHROMA_400 ? 1 : 3;
  for (int c = 0; c < planes && st == HEIC_OK; c++)
    st = de_copy_plane(s, img, c, c ? bdc : bdl, pic);
  return st;
}

/* Takes the first picture out of libde265's output queue into pic and
 * discards any further ones (an image item holds one picture).  peek +
 * release rather than de265_get_next_picture(): the latter already releases
 * the picture, after which a second release would drop the next one. */
static heic_status de_take_pictures(de_state *s, heic_plugin_picture *pic, int *have,
                                    int *released) {
  heic_status st = HEIC_OK;
  const struct de265_image *img;
  while ((img = de265_peek_next_picture(s->ctx)) != NULL) {
    if (!*have && st == HEIC_OK) {
      st = de_copy_picture(s, img, pic);
      *have = 1;
    } else if (st == HEIC_OK) {
      de_log(s, HEIC_LOG_WARNING, "libde265: ignoring an extra picture in the image data");
    }
    de265_release_next_picture(s->ctx);
    (*released)++;
  }
  return st;
}

static heic_status de_decode(void *state, heic_plugin_picture *pic) {
  de_state *s = state;
  if (!s || !pic) return HEIC_ERR_INVALID_ARGUMENT;
  int have = 0;
  de265_error e = de265_flush_data(s->ctx);
  if (!de265_isOK(e)) return de_fail(s, e, "flushing input");
  heic_status st = HEIC_OK;
  for (;;) {
    int more = 0, released = 0;
    e = de265_decode(s->ctx, &more);
    de_drain_warnings(s);
    if (e == DE265_ERROR_WAITING_FOR_INPUT_DATA) {
      /* Cannot happen after flush_data (end of stream is set), but if it did
       * there is nothing more to give it. */
      st = de_take_pictures(s, pic, &have, &released);
      break;
    }
    if (e == DE265_ERROR_IMAGE_BUFFER_FULL) {
      /* The DPB frees up only when we take pictures out; if there is none
       * to take, decoding can never continue. */
      st = de_take_pictures(s, pic, &have, &released);
      if (st != HEIC_OK) break;
      if (released == 0) {
        st = de_fail(s, e, "decoding stalled");
        break;
      }
      continue;
    }
    if (!de265_isOK(e)) {
      st = de_fail(s, e, "decoding");
      break;
    }
    if (e != DE265_OK) {
      /* A warning as the return value: libde265 sets more = 0 for it, but
       * NALs may still be queued, and each call consumes one, so go on. */
      s->last_warning = e;
      de_log(s, HEIC_LOG_WARNING, "libde265: %s", de265_get_error_text(e));
      more = 1;
    }
    st = de_take_pictures(s, pic, &have, &released);
    if (st != HEIC_OK || !more) break;
  }
  if (st == HEIC_OK && !have) {
    if (s->last_warning != DE265_OK)
      de_log(s, HEIC_LOG_ERROR, "libde265 produced no picture (last warning: %s)",
             de265_get_error_text(s->last_warning));
    else
      de_log(s, HEIC_LOG_ERROR, "libde265 produced no picture");
    st = HEIC_ERR_DECODER;
  }
  return st;
}

static void de_close(void **state) {
  if (!state || !*state) return;
  de_state *s = *state;
  /* Frees queued NALs and every picture libde265 still holds. */
  if (s->ctx) de265_free_decoder(s->ctx);
  free(s);
  *state = NULL;
}

/* de265_init() counts its callers under libde265's own lock and builds
 * the tables on the first; de265_free() frees them with the last.  Only a
 * successful init may be paired with a free. */
int hp_libde265_hold(void) { return de265_init() == DE265_OK; }

void hp_libde265_release(void) { (void)de265_free(); }

const heic_decoder_plugin hp_decoder_libde265 = {
  .api_version = HEIC_PLUGIN_API_VERSION,
  .name = "libde265",
  .description = "HEVC decoder libde265 " LIBDE265_VERSION " (built against)",
  .codec = HEIC_CODEC_HEVC,
  .open = de_open,
  .push_nal = de_push_nal,
  .decode = de_decode,
  .close = de_close,
};
