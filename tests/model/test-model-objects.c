/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-model-objects"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "koi-account.h"
#include "koi-contact.h"
#include "koi-message.h"
#include "koi-model.h"
#include "koi-secret.h"
#include "koi-session.h"
#include "model-test-util.h"

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

/* Connected swapped: the flag comes first, the rest is ignored. */
static void
set_flag (gboolean *flag)
{
  *flag = TRUE;
}

static void
test_message_update_notifies_changes_only (void)
{
  g_autoptr(KoiMessage) message = koi_message_new_placeholder ();
  KoiStoreMessage row = {
    .id = 7,
    .chat_id = 3,
    .message_id = (char *) "chat$abc@koi.test",
    .direction = KOI_STORE_DIRECTION_OUTGOING,
    .state = KOI_STORE_STATE_QUEUED,
    .kind = KOI_STORE_KIND_EMAIL,
    .from_address = (char *) "me@koi.test",
    .subject = (char *) "Hello",
    .text = (char *) "Hi there",
    .sort_ms = 1234,
  };
  guint text_notifies = 0, state_notifies = 0, loaded_notifies = 0, any = 0;
  g_autofree char *text = NULL;
  KoiMessageState state;

  g_assert_false (koi_message_get_loaded (message));
  g_signal_connect (message, "notify::text", G_CALLBACK (count_notify), &text_notifies);
  g_signal_connect (message, "notify::state", G_CALLBACK (count_notify), &state_notifies);
  g_signal_connect (message, "notify::loaded", G_CALLBACK (count_notify), &loaded_notifies);
  g_signal_connect (message, "notify", G_CALLBACK (count_notify), &any);

  koi_message_update_from_store (message, &row);
  g_assert_true (koi_message_get_loaded (message));
  g_assert_cmpuint (text_notifies, ==, 1);
  g_assert_cmpuint (state_notifies, ==, 1);
  g_assert_cmpuint (loaded_notifies, ==, 1);

  /* The same row again: not one notify. */
  any = 0;
  koi_message_update_from_store (message, &row);
  g_assert_cmpuint (any, ==, 0);

  koi_message_set_state (message, KOI_MESSAGE_SENT);
  koi_message_set_state (message, KOI_MESSAGE_SENT);
  g_assert_cmpuint (state_notifies, ==, 2);

  /* Properties for binding, enums registered with their nicks. */
  g_object_get (message, "text", &text, "state", &state, NULL);
  g_assert_cmpstr (text, ==, "Hi there");
  g_assert_cmpint (state, ==, KOI_MESSAGE_SENT);
  g_assert_cmpint (koi_message_get_direction (message), ==, KOI_MESSAGE_OUTGOING);
  g_assert_cmpint (koi_message_get_kind (message), ==, KOI_MESSAGE_EMAIL);
  g_assert_cmpstr (koi_message_get_subject (message), ==, "Hello");
  g_assert_cmpint (koi_message_get_timestamp (message), ==, 1234);
  {
    g_autoptr(GEnumClass) klass = g_type_class_ref (KOI_TYPE_MESSAGE_STATE);
    GEnumValue *value = g_enum_get_value_by_nick (klass, "failed");

    g_assert_nonnull (value);
    g_assert_cmpint (value->value, ==, KOI_STORE_STATE_FAILED);
  }

  /* A state number from a newer Koi does not become an invalid enum. */
  row.state = 42;
  koi_message_update_from_store (message, &row);
  g_assert_cmpint (koi_message_get_state (message), ==, KOI_MESSAGE_RECEIVED);
}

static void
test_chat_initials_and_colour (void)
{
  KoiStoreChat row = { .id = 1, .account_id = 1, .peer_address = (char *) "Zoë@Koi.Test",
                       .last_direction = -1, .last_state = -1 };
  g_autoptr(KoiChat) chat = koi_chat_new_from_store (&row);
  g_autoptr(KoiChat) same = NULL;
  g_autofree char *initials = NULL;
  guint title_notifies = 0;

  /* No name: the address is the title, one letter. */
  g_assert_cmpstr (koi_chat_get_title (chat), ==, "Zoë@Koi.Test");
  g_assert_false (koi_chat_get_has_messages (chat));
  initials = koi_chat_get_initials (chat);
  g_assert_cmpstr (initials, ==, "Z");
  g_clear_pointer (&initials, g_free);

  /* The colour depends on the address only, whatever its case. */
  row.peer_address = (char *) "zoë@koi.test";
  row.name = (char *) "zoë van dijk";
  same = koi_chat_new_from_store (&row);
  g_assert_cmpuint (koi_chat_get_color_index (chat), ==, koi_chat_get_color_index (same));
  initials = koi_chat_get_initials (same);
  g_assert_cmpstr (initials, ==, "ZD");

  g_signal_connect (chat, "notify::title", G_CALLBACK (count_notify), &title_notifies);
  koi_chat_update_from_store (chat, &row);
  koi_chat_update_from_store (chat, &row);
  g_assert_cmpuint (title_notifies, ==, 1);
  g_assert_cmpstr (koi_chat_get_title (chat), ==, "zoë van dijk");
}

static void
test_contact (void)
{
  g_autoptr(KoiContact) contact = koi_contact_new ("ann@koi.test", NULL);
  guint notifies = 0;

  g_assert_cmpstr (koi_contact_get_title (contact), ==, "ann@koi.test");
  g_signal_connect (contact, "notify::display-name", G_CALLBACK (count_notify), &notifies);
  koi_contact_set_display_name (contact, "Ann");
  koi_contact_set_display_name (contact, "Ann");
  g_assert_cmpuint (notifies, ==, 1);
  g_assert_cmpstr (koi_contact_get_title (contact), ==, "Ann");
}

typedef struct
{
  gboolean  done;
  gint64    id;
  GError   *error;
} SendResult;

static void
send_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  SendResult *res = user_data;

  res->id = koi_account_send_text_finish (KOI_ACCOUNT (source), result, &res->error);
  res->done = TRUE;
}

static void
test_account_without_engine (ModelFixture  *fixture,
                             gconstpointer  data)
{
  g_autoptr(KoiStoreReader) reader = koi_store_reader_new (fixture->path);
  g_autoptr(KoiAccount) account = koi_account_new (reader, fixture->account_id, "me@koi.test", NULL);
  SendResult res = { 0 };

  g_assert_cmpstr (koi_account_get_title (account), ==, "me@koi.test");
  g_assert_cmpint (koi_account_get_connection_state (account), ==, KOI_CONNECTION_OFFLINE);
  g_assert_null (koi_account_get_engine (account));

  /* Sending without an engine says so, with the reason the user saw. */
  koi_account_set_last_error (account, "There is no password for me@koi.test in the keyring.");
  koi_account_send_text_async (account, 1, "hi", NULL, send_done, &res);
  model_wait_for (&res.done);
  g_assert_error (res.error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_assert_nonnull (strstr (res.error->message, "no password"));
  g_clear_error (&res.error);

  /* The chat list is one object per account. */
  g_assert_true (koi_account_get_chats (account) == koi_account_get_chats (account));
  model_drain (reader);

  g_assert_finalize_object (g_steal_pointer (&account));
  g_assert_finalize_object (g_steal_pointer (&reader));
}

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  SendResult *res = user_data;

  res->id = koi_session_load_finish (KOI_SESSION (source), result, &res->error);
  res->done = TRUE;
}

static void
test_session_empty_profile (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("koi-model-session-XXXXXX", &error);
  g_autofree char *profile = g_build_filename (tmp, "profile", NULL);
  g_autofree char *db = g_build_filename (profile, "koi.db", NULL);
  g_autoptr(KoiSession) session = NULL;
  SendResult res = { 0 };

  g_assert_no_error (error);

  /* A first start: the folder and the store are created, no accounts. */
  session = koi_session_new (profile);
  g_assert_false (koi_session_get_loaded (session));
  koi_session_load_async (session, NULL, load_done, &res);
  model_wait_for (&res.done);
  g_assert_no_error (res.error);
  g_assert_true (koi_session_get_loaded (session));
  g_assert_cmpuint (g_list_model_get_n_items (koi_session_get_accounts (session)), ==, 0);
  g_assert_true (g_file_test (db, G_FILE_TEST_IS_REGULAR));

  g_assert_finalize_object (g_steal_pointer (&session));
  g_unlink (db);
  g_rmdir (profile);
  g_rmdir (tmp);
}

static void
test_session_account_without_password (ModelFixture  *fixture,
                                       gconstpointer  data)
{
  g_autoptr(KoiSession) session = NULL;
  g_autoptr(KoiAccount) account = NULL;
  SendResult res = { 0 };

  /* The fixture's store is the profile's koi.db. */
  session = koi_session_new (fixture->dir);
  koi_session_load_async (session, NULL, load_done, &res);
  model_wait_for (&res.done);
  g_assert_no_error (res.error);

  /* Listed, not started, and the user is told why. */
  g_assert_cmpuint (g_list_model_get_n_items (koi_session_get_accounts (session)), ==, 1);
  account = g_list_model_get_item (koi_session_get_accounts (session), 0);
  g_assert_cmpint (koi_account_get_id (account), ==, fixture->account_id);
  g_assert_cmpstr (koi_account_get_address (account), ==, "me@koi.test");
  g_assert_cmpstr (koi_account_get_display_name (account), ==, "Me");
  g_assert_null (koi_account_get_engine (account));
  /* Why, for the window's banner, and the servers its password prompt
   * logs in to without an engine. */
  g_assert_cmpint (koi_account_get_stopped (account), ==, KOI_ACCOUNT_STOPPED_NO_PASSWORD);
  g_assert_nonnull (koi_account_get_servers (account));
  g_assert_cmpstr (koi_account_get_servers (account)->address, ==, "me@koi.test");
  g_assert_null (koi_account_get_servers (account)->imap->password);
  g_assert_true (koi_session_find_account (session, fixture->account_id) == account);

  g_clear_object (&account);
  g_assert_finalize_object (g_steal_pointer (&session));
}

static void
test_session_starts_engine (ModelFixture  *fixture,
                            gconstpointer  data)
{
  g_autoptr(KoiSession) session = NULL;
  g_autoptr(KoiAccount) account = NULL;
  g_autoptr(GError) error = NULL;
  SendResult res = { 0 };
  gboolean state_changed = FALSE;

  koi_secret_store_sync ("me@koi.test", "127.0.0.1:1993", "secret", NULL, &error);
  g_assert_no_error (error);

  session = koi_session_new (fixture->dir);
  koi_session_load_async (session, NULL, load_done, &res);
  model_wait_for (&res.done);
  g_assert_no_error (res.error);

  account = g_list_model_get_item (koi_session_get_accounts (session), 0);
  g_assert_nonnull (koi_account_get_engine (account));
  g_assert_null (koi_account_get_last_error (account));

  /* Nothing listens on that port: the engine's state leaves OFFLINE and the
   * account mirrors it. */
  if (koi_account_get_connection_state (account) == KOI_CONNECTION_OFFLINE)
    {
      g_signal_connect_swapped (account, "notify::connection-state", G_CALLBACK (set_flag),
                                &state_changed);
      model_wait_for (&state_changed);
      g_signal_handlers_disconnect_by_func (account, set_flag, &state_changed);
    }
  g_assert_cmpint (koi_account_get_connection_state (account), ==,
                   koi_engine_get_connection_state (koi_account_get_engine (account)));
  g_assert_cmpint (koi_account_get_connection_state (account), !=, KOI_CONNECTION_OFFLINE);

  koi_session_shutdown (session);
  g_assert_null (koi_account_get_engine (account));
  g_assert_cmpint (koi_account_get_connection_state (account), ==, KOI_CONNECTION_OFFLINE);

  koi_secret_clear_sync ("me@koi.test", "127.0.0.1:1993", NULL, NULL);
  g_clear_object (&account);
  model_drain (koi_session_get_reader (session));
  g_assert_finalize_object (g_steal_pointer (&session));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *secret_dir = NULL;
  g_autofree char *secret_file = NULL;
  int ret;

  /* libsecret's file backend in a private folder: no keyring or D-Bus
   * needed, nothing of the user's touched. */
  secret_dir = g_dir_make_tmp ("koi-model-secret-XXXXXX", NULL);
  secret_file = g_build_filename (secret_dir, "keyring", NULL);
  g_setenv ("SECRET_BACKEND", "file", TRUE);
  g_setenv ("SECRET_FILE_TEST_PATH", secret_file, TRUE);
  g_setenv ("SECRET_FILE_TEST_PASSWORD", "koi-test", TRUE);

  g_test_init (&argc, &argv, NULL);
  koi_model_init ();

  g_test_add_func ("/model/message/update-notifies-changes-only",
                   test_message_update_notifies_changes_only);
  g_test_add_func ("/model/chat/initials-and-colour", test_chat_initials_and_colour);
  g_test_add_func ("/model/contact/display-name", test_contact);
  g_test_add ("/model/account/without-engine", ModelFixture, NULL,
              model_fixture_set_up, test_account_without_engine, model_fixture_tear_down);
  g_test_add_func ("/model/session/empty-profile", test_session_empty_profile);
  g_test_add ("/model/session/account-without-password", ModelFixture, NULL,
              model_fixture_set_up, test_session_account_without_password, model_fixture_tear_down);
  g_test_add ("/model/session/starts-engine", ModelFixture, NULL,
              model_fixture_set_up, test_session_starts_engine, model_fixture_tear_down);

  ret = g_test_run ();

  g_unlink (secret_file);
  g_rmdir (secret_dir);
  return ret;
}
