/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-contacts-import"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-contacts-import.h"
#include "koi-contacts.h"
#include "koi-coi.h"

/* An address book of thousands of cards with photos is a few MB; past this
 * it is not an address book. */
#define MAX_FILE_SIZE (64 * 1024 * 1024)

typedef struct
{
  KoiAccount *account;
  GPtrArray  *addresses;  /* char*, one per card */
  GPtrArray  *vcards;     /* char*, the card as written back */
  guint       skipped;
  guint       next;       /* the card being written */
  guint       written;
  GError     *first_error;
} Import;

static void
import_free (Import *import)
{
  g_clear_object (&import->account);
  g_clear_pointer (&import->addresses, g_ptr_array_unref);
  g_clear_pointer (&import->vcards, g_ptr_array_unref);
  g_clear_error (&import->first_error);
  g_free (import);
}

static char *
display_name (GFile *file)
{
  g_autofree char *basename = g_file_get_basename (file);

  return g_filename_display_name (basename != NULL ? basename : "?");
}

/* On a worker thread: read and parse, no store, no GTK. */
static void
parse_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Import *import = task_data;
  GFile *file = g_object_get_data (G_OBJECT (task), "koi-file");
  g_autofree char *name = display_name (file);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) cards = NULL;
  gsize length = 0;

  if (!g_file_load_contents (file, cancellable, &text, &length, NULL, &error))
    {
      /* TRANSLATORS: %s is a file name, then the system's reason */
      g_task_return_new_error (task, error->domain, error->code, _("“%s” could not be read: %s"), name,
                               error->message);
      return;
    }
  if (length > MAX_FILE_SIZE || !g_utf8_validate (text, length, NULL) ||
      (cards = koi_vcard_parse_all (text, NULL)) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               /* TRANSLATORS: %s is a file name */
                               _("“%s” is not a contacts file: choose a vCard file (.vcf)"), name);
      return;
    }

  for (guint i = 0; i < cards->len; i++)
    {
      g_autofree char *card_text = koi_vcard_to_string (g_ptr_array_index (cards, i));
      g_autoptr (KoiContactCard) card = koi_contact_card_parse (NULL, card_text, NULL, NULL, NULL);

      /* A contact is known by an email address here. */
      if (card == NULL)
        {
          import->skipped++;
          continue;
        }
      g_ptr_array_add (import->addresses, g_strdup (koi_contact_card_get_address (card)));
      g_ptr_array_add (import->vcards, g_steal_pointer (&card_text));
    }
  if (import->addresses->len == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               /* TRANSLATORS: %s is a file name */
                               _("No card in “%s” has an email address, so there is no one to add"),
                               name);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void write_next (GTask *task);

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  Import *import = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (koi_account_edit_contact_finish (KOI_ACCOUNT (source), result, &error) > 0)
    import->written++;
  else if (import->first_error == NULL && error != NULL)
    import->first_error = g_steal_pointer (&error);
  import->next++;
  write_next (g_steal_pointer (&task));
}

/* One card after another: the engine runs its commands in order anyway,
 * and a cancelled import stops between two cards. */
static void
write_next (GTask *task)
{
  Import *import = g_task_get_task_data (task);
  g_autoptr (KoiContactEdit) edit = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (import->next >= import->addresses->len)
    {
      if (import->written == 0 && import->first_error != NULL)
        g_task_return_error (task, g_steal_pointer (&import->first_error));
      else
        g_task_return_int (task, import->written);
      g_object_unref (task);
      return;
    }
  edit = koi_contact_edit_new ();
  edit->vcard = g_strdup (g_ptr_array_index (import->vcards, import->next));
  koi_account_edit_contact_async (import->account, g_ptr_array_index (import->addresses, import->next),
                                  edit, g_task_get_cancellable (task), written_cb, task);
}

static void
parsed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  write_next (task);
}

void
koi_contacts_import_async (KoiAccount          *account,
                           GFile               *file,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  g_autoptr (GTask) parse = NULL;
  Import *import;

  g_return_if_fail (KOI_IS_ACCOUNT (account));
  g_return_if_fail (G_IS_FILE (file));

  import = g_new0 (Import, 1);
  import->account = g_object_ref (account);
  import->addresses = g_ptr_array_new_with_free_func (g_free);
  import->vcards = g_ptr_array_new_with_free_func (g_free);
  task = g_task_new (account, cancellable, callback, user_data);
  g_task_set_source_tag (task, koi_contacts_import_async);
  g_task_set_task_data (task, import, (GDestroyNotify) import_free);

  /* The worker fills @import; nothing else touches it until it is done. */
  parse = g_task_new (NULL, cancellable, parsed_cb, task);
  g_task_set_task_data (parse, import, NULL);
  g_object_set_data_full (G_OBJECT (parse), "koi-file", g_object_ref (file), g_object_unref);
  g_task_run_in_thread (parse, parse_thread);
}

guint
koi_contacts_import_finish (GAsyncResult  *result,
                            guint         *out_skipped,
                            GError       **error)
{
  Import *import = g_task_get_task_data (G_TASK (result));
  gssize written;

  g_return_val_if_fail (G_IS_TASK (result), 0);

  if (out_skipped != NULL)
    *out_skipped = import->skipped;
  written = g_task_propagate_int (G_TASK (result), error);
  return written > 0 ? (guint) written : 0;
}
