/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * IMAP UID sets (RFC 9051 "sequence-set" without "*"): what Koi writes in
 * UID FETCH / UID MOVE, and what a server writes back in COPYUID.
 */

/* "1:5,7,9:12" for ascending UIDs. */
char   *koi_uid_set_from_array (const guint32 *uids,
                                guint          n_uids);

/* The UIDs of a set such as "1:5,7" in the order written (a range written
 * high to low counts up). NULL if @set is not a UID set, or if it names
 * more than @max_uids UIDs: a set comes from the server, and
 * "1:4294967295" must not cost 16 GiB. The caller knows how many UIDs it
 * can expect (as many as it moved) and passes that. */
GArray *koi_uid_set_expand     (const char    *set,
                                guint          max_uids);

G_END_DECLS
