/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-syncer"

#include "config.h"

#include "koi-syncer-private.h"

/* One file on its way up or down: the window shows how far it got and can
 * stop it. Progress is told at most every 100 ms (ten times a second is
 * more than a progress bar can show, and each report is a main-loop
 * wake-up), plus once at the start and once at the end. */

#define PROGRESS_INTERVAL_US (G_USEC_PER_SEC / 10)

void
koi_transfer_init (KoiTransfer *transfer,
                   KoiSyncer   *syncer,
                   gint64       message_ref,
                   gint64       attachment_id,
                   guint64      total)
{
  *transfer = (KoiTransfer) {
    .syncer = syncer,
    .message_ref = message_ref,
    .attachment_id = attachment_id,
    .total = total,
  };
  if (syncer->events.transfer_progress != NULL)
    syncer->events.transfer_progress (message_ref, attachment_id, 0, total, syncer->user_data);
  transfer->last_us = g_get_monotonic_time ();
}

void
koi_transfer_set_moving_total (KoiTransfer *transfer,
                               guint64      moving_total)
{
  transfer->moving_total = moving_total;
}

void
koi_transfer_advance (KoiTransfer *transfer,
                      guint64      bytes)
{
  KoiSyncer *syncer = transfer->syncer;
  guint64 shown;
  gint64 now;

  transfer->done += bytes;
  now = g_get_monotonic_time ();
  if (now - transfer->last_us < PROGRESS_INTERVAL_US)
    return;
  transfer->last_us = now;
  shown = transfer->done;
  if (transfer->moving_total > 0)
    shown = (guint64) ((double) transfer->done / (double) transfer->moving_total * (double) transfer->total);
  if (syncer->events.transfer_progress != NULL)
    syncer->events.transfer_progress (transfer->message_ref, transfer->attachment_id,
                                      MIN (shown, transfer->total), transfer->total,
                                      syncer->user_data);
}

void
koi_transfer_end (KoiTransfer *transfer)
{
  KoiSyncer *syncer = transfer->syncer;

  /* done < 0: no transfer any more, whatever the outcome (the store's
   * state says which). */
  if (syncer->events.transfer_progress != NULL)
    syncer->events.transfer_progress (transfer->message_ref, transfer->attachment_id, -1,
                                      transfer->total, syncer->user_data);
}

gboolean
koi_transfer_cancelled (KoiTransfer *transfer)
{
  KoiSyncer *syncer = transfer->syncer;

  return syncer->events.transfer_cancelled != NULL &&
         syncer->events.transfer_cancelled (transfer->message_ref, syncer->user_data);
}
