/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The ISP database Koi ships: config-v1.1.xml files (Thunderbird's format)
 * for big providers, written from their published client settings and
 * compiled into the binary as a resource (src/engine/isp). Autoconfig
 * consults it after the provider's own files and before DNS SRV.
 */

/* The file whose <domain> list names @domain (compared without case), or
 * NULL. @dir: a folder of *.xml files used instead of the shipped ones
 * (tests), NULL for the shipped set. */
GBytes *koi_isp_db_lookup   (const char *domain,
                             const char *dir);

/* The domains the shipped database knows, sorted (for tests and docs). */
GStrv   koi_isp_db_domains  (void);

G_END_DECLS
