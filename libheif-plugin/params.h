/*
 * libheif-libheic.so: libheic's encoder parameters as libheif describes
 * them.  SPDX-License-Identifier: BSD-2-Clause
 *
 * The parameters are those of libheic's builtin encoder plugin, read from
 * its param_info() table (include/heic/heic_plugin.h), so whatever a
 * heic-enc user can set with -p, a libheif user can set too, under the same
 * name and with the same values: HEIC_PARAM_INT becomes an integer
 * parameter with its range, HEIC_PARAM_BOOL a boolean, HEIC_PARAM_CHOICE a
 * string with its valid values.  The descriptors live in the encoder's
 * state (the builtin's names, help and choices are static, rule D4), so
 * the list handed to libheif is valid until free_encoder().
 *
 * Values are kept here as numbers (a choice by its index) once libheic's
 * encoder has accepted them; every picture's encoder instance gets them
 * again (rule E1: one instance per picture).
 */
#ifndef LP_PARAMS_H
#define LP_PARAMS_H

#include <stddef.h>

#include <heic/heic_plugin.h>
#include <libheif/heif_plugin.h>

/* The builtin encoder has 9; a table beyond this is refused by
 * lp_params_init() rather than cut short. */
#define LP_MAX_PARAMS 32

typedef struct lp_params {
  unsigned count;
  const heic_param_info *info[LP_MAX_PARAMS];
  struct heif_encoder_parameter desc[LP_MAX_PARAMS];
  const struct heif_encoder_parameter *list[LP_MAX_PARAMS + 1]; /* NULL-terminated */
  int value[LP_MAX_PARAMS];   /* INT and BOOL: the value; CHOICE: the index */
  int initial[LP_MAX_PARAMS]; /* the encoder's default, the same way */
} lp_params;

/* Describes the parameters of encoder.  Returns 0, or -1 when the table
 * has more than LP_MAX_PARAMS entries or a default that does not parse. */
int lp_params_init(lp_params *p, const heic_encoder_plugin *encoder);
/* Index of the parameter called name, or -1. */
int lp_params_find(const lp_params *p, const char *name);
/* Records value (already accepted by the encoder) for parameter i.
 * Returns 0, or -1 (nothing recorded) for a value the encoder took but
 * this table cannot read back. */
int lp_params_store(lp_params *p, int i, const char *value);
/* The value of parameter i as the encoder's set_param() takes it, written
 * to buf[size]; returns buf. */
const char *lp_params_format(const lp_params *p, int i, char *buf, size_t size);

#endif /* LP_PARAMS_H */
