/*
 * libheif-libheic.so: parameter descriptors and values (params.h).
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "params.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of an INT or BOOL string (a BOOL may be "true"/"false", as
 * libheic's encoders accept), or of a CHOICE as its index; -1 in *ok when
 * it does not parse. */
static int parse(const heic_param_info *info, const char *s, int *ok) {
  *ok = 1;
  if (info->type == HEIC_PARAM_CHOICE) {
    for (int k = 0; info->choices && info->choices[k]; k++)
      if (!strcmp(info->choices[k], s)) return k;
    *ok = 0;
    return 0;
  }
  if (info->type == HEIC_PARAM_BOOL) {
    if (!strcmp(s, "true")) return 1;
    if (!strcmp(s, "false")) return 0;
  }
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < INT_MIN || v > INT_MAX) {
    *ok = 0;
    return 0;
  }
  return (int)v;
}

int lp_params_init(lp_params *p, const heic_encoder_plugin *encoder) {
  memset(p, 0, sizeof(*p));
  const heic_param_info *info;
  for (uint32_t i = 0; (info = encoder->param_info(i)) != NULL; i++) {
    if (i >= LP_MAX_PARAMS) return -1;
    int ok = 0;
    int v = parse(info, info->default_value ? info->default_value : "", &ok);
    if (!ok) return -1;
    struct heif_encoder_parameter *d = &p->desc[i];
    d->version = 2;
    d->name = info->name;
    d->has_default = 1;
    switch (info->type) {
      case HEIC_PARAM_INT:
        d->type = heif_encoder_parameter_type_integer;
        d->integer.default_value = v;
        d->integer.have_minimum_maximum = 1;
        d->integer.minimum = info->min;
        d->integer.maximum = info->max;
        break;
      case HEIC_PARAM_BOOL:
        d->type = heif_encoder_parameter_type_boolean;
        d->boolean.default_value = v;
        break;
      case HEIC_PARAM_CHOICE:
        d->type = heif_encoder_parameter_type_string;
        d->string.default_value = info->choices[v];
        d->string.valid_values = info->choices;
        break;
      default:
        return -1;
    }
    p->info[i] = info;
    p->list[i] = d;
    p->value[i] = p->initial[i] = v;
    p->count = i + 1;
  }
  p->list[p->count] = NULL;
  return 0;
}

int lp_params_find(const lp_params *p, const char *name) {
  for (unsigned i = 0; i < p->count; i++)
    if (!strcmp(p->info[i]->name, name)) return (int)i;
  return -1;
}

int lp_params_store(lp_params *p, int i, const char *value) {
  int ok = 0;
  int v = parse(p->info[i], value, &ok);
  if (!ok) return -1;
  p->value[i] = v;
  return 0;
}

const char *lp_params_format(const lp_params *p, int i, char *buf, size_t size) {
  if (p->info[i]->type == HEIC_PARAM_CHOICE)
    snprintf(buf, size, "%s", p->info[i]->choices[p->value[i]]);
  else
    snprintf(buf, size, "%d", p->value[i]);
  return buf;
}
