/*
 * libheic - HEIF/HEIC images in C.  SPDX-License-Identifier: BSD-2-Clause
 *
 * Umbrella header: the whole public API.
 *   heic_common.h  version, status codes, allocator, buffers, logging
 *   heic_image.h   decoded pictures
 *   heic_context.h reading files, items, metadata, decoding
 *   heic_encode.h  encoding images and writing files
 *   heic_stream.h  decoding an image in bands of rows
 *   heic_threads.h one budget of threads shared by several contexts
 *   heic_plugin.h  the codec plugin interface (for plugin authors)
 */
#ifndef HEIC_HEIC_H
#define HEIC_HEIC_H

#include "heic_common.h"
#include "heic_image.h"
#include "heic_context.h"
#include "heic_encode.h"
#include "heic_stream.h"
#include "heic_threads.h"

#endif
