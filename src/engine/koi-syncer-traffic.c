/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-syncer"

#include "config.h"

#include "koi-syncer-private.h"

/* The IMAP connection's byte counts, for koi-cli sync's report: whether
 * COMPRESS=DEFLATE was used and what it saved is visible to a script and
 * to the benchmark without a debugger (docs/PERFORMANCE.md). */
gboolean
koi_syncer_get_imap_traffic (KoiSyncer *self,
                             guint64   *wire_in,
                             guint64   *plain_in,
                             guint64   *wire_out,
                             guint64   *plain_out)
{
  KoiImapTraffic traffic = { 0, };
  gboolean compressed = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->imap != NULL && koi_imap_client_is_connected (self->imap))
    {
      koi_imap_client_get_traffic (self->imap, &traffic);
      compressed = koi_imap_client_is_compressed (self->imap);
    }
  *wire_in = traffic.wire_in;
  *plain_in = traffic.plain_in;
  *wire_out = traffic.wire_out;
  *plain_out = traffic.plain_out;
  return compressed;
}
