/*
 * HEIF writer: builds a still-image HEIF file from items, properties and
 * references.  SPDX-License-Identifier: BSD-2-Clause
 *
 * The writer knows boxes, not pixels: callers hand it coded bytes and
 * property values.  Layout written: ftyp, meta (hdlr 'pict', pitm, iinf,
 * iref, iprp/ipco+ipma, iloc, idat when used), then one mdat holding every
 * item's data in the order items were added.  iloc offsets are computed at
 * write time (32-bit, or 64-bit when the file needs it).  Identical
 * properties (same type and payload) are stored once in ipco and shared,
 * so a grid's tiles share one hvcC.
 *
 * Ownership: the writer copies everything it is given (item data, property
 * payloads, names) into memory from its hc_mem; callers keep their buffers.
 * hf_writer_free() releases everything and accepts NULL.  After any failed
 * call the writer is still valid to free (and its sticky error is set, so
 * later calls fail the same way).
 */
#ifndef HEIC_HEIF_WRITE_H
#define HEIC_HEIF_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/mem.h"
#include "heif_file.h"

typedef struct hf_writer hf_writer;

heic_status hf_writer_new(hf_writer **out, hc_mem *mem, hc_err *err);
void hf_writer_free(hf_writer **w);

/* ftyp: major brand, minor version 0, compatible brands (copied). */
heic_status hf_writer_set_brands(hf_writer *w, hf_fourcc major, const hf_fourcc *compatible,
                                 uint32_t count, hc_err *err);

/* Adds an item; ids are assigned 1, 2, 3 ... in call order.  name may be
 * NULL (written as ""). */
heic_status hf_writer_add_item(hf_writer *w, hf_fourcc type, const char *name, int hidden,
                               uint32_t *id, hc_err *err);
/* 'mime' items: content type, e.g. "application/rdf+xml" for XMP. */
heic_status hf_writer_set_content_type(hf_writer *w, uint32_t id, const char *content_type,
                                       hc_err *err);
/* Item payload (copied).  in_idat: store in meta/idat (construction method
 * 1; for small items such as grid descriptions) instead of mdat. */
heic_status hf_writer_set_item_data(hf_writer *w, uint32_t id, const uint8_t *data, size_t size,
                                    int in_idat, hc_err *err);
/* Item payload in mdat that the writer does not hold: read(opaque, offset,
 * buf, n) fills buf with bytes [offset, offset + n) of the size bytes when
 * the file is written (returns 0, or non-zero: the write fails with
 * HEIC_ERR_IO).  read and opaque are borrowed until the writer is freed.
 * For coded data kept outside memory (the streaming encode's spool). */
heic_status hf_writer_set_item_data_fn(hf_writer *w, uint32_t id, uint64_t size,
                                       int (*read)(void *opaque, uint64_t offset, uint8_t *buf, size_t n),
                                       void *opaque, hc_err *err);
heic_status hf_writer_set_primary(hf_writer *w, uint32_t id, hc_err *err);
/* iref entry of type (dimg, thmb, auxl, cdsc, prem, ...) from -> to[0..n). */
heic_status hf_writer_add_ref(hf_writer *w, hf_fourcc type, uint32_t from, const uint32_t *to,
                              uint32_t n, hc_err *err);

/* Associates a property with an item (ipma order = call order, which is the
 * order transformative properties apply: add clap, irot, imir in that order).
 * payload is the box body after the (full) box header; version/flags are
 * written when full_box is set.  Deduplicated against earlier properties. */
heic_status hf_writer_add_property(hf_writer *w, uint32_t id, hf_fourcc type, int full_box,
                                   uint8_t version, uint32_t flags, const uint8_t *payload,
                                   size_t size, int essential, hc_err *err);

/* Typed helpers over hf_writer_add_property, with the essential flag the
 * standards require (hvcC, irot, imir, clap, auxC essential; ispe, pixi,
 * colr not). */
heic_status hf_writer_add_ispe(hf_writer *w, uint32_t id, uint32_t width, uint32_t height, hc_err *err);
heic_status hf_writer_add_pixi(hf_writer *w, uint32_t id, uint8_t channels, const uint8_t *depths,
                               hc_err *err);
heic_status hf_writer_add_colr_nclx(hf_writer *w, uint32_t id, const heic_nclx *nclx, hc_err *err);
heic_status hf_writer_add_colr_icc(hf_writer *w, uint32_t id, const uint8_t *icc, size_t size, hc_err *err);
heic_status hf_writer_add_irot(hf_writer *w, uint32_t id, unsigned quarter_turns_anticlockwise, hc_err *err);
heic_status hf_writer_add_imir(hf_writer *w, uint32_t id, unsigned axis, hc_err *err); /* 0 top-bottom, 1 left-right */
heic_status hf_writer_add_clap(hf_writer *w, uint32_t id, const hf_clap *clap, hc_err *err);
/* 'clli' and 'mdcv' (not essential) as hdr->has_clli / has_mdcv say. */
heic_status hf_writer_add_hdr(hf_writer *w, uint32_t id, const heic_hdr *hdr, hc_err *err);
heic_status hf_writer_add_auxc(hf_writer *w, uint32_t id, const char *urn, hc_err *err);
/* hvcC built from the coded stream's parameter sets: VPS, SPS and PPS NAL
 * units (with NAL header, emulation prevention in, no start code).  Profile,
 * tier, level, chroma format and bit depths are read from the SPS; the
 * record uses 4-byte NAL lengths (item data must use them too). */
heic_status hf_writer_add_hvcc(hf_writer *w, uint32_t id, const hf_span *param_sets, uint32_t count,
                               hc_err *err);

/* Serialises the file through write_fn (called with consecutive chunks;
 * returns 0 on success, non-zero on failure -> HEIC_ERR_IO). */
heic_status hf_writer_write(hf_writer *w, int (*write_fn)(void *opaque, const uint8_t *data, size_t size),
                            void *opaque, hc_err *err);

#endif
