/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "koi-account.h"

G_BEGIN_DECLS

/* Asks once whether the account's COI server may file chat mail itself
 * (KoiAccount "coi-server-offered"), and hands the answer to the account.
 * Does nothing while another alert is open on @parent's window (the
 * offer stays pending and is asked on the next chance). */
void koi_coi_offer_ask (KoiAccount *account,
                        GtkWidget  *parent);

G_END_DECLS
