/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

/* gmime 3.2 declares no autoptr cleanups. Only src/crypto's .c files
 * include this: src/coi/koi-coi-gmime.h declares its own set, and a type
 * declared twice in one file does not compile. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeCertificate, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeDecryptResult, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeFilter, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeSignature, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeSignatureList, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
