/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The info line of a group change in the viewer's language ("Bob added
 * carol@example.org", "You renamed the group to “Trip”"). @info: a
 * KoiStoreGroupInfo; @arg: its address or name; @sender: who made the
 * change (name or address); @by_me: the user did. NULL for no info. */
char *koi_group_info_format (int         info,
                             const char *arg,
                             const char *sender,
                             gboolean    by_me);

G_END_DECLS
