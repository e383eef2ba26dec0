/*
 * libheic image I/O: the one Exif field the encoder needs, Orientation.
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Exif is a TIFF stream: a byte-order mark ("II*\0" little-endian or
 * "MM\0*" big-endian), the offset of IFD0, then directories of 12-byte
 * entries.  Orientation is tag 0x0112 in IFD0.  Input comes from files we
 * do not trust, so every offset is checked against the buffer before it is
 * followed.
 *
 * Both functions also accept a buffer that still carries the "Exif\0\0"
 * header JPEG puts before the TIFF stream (some PNG writers copy it into
 * eXIf too); imageio_exif_tiff_offset says where the TIFF stream starts.
 */
#ifndef IMAGEIO_EXIF_H
#define IMAGEIO_EXIF_H

#include <stddef.h>
#include <stdint.h>

/* Offset of the TIFF header in exif: 0 when the buffer starts with it, 6
 * when it starts with "Exif\0\0" followed by it, -1 when neither. */
long imageio_exif_tiff_offset(const uint8_t *exif, size_t size);

/* The Orientation tag of IFD0: 1..8, or 0 when there is none, its value is
 * outside 1..8, or the block is malformed or truncated before reaching it
 * (all of which mean "do not rotate"). */
int imageio_exif_orientation(const uint8_t *exif, size_t size);

/* Rewrites the Orientation tag in place to 1 (upright), for when the
 * orientation is carried elsewhere (HEIF irot/imir) and a viewer that also
 * honoured the Exif value would turn the picture twice.  Nothing else in
 * the block moves.  Returns 1 when a tag was found and now reads 1, 0 when
 * the block has no Orientation tag, -1 when it is not a well-formed TIFF
 * stream as far as the tag (the buffer is then unchanged). */
int imageio_exif_reset_orientation(uint8_t *exif, size_t size);

/* XMP may repeat the orientation (tiff:Orientation, as an attribute or an
 * element).  Rewrites each such single-digit value in place to 1, for the
 * same reason as above; the packet keeps its length.  Returns the number of
 * values rewritten. */
int imageio_xmp_reset_orientation(uint8_t *xmp, size_t size);

/* The main XMP packet of a JPEG says, with xmpNote:HasExtendedXMP (an
 * attribute or an element, under any prefix), that more of it is in
 * extended XMP segments.  Where that extension is not carried along, the
 * claim would point at data that is absent: each one is blanked in place
 * with spaces (the packet keeps its length and stays well-formed XML).
 * Returns the number removed. */
int imageio_xmp_remove_extended_note(uint8_t *xmp, size_t size);

#endif
