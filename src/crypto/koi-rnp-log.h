/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <rnp/rnp.h>

#include <glib.h>

G_BEGIN_DECLS

/*
 * librnp's own diagnostics ("mdc hash check failed" for an altered mail,
 * and many more) go into Koi's log as debug lines of the domain "koi-rnp"
 * instead of the user's terminal (koi-rnp-log.c says how).
 */

/* rnp_ffi_create() for OpenPGP keyrings held in memory; every ffi Koi
 * makes comes from here, which also keeps the log redirection linked in. */
rnp_result_t koi_rnp_ffi_create (rnp_ffi_t *ffi);

G_END_DECLS
