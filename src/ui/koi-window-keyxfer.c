/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-window"

#include <glib/gi18n.h>

#include "koi-compat.h"
#include "koi-key-transfer.h"
#include "koi-window-private.h"

/*
 * The window's pointer to an Autocrypt Setup Message (issue 13): another
 * device of the user put the account's key into the mailbox, and this
 * device lacks it. Encrypted history reads "cannot read" until the setup
 * code is entered, and nobody looks for that in Preferences, so a banner
 * over the chat list says so and its button asks for the code (the same
 * alert as Preferences › Encryption Key). The engine is asked when the
 * account connects and when a setup message arrives ("key-setup-arrived"),
 * and the banner goes once the key is here.
 */

static void
show_banner (KoiWindow *self,
             gboolean   shown)
{
  /* koi_compat_banner_set_title (NULL) hides it. */
  koi_compat_banner_set_title (self->key_banner,
                               shown ? _("Another device sent this account’s encryption key") : NULL);
  koi_compat_banner_set_button_label (self->key_banner, shown ? _("_Import Key…") : NULL);
}

static void
find_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (KoiWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  gint64 ref = koi_engine_find_setup_finish (KOI_ENGINE (source), result, &error);

  if (error != NULL)
    g_debug ("No setup message found: %s", error->message);
  /* Another account may be shown by now, or the window gone. */
  if (self->account == NULL || koi_account_get_engine (self->account) != KOI_ENGINE (source) ||
      self->importing_key)
    return;
  show_banner (self, ref != 0);
}

static void
look_for_setup (KoiWindow *self)
{
  KoiEngine *engine = self->account != NULL ? koi_account_get_engine (self->account) : NULL;

  if (engine == NULL)
    {
      show_banner (self, FALSE);
      return;
    }
  koi_engine_find_setup_async (engine, NULL, find_done, g_object_ref (self));
}

static void
on_import_step (GtkWidget          *owner,
                KoiKeyTransferStep  step)
{
  KoiWindow *self = KOI_WINDOW (owner);

  self->importing_key = step == KOI_KEY_TRANSFER_IMPORTING;
  switch (step)
    {
    case KOI_KEY_TRANSFER_IMPORTING:
      /* No second import while this one runs. */
      koi_compat_banner_set_button_label (self->key_banner, NULL);
      break;
    case KOI_KEY_TRANSFER_IMPORTED:
      show_banner (self, FALSE);
      koi_window_show_toast (self, _("The key is on this device now. Encrypted messages are read again"));
      break;
    case KOI_KEY_TRANSFER_FAILED:
    default:
      /* Said why already; the code can be tried again. */
      look_for_setup (self);
      break;
    }
}

static void
on_key_banner_button_clicked (KoiWindow *self)
{
  if (self->account != NULL && !self->importing_key)
    koi_key_transfer_ask_code (GTK_WIDGET (self), self->account, on_import_step);
}

void
koi_window_keyxfer_init (KoiWindow *self)
{
  self->key_banner = koi_compat_banner_new ();
  adw_bin_set_child (self->key_banner_bin, self->key_banner);
  g_signal_connect_swapped (self->key_banner, "button-clicked",
                            G_CALLBACK (on_key_banner_button_clicked), self);
}

/* After set_account (): its handlers go with the others (by data). */
void
koi_window_keyxfer_watch (KoiWindow *self)
{
  show_banner (self, FALSE);
  if (self->account == NULL)
    return;
  /* "sync-finished" comes once a connection; a setup message may come
   * any time after. */
  g_signal_connect_object (self->account, "sync-finished", G_CALLBACK (look_for_setup), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account, "key-setup-arrived", G_CALLBACK (look_for_setup), self,
                           G_CONNECT_SWAPPED);
  look_for_setup (self);
}

GtkWidget *
koi_window_get_key_banner (KoiWindow *self)
{
  g_return_val_if_fail (KOI_IS_WINDOW (self), NULL);

  return self->key_banner;
}
