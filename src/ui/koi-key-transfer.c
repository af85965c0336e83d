/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-key-transfer"

#include <glib/gi18n.h>
#include <string.h>

#include "koi-compat.h"
#include "koi-key-transfer.h"
#include "koi-pgp-setup.h"

/* See koi-key-transfer.h. The setup code lives only in the alert that
 * shows it and in the entry the user types it into; both are cleared when
 * their alert closes, and it never reaches a log. */

#define TRANSFER_KEY "koi-key-transfer"
#define ENTER_KEY "koi-key-enter"
#define SETUP_REF_KEY "koi-setup-ref"

static void
set_subtitle (GtkWidget  *row,
              const char *text)
{
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), text);
}

static KoiAccount *
account_of (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), "koi-account");
}

static void
show_error (GtkWidget    *row,
            const char   *heading,
            const GError *error)
{
  GtkWidget *alert = koi_compat_alert_new (heading, error->message);

  koi_compat_alert_add_response (alert, "close", _("_Close"), ADW_RESPONSE_DEFAULT);
  koi_compat_alert_set_responses (alert, "close", "close");
  koi_compat_alert_present (alert, row);
}

/* ---- Asking the engine whether there is a key to take over ---- */

static void
find_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GtkWidget) row = user_data;
  g_autoptr (GError) error = NULL;
  gint64 ref = koi_engine_find_setup_finish (KOI_ENGINE (source), result, &error);
  GtkWidget *enter = g_object_get_data (G_OBJECT (row), ENTER_KEY);

  if (error != NULL)
    g_debug ("No setup message found: %s", error->message);
  {
    gint64 *stored = g_new (gint64, 1);

    *stored = ref;
    g_object_set_data_full (G_OBJECT (row), SETUP_REF_KEY, stored, g_free);
  }
  gtk_widget_set_visible (enter, ref != 0);
}

static void
look_for_setup (GtkWidget *row)
{
  KoiEngine *engine = koi_account_get_engine (account_of (row));

  if (engine != NULL)
    koi_engine_find_setup_async (engine, NULL, find_done, g_object_ref (row));
}

/* ---- Sending: confirm, send, show the code once ---- */

/* "1234-5678-9012-…" as three lines of three blocks, easier to copy out;
 * blocks apart by a space, where a narrow dialog may wrap a line. */
static char *
code_for_reading (const char *code)
{
  GString *text = g_string_new (NULL);

  for (const char *p = code; *p != '\0'; p++)
    {
      if (*p == '-' && (p - code) % 15 == 14)
        g_string_append_c (text, '\n');
      else if (*p == '-')
        g_string_append_c (text, ' ');
      else
        g_string_append_c (text, *p);
    }
  return g_string_free (text, FALSE);
}

static void
on_code_closed (GtkWidget  *alert,
                const char *response,
                GtkLabel   *label)
{
  gtk_label_set_text (label, "");
}

static void
show_code (GtkWidget  *row,
           const char *code)
{
  GtkWidget *alert = koi_compat_alert_new (_("Setup Code"),
                                           _("On your other device, open Koi and enter this code under Preferences › Encryption Key. It is shown only now and kept nowhere."));
  char *reading = code_for_reading (code);
  GtkWidget *label = gtk_label_new (reading);

  koi_pgp_setup_code_free (reading);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "monospace");
  gtk_widget_add_css_class (label, "title-3");
  gtk_widget_set_name (label, "setup-code");
  koi_compat_alert_set_extra_child (alert, label);
  koi_compat_alert_add_response (alert, "done", _("_Done"), ADW_RESPONSE_SUGGESTED);
  koi_compat_alert_set_responses (alert, "done", "done");
  g_signal_connect (alert, "response", G_CALLBACK (on_code_closed), label);
  koi_compat_alert_present (alert, row);
}

static void
transfer_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GtkWidget) row = user_data;
  g_autoptr (GError) error = NULL;
  char *code = koi_engine_transfer_key_finish (KOI_ENGINE (source), result, &error);

  gtk_widget_set_sensitive (g_object_get_data (G_OBJECT (row), TRANSFER_KEY), TRUE);
  if (code == NULL)
    {
      show_error (row, _("Could Not Transfer the Key"), error);
      return;
    }
  show_code (row, code);
  koi_pgp_setup_code_free (code);
}

static void
on_transfer_response (GtkWidget  *alert,
                      const char *response,
                      GtkWidget  *row)
{
  KoiEngine *engine = koi_account_get_engine (account_of (row));

  if (g_strcmp0 (response, "transfer") != 0 || engine == NULL)
    return;
  gtk_widget_set_sensitive (g_object_get_data (G_OBJECT (row), TRANSFER_KEY), FALSE);
  koi_engine_transfer_key_async (engine, NULL, transfer_done, g_object_ref (row));
}

static void
on_transfer_clicked (GtkWidget *activated,
                     GtkWidget *row)
{
  GtkWidget *alert = koi_compat_alert_new (_("Transfer the Key?"),
                                           _("Koi puts this account’s encryption key into your mailbox, locked with a setup code that only this device shows you. Your other device needs the code to read your encrypted messages."));

  koi_compat_alert_add_response (alert, "cancel", _("_Cancel"), ADW_RESPONSE_DEFAULT);
  koi_compat_alert_add_response (alert, "transfer", _("_Transfer Key"), ADW_RESPONSE_SUGGESTED);
  koi_compat_alert_set_responses (alert, "transfer", "cancel");
  g_signal_connect_object (alert, "response", G_CALLBACK (on_transfer_response), row, 0);
  koi_compat_alert_present (alert, activated);
}

/* ---- Receiving: the code, then the import ---- */

/* One "Enter Setup Code" alert and its import, for whoever asked: the
 * Preferences row or the window's banner. */
typedef struct {
  GtkWidget            *owner;
  KoiAccount           *account;
  KoiKeyTransferNotify  notify;
} AskCode;

static void
ask_code_free (AskCode *ask)
{
  g_clear_object (&ask->owner);
  g_clear_object (&ask->account);
  g_free (ask);
}

static void
import_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AskCode *ask = user_data;
  g_autoptr (GError) error = NULL;

  if (!koi_engine_import_setup_finish (KOI_ENGINE (source), result, &error))
    {
      if (g_error_matches (error, KOI_PGP_ERROR, KOI_PGP_ERROR_WRONG_PASSPHRASE))
        {
          GtkWidget *alert = koi_compat_alert_new (_("Wrong Setup Code"),
                                                   _("The code does not open the setup message. Nothing was changed. Check the code your other device showed and try again."));

          koi_compat_alert_add_response (alert, "close", _("_Close"), ADW_RESPONSE_DEFAULT);
          koi_compat_alert_set_responses (alert, "close", "close");
          koi_compat_alert_present (alert, ask->owner);
        }
      else
        show_error (ask->owner, _("Could Not Import the Key"), error);
      ask->notify (ask->owner, KOI_KEY_TRANSFER_FAILED);
    }
  else
    ask->notify (ask->owner, KOI_KEY_TRANSFER_IMPORTED);
  ask_code_free (ask);
}

static void
on_code_response (GtkWidget  *alert,
                  const char *response,
                  AskCode    *ask)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (alert), "koi-entry");
  KoiEngine *engine = koi_account_get_engine (ask->account);

  if (g_strcmp0 (response, "import") == 0 && engine != NULL)
    {
      AskCode *running = g_new0 (AskCode, 1);

      running->owner = g_object_ref (ask->owner);
      running->account = g_object_ref (ask->account);
      running->notify = ask->notify;
      ask->notify (ask->owner, KOI_KEY_TRANSFER_IMPORTING);
      /* 0: whichever own setup message the code opens (a fake newer one
       * must not hide the real one). */
      koi_engine_import_setup_async (engine, 0, gtk_editable_get_text (entry), NULL,
                                     import_done, running);
    }
  gtk_editable_set_text (entry, "");
}

static void
on_code_changed (GtkEditable *entry,
                 GtkWidget   *alert)
{
  g_autofree char *code = koi_pgp_setup_code_normalize (gtk_editable_get_text (entry));

  koi_compat_alert_set_response_enabled (alert, "import", code != NULL);
  if (code != NULL)
    explicit_bzero (code, strlen (code));
}

void
koi_key_transfer_ask_code (GtkWidget            *owner,
                           KoiAccount           *account,
                           KoiKeyTransferNotify  notify)
{
  GtkWidget *alert = koi_compat_alert_new (_("Enter Setup Code"),
                                           _("Type the 36-digit code your other device showed when it transferred the key."));
  GtkWidget *entry = gtk_entry_new ();
  AskCode *ask = g_new0 (AskCode, 1);

  g_return_if_fail (GTK_IS_WIDGET (owner));
  g_return_if_fail (KOI_IS_ACCOUNT (account));
  g_return_if_fail (notify != NULL);

  ask->owner = g_object_ref (owner);
  ask->account = g_object_ref (account);
  ask->notify = notify;
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_DIGITS);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), "1234-5678-9012-…");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_widget_set_name (entry, "setup-code-entry");
  koi_compat_alert_set_extra_child (alert, entry);
  g_object_set_data (G_OBJECT (alert), "koi-entry", entry);
  /* Freed with the alert, whichever way it closes. */
  g_object_set_data_full (G_OBJECT (alert), "koi-ask-code", ask, (GDestroyNotify) ask_code_free);
  koi_compat_alert_add_response (alert, "cancel", _("_Cancel"), ADW_RESPONSE_DEFAULT);
  koi_compat_alert_add_response (alert, "import", _("_Import Key"), ADW_RESPONSE_SUGGESTED);
  koi_compat_alert_set_responses (alert, "import", "cancel");
  g_signal_connect (entry, "changed", G_CALLBACK (on_code_changed), alert);
  on_code_changed (GTK_EDITABLE (entry), alert);
  g_signal_connect (alert, "response", G_CALLBACK (on_code_response), ask);
  koi_compat_alert_present (alert, owner);
}

/* The Preferences row's part: busy while importing, gone once done. */
static void
on_row_import (GtkWidget         *row,
               KoiKeyTransferStep step)
{
  GtkWidget *enter = g_object_get_data (G_OBJECT (row), ENTER_KEY);

  gtk_widget_set_sensitive (enter, step != KOI_KEY_TRANSFER_IMPORTING);
  if (step != KOI_KEY_TRANSFER_IMPORTED)
    return;
  gtk_widget_set_visible (enter, FALSE);
  /* Translators: %s is the account's address. */
  {
    g_autofree char *done = g_strdup_printf (_("%s: the key is on this device now. Encrypted messages are read again"),
                                             koi_account_get_address (account_of (row)));

    set_subtitle (row, done);
  }
}

static void
on_enter_clicked (GtkWidget *activated,
                  GtkWidget *row)
{
  gint64 *ref = g_object_get_data (G_OBJECT (row), SETUP_REF_KEY);

  if (ref != NULL && *ref != 0)
    koi_key_transfer_ask_code (row, account_of (row), on_row_import);
}

static void
on_sync_finished (KoiAccount *account,
                  GtkWidget  *row)
{
  look_for_setup (row);
}

GtkWidget *
koi_key_transfer_rows_add (AdwPreferencesGroup *group,
                           KoiAccount          *account,
                           GPtrArray           *rows)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *enter = adw_action_row_new ();
  g_autofree char *enter_subtitle = NULL;

  g_return_val_if_fail (KOI_IS_ACCOUNT (account), NULL);

  /* Whole rows are the buttons (the GNOME way for an action with a
   * dialog): a long title leaves the explanation room. */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("_Transfer Key to Another Device…"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  set_subtitle (row, koi_account_get_address (account));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (enter), _("_Enter Setup Code…"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (enter), TRUE);
  /* Translators: %s is the account's address. */
  enter_subtitle = g_strdup_printf (_("Another device holds the key of %s and sent it here. Enter the setup code it showed to read encrypted messages on this device"),
                                    koi_account_get_address (account));
  set_subtitle (enter, enter_subtitle);
  adw_action_row_add_suffix (ADW_ACTION_ROW (enter), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (enter), TRUE);
  gtk_widget_set_visible (enter, FALSE);

  g_object_set_data_full (G_OBJECT (row), "koi-account", g_object_ref (account), g_object_unref);
  g_object_set_data (G_OBJECT (row), TRANSFER_KEY, row);
  g_object_set_data (G_OBJECT (row), ENTER_KEY, enter);
  g_signal_connect_object (row, "activated", G_CALLBACK (on_transfer_clicked), row, 0);
  g_signal_connect_object (enter, "activated", G_CALLBACK (on_enter_clicked), row, 0);
  g_signal_connect_object (account, "sync-finished", G_CALLBACK (on_sync_finished), row, 0);
  /* And each time Preferences open: the user comes here after sending
   * the setup message from the other device. */
  g_signal_connect (row, "map", G_CALLBACK (look_for_setup), NULL);

  adw_preferences_group_add (group, row);
  adw_preferences_group_add (group, enter);
  g_ptr_array_add (rows, row);
  g_ptr_array_add (rows, enter);
  return row;
}

GtkWidget *
koi_key_transfer_row_get_transfer (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), TRANSFER_KEY);
}

GtkWidget *
koi_key_transfer_row_get_enter_code (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), ENTER_KEY);
}
