/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-cli"

#include "config.h"

#include <json-glib/json-glib.h>

#include "koi-account-remove.h"
#include "koi-cli-account.h"
#include "koi-cli-json.h"
#include "koi-engine-error.h"
#include "koi-profile.h"
#include "koi-syncer.h"

gboolean
koi_cli_account_remove (const char  *profile_dir,
                        const char  *address,
                        GError     **error)
{
  g_autofree char *path = koi_profile_store_path (profile_dir);
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GString) known = g_string_new (NULL);
  gint64 id = 0;

  /* Only read here: the store is closed again before the remover opens
   * its own connection and deletes. */
  {
    g_autoptr (KoiStore) store = NULL;

    if (!g_file_test (path, G_FILE_TEST_EXISTS))
      {
        g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_NO_ACCOUNT,
                     "The profile has no account %s", address);
        return FALSE;
      }
    store = koi_store_open (path, error);
    if (store == NULL)
      return FALSE;
    accounts = koi_store_account_list (store, error);
    if (accounts == NULL)
      return FALSE;
  }

  for (guint i = 0; i < accounts->len; i++)
    {
      const KoiStoreAccount *account = g_ptr_array_index (accounts, i);

      if (g_ascii_strcasecmp (account->address, address) == 0)
        id = account->id;
      g_string_append_printf (known, "%s%s", i > 0 ? ", " : "", account->address);
    }
  if (id == 0)
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_NO_ACCOUNT,
                   "The profile has no account %s (it has: %s)", address,
                   known->len > 0 ? known->str : "none");
      return FALSE;
    }

  return koi_account_remove_sync (profile_dir, id, NULL, error);
}

static const char *
coi_state_name (KoiCoiServerState state)
{
  switch (state)
    {
    case KOI_COI_SERVER_OFFERED: return "offered";
    case KOI_COI_SERVER_DECLINED: return "declined";
    case KOI_COI_SERVER_ENABLED: return "enabled";
    case KOI_COI_SERVER_NONE:
    default: return "none";
    }
}

gboolean
koi_cli_account_coi (KoiStore                *store,
                     const KoiAccountConfig  *account,
                     gboolean                 enable,
                     GError                 **error)
{
  g_autoptr (KoiSyncer) syncer = koi_syncer_new (store, account, NULL, NULL);
  g_autoptr (JsonBuilder) builder = NULL;
  KoiCoiServerState state;

  if (!koi_syncer_connect (syncer, NULL, error))
    return FALSE;
  state = koi_syncer_get_coi_server (syncer);

  if (enable && state == KOI_COI_SERVER_NONE)
    {
      g_set_error (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                   "The server of %s does not offer COI: Koi files chat mail itself "
                   "(see “set move-chat-mail”)", account->address);
      return FALSE;
    }
  if (enable && state != KOI_COI_SERVER_ENABLED)
    {
      if (!koi_syncer_enable_coi_server (syncer, NULL, error))
        return FALSE;
      state = koi_syncer_get_coi_server (syncer);
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "account");
  json_builder_add_string_value (builder, account->address);
  json_builder_set_member_name (builder, "coi");
  json_builder_add_string_value (builder, coi_state_name (state));
  json_builder_set_member_name (builder, "chats_folder");
  json_builder_add_string_value (builder, koi_syncer_get_chats_folder (syncer));
  koi_cli_print_object (builder);
  return TRUE;
}
