/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "koi-cli-contacts.h"
#include "koi-cli-json.h"
#include "koi-cli-keys.h"
#include "koi-coi.h"
#include "koi-syncer.h"

/* The avatar the user's devices and contacts get: small enough for every
 * card, big enough for a HiDPI avatar (issue 10). */
#define AVATAR_PX 256

JsonBuilder *
koi_cli_contact_object (const KoiStoreContact *contact,
                        const char            *event)
{
  JsonBuilder *builder = json_builder_new ();
  g_autoptr (KoiContactCard) card = NULL;

  card = koi_contact_card_parse (contact->contact_json, contact->vcard, NULL, NULL, NULL);

  json_builder_begin_object (builder);
  if (event != NULL)
    {
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, event);
    }
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, contact->id);
  json_builder_set_member_name (builder, "address");
  json_builder_add_string_value (builder, contact->address);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, contact->display_name);
  json_builder_set_member_name (builder, "blocked");
  json_builder_add_boolean_value (builder, contact->blocked);
  json_builder_set_member_name (builder, "muted");
  json_builder_add_boolean_value (builder, contact->muted);
  json_builder_set_member_name (builder, "is_me");
  json_builder_add_boolean_value (builder, contact->is_me);
  if (card != NULL)
    {
      g_autofree char *status = koi_contact_card_get_status (card);
      g_autofree char *birthday = koi_contact_card_get_birthday (card);
      g_auto (GStrv) groups = koi_contact_card_get_groups (card);
      g_autoptr (GBytes) photo = koi_contact_card_get_photo (card, NULL);

      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, status);
      json_builder_set_member_name (builder, "birthday");
      json_builder_add_string_value (builder, birthday);
      json_builder_set_member_name (builder, "groups");
      json_builder_begin_array (builder);
      for (guint i = 0; groups[i] != NULL; i++)
        json_builder_add_string_value (builder, groups[i]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "photo_bytes");
      json_builder_add_int_value (builder, photo != NULL ? (gint64) g_bytes_get_size (photo) : 0);
    }
  return builder;
}

static gboolean
bad (GError    **error,
     const char *message)
{
  g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, message);
  return FALSE;
}

static gboolean
list_contacts (KoiStore               *store,
               const KoiAccountConfig *account,
               const char             *only,
               gboolean                vcards,
               GError                **error)
{
  g_autoptr (GPtrArray) contacts = koi_store_contact_list (store, account->id, error);
  gboolean found = FALSE;

  if (contacts == NULL)
    return FALSE;

  for (guint i = 0; i < contacts->len; i++)
    {
      const KoiStoreContact *contact = g_ptr_array_index (contacts, i);

      /* The address book is the contacts with a card; the others are
       * only people mail came from. */
      if (contact->card_ref == 0 && only == NULL)
        continue;
      if (only != NULL && g_ascii_strcasecmp (only, contact->address) != 0)
        continue;
      found = TRUE;

      if (vcards)
        {
          g_autoptr (KoiContactCard) card = koi_contact_card_parse (contact->contact_json, contact->vcard,
                                                                    NULL, NULL, NULL);
          g_autofree char *text = card != NULL ? koi_contact_card_to_vcard (card) : NULL;

          if (text != NULL)
            fputs (text, stdout);
        }
      else
        {
          g_autoptr (JsonBuilder) builder = koi_cli_contact_object (contact, NULL);

          if (!koi_cli_keys_add_members (builder, store, account->id, contact->address, error))
            return FALSE;

          if (only != NULL && contact->vcard != NULL)
            {
              json_builder_set_member_name (builder, "vcard");
              json_builder_add_string_value (builder, contact->vcard);
            }
          koi_cli_print_object (builder);
        }
    }

  if (only != NULL && !found)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "no contact “%s”", only);
      return FALSE;
    }
  return TRUE;
}

static GBytes *
scaled_avatar (const char  *path,
               GError     **error)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file_at_scale (path, AVATAR_PX, AVATAR_PX, TRUE, error);
  char *data = NULL;
  gsize len = 0;

  if (pixbuf == NULL)
    return NULL;
  if (gdk_pixbuf_get_has_alpha (pixbuf))
    {
      /* JPEG has no alpha: flatten onto white. */
      g_autoptr (GdkPixbuf) flat = gdk_pixbuf_composite_color_simple (pixbuf, gdk_pixbuf_get_width (pixbuf),
                                                                      gdk_pixbuf_get_height (pixbuf),
                                                                      GDK_INTERP_BILINEAR, 255, 8,
                                                                      0xffffff, 0xffffff);
      g_set_object (&pixbuf, flat);
    }
  if (!gdk_pixbuf_save_to_buffer (pixbuf, &data, &len, "jpeg", error, "quality", "85", NULL))
    return NULL;
  return g_bytes_new_take (data, len);
}

/* Connects, brings the contacts folder up to date (an edit builds on the
 * newest version), writes each edit and APPENDs it. */
static gboolean
write_cards (KoiStore                *store,
             const KoiAccountConfig  *account,
             const char * const      *addresses,
             KoiContactEdit * const  *edits,
             guint                    n,
             GError                 **error)
{
  g_autoptr (KoiSyncer) syncer = koi_syncer_new (store, account, NULL, NULL);
  gboolean ok;

  ok = koi_syncer_connect (syncer, NULL, error) && koi_syncer_sync_contacts (syncer, NULL, error);
  for (guint i = 0; ok && i < n; i++)
    {
      gint64 id = koi_syncer_edit_contact (syncer, addresses[i], edits[i], error);
      g_autoptr (KoiStoreContact) contact = id != 0 ? koi_store_contact_get (store, id, error) : NULL;
      g_autoptr (JsonBuilder) builder = NULL;

      ok = contact != NULL;
      if (ok)
        {
          builder = koi_cli_contact_object (contact, NULL);
          koi_cli_print_object (builder);
        }
    }
  ok = ok && koi_syncer_push_contacts (syncer, NULL, error);
  koi_syncer_disconnect (syncer);
  return ok;
}

static void
set_str (char       **field,
         const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static gboolean
parse_edit_options (KoiContactEdit  *edit,
                    char           **args,
                    int              n_args,
                    gboolean         profile,
                    GError         **error)
{
  for (int i = 0; i < n_args; i += 2)
    {
      const char *option = args[i];
      const char *value = i + 1 < n_args ? args[i + 1] : NULL;

      if (value == NULL)
        return bad (error, "an option lacks its value");
      if (g_str_equal (option, "--name"))
        set_str (&edit->name, value);
      else if (g_str_equal (option, "--status"))
        set_str (&edit->status, value);
      else if (g_str_equal (option, "--birthday"))
        set_str (&edit->birthday, value);
      else if (g_str_equal (option, "--notify") && (g_str_equal (value, "on") || g_str_equal (value, "off")))
        edit->notify = g_str_equal (value, "on");
      else if (g_str_equal (option, "--groups"))
        {
          g_strfreev (edit->groups);
          edit->groups = *value != '\0' ? g_strsplit (value, ",", -1) : g_new0 (char *, 1);
        }
      else if (g_str_equal (option, "--avatar") && profile)
        {
          g_clear_pointer (&edit->photo, g_bytes_unref);
          edit->photo = scaled_avatar (value, error);
          if (edit->photo == NULL)
            return FALSE;
        }
      else
        return bad (error, "unknown option or value");
    }
  return TRUE;
}

static gboolean
import_file (KoiStore               *store,
             const KoiAccountConfig *account,
             const char             *path,
             GError                **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GPtrArray) cards = NULL;
  g_autoptr (GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) edits = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_contact_edit_free);

  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  cards = koi_vcard_parse_all (text, error);
  if (cards == NULL)
    return FALSE;

  for (guint i = 0; i < cards->len; i++)
    {
      KoiVCard *vcard = g_ptr_array_index (cards, i);
      g_autofree char *card_text = koi_vcard_to_string (vcard);
      g_autoptr (KoiContactCard) card = koi_contact_card_parse (NULL, card_text, NULL, NULL, NULL);
      KoiContactEdit *edit;

      if (card == NULL)
        {
          g_printerr ("koi-cli: card %u of %s has no email address: skipped\n", i + 1, path);
          continue;
        }
      edit = koi_contact_edit_new ();
      edit->vcard = g_steal_pointer (&card_text);
      g_ptr_array_add (addresses, g_strdup (koi_contact_card_get_address (card)));
      g_ptr_array_add (edits, edit);
    }

  return write_cards (store, account, (const char * const *) addresses->pdata,
                      (KoiContactEdit * const *) edits->pdata, edits->len, error);
}

/* request accept|block|delete CHAT (its id or the peer's address). The
 * card written for accept and block goes to the server at once. */
static gboolean
answer_request (KoiStore               *store,
                const KoiAccountConfig *account,
                char                  **args,
                int                     n_args,
                GError                **error)
{
  g_autoptr (KoiSyncer) syncer = NULL;
  g_autoptr (KoiStoreChat) chat = NULL;
  KoiRequestAnswer answer;
  guint64 chat_id = 0;
  gboolean ok;

  if (n_args != 2)
    return bad (error, "request accept|block|delete CHAT");
  if (g_str_equal (args[0], "accept"))
    answer = KOI_REQUEST_ACCEPT;
  else if (g_str_equal (args[0], "block"))
    answer = KOI_REQUEST_BLOCK;
  else if (g_str_equal (args[0], "delete"))
    answer = KOI_REQUEST_DELETE;
  else
    return bad (error, "request accept|block|delete CHAT");

  if (!g_ascii_string_to_unsigned (args[1], 10, 1, G_MAXINT64, &chat_id, NULL))
    chat_id = (guint64) koi_store_chat_find_by_peer (store, account->id, args[1], NULL);
  if (chat_id == 0)
    return bad (error, "no chat with that id or address (see “koi-cli chats”)");

  syncer = koi_syncer_new (store, account, NULL, NULL);
  ok = koi_syncer_connect (syncer, NULL, error) && koi_syncer_sync_contacts (syncer, NULL, error)
       && koi_syncer_answer_request (syncer, (gint64) chat_id, answer, error)
       && koi_syncer_push_contacts (syncer, NULL, error)
       /* Accepting what was already read tells the sender now, as the
        * window's worker would. */
       && koi_syncer_send_receipts (syncer, NULL, error)
       && koi_syncer_send_queued (syncer, FALSE, NULL, error);
  koi_syncer_disconnect (syncer);
  if (ok)
    {
      chat = koi_store_chat_get (store, (gint64) chat_id, error);
      ok = chat != NULL;
    }
  if (ok)
    {
      g_autoptr (JsonBuilder) builder = koi_cli_chat_object (chat);

      koi_cli_print_object (builder);
    }
  return ok;
}

gboolean
koi_cli_contacts_command (KoiStore               *store,
                          const KoiAccountConfig *account,
                          const char             *command,
                          char                  **args,
                          int                     n_args,
                          GError                **error)
{
  g_autoptr (KoiContactEdit) edit = koi_contact_edit_new ();
  const char *verb = n_args > 0 ? args[0] : NULL;
  const char *address = n_args > 1 ? args[1] : NULL;

  if (g_str_equal (command, "contacts"))
    return n_args == 0 ? list_contacts (store, account, NULL, FALSE, error)
                       : bad (error, "contacts takes no arguments");

  if (g_str_equal (command, "keys"))
    return n_args == 0 ? koi_cli_keys_list (store, account->id, error)
                       : bad (error, "keys takes no arguments");

  if (g_str_equal (command, "request"))
    return answer_request (store, account, args, n_args, error);

  if (g_str_equal (command, "profile"))
    {
      if (verb == NULL || !g_str_equal (verb, "set") || n_args < 3)
        return bad (error, "profile set --name NAME --status TEXT --avatar FILE");
      if (!parse_edit_options (edit, args + 1, n_args - 1, TRUE, error))
        return FALSE;
      return write_cards (store, account, (const char * const[]) { account->address }, &edit, 1, error);
    }

  if (verb == NULL)
    return bad (error, "contact show|edit|block|unblock ADDR, contact import FILE, contact export [ADDR]");

  if (g_str_equal (verb, "export") && n_args <= 2)
    return list_contacts (store, account, address, TRUE, error);
  if (address == NULL)
    return bad (error, "an address (or a file) is missing");
  if (g_str_equal (verb, "show") && n_args == 2)
    return list_contacts (store, account, address, FALSE, error);
  if (g_str_equal (verb, "import") && n_args == 2)
    return import_file (store, account, address, error);
  if ((g_str_equal (verb, "block") || g_str_equal (verb, "unblock")) && n_args == 2)
    edit->blocked = g_str_equal (verb, "block");
  else if (g_str_equal (verb, "edit") && n_args >= 4)
    {
      if (!parse_edit_options (edit, args + 2, n_args - 2, FALSE, error))
        return FALSE;
    }
  else
    return bad (error, "unknown contact command or wrong number of arguments");

  return write_cards (store, account, (const char * const[]) { address }, &edit, 1, error);
}
