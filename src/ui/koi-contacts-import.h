/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-account.h"

G_BEGIN_DECLS

/*
 * "Import Contacts…": a .vcf file with one or more cards becomes contacts.
 * The file is read and parsed on a worker thread; each card with an email
 * address is then one engine edit (koi_account_edit_contact_async, the
 * card's vCard replacing the one stored), so it syncs like any edit.
 * Cards without an address are skipped. Errors are for the user to read
 * (G_IO_ERROR_INVALID_DATA for a file that is no vCard).
 */
void  koi_contacts_import_async  (KoiAccount          *account,
                                  GFile               *file,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
/* The number of contacts written; @out_skipped the cards without an
 * address. 0 with an error when nothing was imported. */
guint koi_contacts_import_finish (GAsyncResult        *result,
                                  guint               *out_skipped,
                                  GError             **error);

G_END_DECLS
