/*
 * HEIF container model and reader.  SPDX-License-Identifier: BSD-2-Clause
 *
 * hf_parse() turns the bytes of a HEIF file into an hf_file: brands, items,
 * their locations, properties and references.  It checks every length
 * against its enclosing box and the file, and never reads outside them.
 * It knows nothing of pixels or codecs: hvcC is parsed into fields and NAL
 * unit spans, nothing more.
 *
 * Ownership: hf_file owns its arrays (allocated from the hc_mem given to
 * hf_parse) and releases them in hf_file_clear().  It borrows the file
 * bytes: `data` must stay valid and unchanged while the hf_file is used, and
 * every pointer into the file (NAL spans, ICC bytes, idat) points into it.
 */
#ifndef HEIC_HEIF_FILE_H
#define HEIC_HEIF_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/mem.h"
#include "heic/heic_image.h"

typedef uint32_t hf_fourcc;
#define HF_4CC(a, b, c, d) \
  (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/* Writes the four characters and a NUL (non-printable bytes become '?'). */
void hf_fourcc_str(hf_fourcc cc, char out[5]);

typedef struct hf_limits {
  uint32_t max_items;
  uint32_t max_box_depth;
  uint64_t max_pixels;
} hf_limits;

/* A byte span inside the file (borrowed). */
typedef struct hf_span {
  const uint8_t *data;
  size_t size;
} hf_span;

typedef struct hf_hvcc_array {
  uint8_t nal_type;
  uint32_t count;
  hf_span *nals; /* count NAL units, without length prefixes */
  uint8_t array_completeness; /* 1: all NAL units of this type are in the array */
} hf_hvcc_array;

typedef struct hf_hvcc {
  uint8_t general_profile_space, general_tier_flag, general_profile_idc;
  uint32_t general_profile_compatibility_flags;
  uint8_t general_level_idc;
  uint8_t chroma_format_idc;          /* 0..3 */
  uint8_t bit_depth_luma, bit_depth_chroma; /* 8.. */
  uint8_t length_size;                /* NAL length field size in item data: 1, 2 or 4
                                         (3 is passed on as read; the decoder judges it) */
  uint32_t array_count;
  hf_hvcc_array *arrays;
  /* The rest of the HEVCDecoderConfigurationRecord, kept so that tools can
   * show it and a writer can copy a record unchanged. */
  uint8_t configuration_version;
  uint64_t general_constraint_indicator_flags; /* 48 bits */
  uint16_t min_spatial_segmentation_idc;       /* 12 bits */
  uint8_t parallelism_type;                    /* 2 bits */
  uint16_t avg_frame_rate;
  uint8_t constant_frame_rate;                 /* 2 bits */
  uint8_t num_temporal_layers;                 /* 3 bits */
  uint8_t temporal_id_nested;                  /* 1 bit */
} hf_hvcc;

typedef enum hf_colr_kind { HF_COLR_NCLX = 1, HF_COLR_ICC = 2 } hf_colr_kind;

typedef struct hf_clap {
  uint32_t width_n, width_d, height_n, height_d;
  int32_t horiz_off_n;
  uint32_t horiz_off_d;
  int32_t vert_off_n;
  uint32_t vert_off_d;
} hf_clap;

typedef struct hf_property {
  hf_fourcc type;
  int parsed;  /* 1 when the type is known and its payload was parsed */
  union {
    struct { uint32_t width, height; } ispe;
    struct { uint8_t channels; uint8_t depth[8]; } pixi; /* first 8 channels */
    struct {
      hf_colr_kind kind;
      heic_nclx nclx;  /* kind == NCLX */
      hf_span icc;     /* kind == ICC: the profile bytes */
    } colr;
    hf_hvcc hvcc;
    struct { uint16_t max_cll, max_fall; } clli;  /* content light levels, cd/m2 */
    heic_hdr mdcv;                   /* the mastering display fields only */
    struct { uint8_t angle; } irot;  /* anticlockwise, units of 90 degrees (0..3) */
    struct { uint8_t axis; } imir;   /* 0: top-bottom exchanged, 1: left-right (23008-12:2022) */
    hf_clap clap;
    struct { char *aux_type; hf_span subtype; } auxc; /* aux_type owned, NUL-terminated */
  } u;
} hf_property;

typedef struct hf_prop_assoc {
  uint32_t index;  /* 0-based index into hf_file.props */
  uint8_t essential;
} hf_prop_assoc;

typedef struct hf_extent {
  uint64_t offset; /* absolute: base_offset + extent_offset already added */
  uint64_t length; /* 0 means "to the end of the file / idat" (resolved in hf_item_data) */
} hf_extent;

typedef struct hf_item {
  uint32_t id;
  hf_fourcc type;       /* from infe v2/v3; 0 for infe v0/v1 */
  char *name;           /* owned, NUL-terminated, never NULL after parse */
  char *content_type;   /* owned, "" unless 'mime' */
  char *content_encoding; /* owned, "" unless given */
  uint16_t protection_index;
  int hidden;           /* infe flags & 1 */
  int has_infe;         /* an infe box was seen for this id */
  /* iloc */
  int has_location;
  uint8_t construction_method; /* 0 file offset, 1 idat offset, 2 item offset */
  uint16_t data_reference_index;
  uint32_t extent_count;
  hf_extent *extents;
  /* ipma */
  uint32_t assoc_count;
  hf_prop_assoc *assocs;
  char *item_uri_type;  /* owned, "" unless the item type is 'uri ' (infe v2/v3) */
} hf_item;

typedef struct hf_ref {
  hf_fourcc type;   /* 'dimg', 'thmb', 'auxl', 'cdsc', 'prem', 'base', ... */
  uint32_t from;
  uint32_t count;
  uint32_t *to;     /* owned */
} hf_ref;

/* One target of a reference: refs[ref].to[pos], of type refs[ref].type. */
typedef struct hf_ref_edge {
  hf_fourcc type;
  uint32_t ref;
  uint32_t pos;
} hf_ref_edge;

typedef struct hf_group {
  hf_fourcc type;   /* entity group type, e.g. 'ster', 'altr' */
  uint32_t group_id;
  uint32_t count;
  uint32_t *entities; /* owned */
} hf_group;

typedef struct hf_file {
  hc_mem *mem;
  const uint8_t *data; /* borrowed file bytes */
  size_t size;
  /* Set by the caller after hf_parse() when data[0..size) is only the head
   * of the file (heic_context_read_file leaves trailing mdat boxes on
   * disk): item data of construction method 0 is then read through read()
   * from a file of file_size bytes instead of from data.  read() must fill
   * dst[0..len) or fail naming the problem; it may run on several threads
   * at once. */
  uint64_t file_size;
  heic_status (*read)(void *opaque, uint64_t offset, uint8_t *dst, size_t len, hc_err *err);
  void *read_opaque;

  int has_ftyp;
  hf_fourcc major_brand;
  uint32_t minor_version;
  uint32_t brand_count;
  hf_fourcc *brands;  /* owned */

  int has_meta;
  hf_fourcc handler;  /* hdlr handler_type, e.g. 'pict' */
  uint32_t primary_id; /* pitm, 0 if none */
  int has_moov;       /* a 'moov' box (image sequence) was seen */

  uint32_t item_count;
  hf_item *items;     /* owned, in iinf order */
  uint32_t prop_count;
  hf_property *props; /* owned, in ipco order */
  uint32_t ref_count;
  hf_ref *refs;       /* owned, in iref order */
  uint32_t group_count;
  hf_group *groups;   /* owned */
  hf_span idat;       /* meta's idat payload ({NULL,0} when none) */

  /* Indexes built by hf_parse, so that no query costs more than a binary
   * search plus the size of its answer (a file of n items and references
   * must not cost n^2 to read or describe).  Indexed like items[]. */
  uint32_t *by_id;     /* item indices sorted by id (owned; item_count) */
  uint32_t *out_start; /* references from items[i] are out_refs[out_start[i] ..
                          out_start[i + 1]) (owned; item_count + 1) */
  uint32_t *out_refs;  /* indices into refs[], in iref order (owned) */
  uint32_t *in_start;  /* the targets naming items[i] are in_edges[in_start[i] ..
                          in_start[i + 1]) (owned; item_count + 1) */
  hf_ref_edge *in_edges; /* by type, then in iref order (owned) */
} hf_file;

/* Parses data[0..size) into f (which must be zeroed or cleared).  limits may
 * be NULL, and a zero field means the library default (as in
 * heic_context_limits): 10000 items, depth 16, 2^28 pixels.  On failure
 * f is cleared and err names the problem (HEIC_ERR_INVALID_INPUT for a broken
 * structure, HEIC_ERR_LIMIT_EXCEEDED naming the limit, HEIC_ERR_UNSUPPORTED
 * e.g. for an image sequence with no 'meta', HEIC_ERR_OUT_OF_MEMORY).
 * A truncated file whose cut falls in a top-level box the reader skips (in
 * practice mdat) still parses: the items whose data is missing fail in
 * hf_item_data(_size), naming the extent.  ftyp and meta must be whole. */
heic_status hf_parse(hf_file *f, hc_mem *mem, const uint8_t *data, size_t size,
                     const hf_limits *limits, hc_err *err);
/* Frees what f owns and zeroes it.  Safe on a zeroed or half-parsed f. */
void hf_file_clear(hf_file *f);

/* The item with that id, or NULL (binary search). */
hf_item *hf_find_item(const hf_file *f, uint32_t id);
/* Index of item in f->items. */
static inline uint32_t hf_item_index(const hf_file *f, const hf_item *item) {
  return (uint32_t)(item - f->items);
}
/* First property of the given type associated with item, or NULL. */
const hf_property *hf_item_property(const hf_file *f, const hf_item *item, hf_fourcc type);
/* The first reference of the given type from item `from` (NULL when none).
 * References from ids that name no item are not found. */
const hf_ref *hf_find_ref(const hf_file *f, uint32_t from, hf_fourcc type);
/* The references from item, in iref order: f->refs[list[0 .. *count)]. */
const uint32_t *hf_refs_from(const hf_file *f, const hf_item *item, uint32_t *count);
/* The reference targets of the given type naming item, from existing items,
 * in iref order; type 0: of every type, grouped by type. */
const hf_ref_edge *hf_refs_to(const hf_file *f, const hf_item *item, hf_fourcc type,
                              uint32_t *count);

/* Total length of an item's data (sum of extents), bounds-checked against the
 * file / idat: fails with HEIC_ERR_INVALID_INPUT when an extent lies outside
 * or the extents add up to more than the file / idat (they overlap). */
heic_status hf_item_data_size(const hf_file *f, const hf_item *item, uint64_t *size, hc_err *err);
/* Concatenates an item's extents into a new buffer from mem (caller frees
 * with hc_free).  Construction methods 0 and 1; 2 gives HEIC_ERR_UNSUPPORTED. */
heic_status hf_item_data(const hf_file *f, const hf_item *item, uint8_t **out, size_t *size,
                         hc_err *err);

#endif
