/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The padlock (issue 13): an encrypted message's bubble draws one beside
 * its time, a plain one does not, a failed signature draws a warning; a
 * screen reader hears "encrypted"; Message Info says it in words; the
 * chat header shows a padlock when the next message goes encrypted (every
 * member's key known), and it appears as soon as a key arrives.
 */
#define G_LOG_DOMAIN "test-ui-padlock"

#include "config.h"

#include <string.h>

#include "koi-chat.h"
#include "koi-chat-list.h"
#include "koi-compat.h"
#include "koi-conversation-view.h"
#include "koi-message-cell.h"
#include "koi-message-row.h"
#include "koi-model.h"
#include "koi-session.h"
#include "koi-store.h"
#include "koi-store-crypto.h"
#include "koi-test-ui.h"
#include "koi-window.h"

#define SEALED   "The key is under the third flower pot."
#define PLAIN    "See you at the station."
#define TAMPERED "Please send the money to this new account."

static char *profile;
static gint64 account_id;

static void
add_message (KoiStore   *store,
             gint64      chat_id,
             guint       i,
             const char *text,
             gboolean    encrypted,
             int         signature,
             gint64      when)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = g_strdup_printf ("chat$padlock-%u@example.org", i);
  KoiStoreMessage message = {
    .account_id = account_id, .chat_id = chat_id, .message_id = id,
    .direction = KOI_STORE_DIRECTION_INCOMING, .state = KOI_STORE_STATE_RECEIVED,
    .kind = KOI_STORE_KIND_CHAT, .from_address = (char *) "bob@example.org",
    .from_name = (char *) "Bob", .text = (char *) text,
    .sent_at_ms = when, .received_at_ms = when, .sort_ms = when, .seen = TRUE,
    .encrypted = encrypted, .signature = signature,
  };

  koi_store_message_insert (store, &message, NULL, &error);
  g_assert_no_error (error);
}

static void
add_key (KoiStore   *store,
         const char *address,
         const char *fingerprint)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) keydata = g_bytes_new_static ("not parsed here", 15);
  KoiStorePeerKey key = {
    .account_id = account_id, .address = (char *) address, .keydata = keydata,
    .fingerprint = (char *) fingerprint, .source = KOI_STORE_KEY_SOURCE_AUTOCRYPT,
    .key_time_ms = g_get_real_time () / 1000, .prefer_encrypt = TRUE,
  };

  g_assert_true (koi_store_peer_key_update (store, &key, NULL, &error));
  g_assert_no_error (error);
}

/* Bob's key is known and his chat has an encrypted, a plain and a
 * tampered message; Carol's key is not known yet. */
static void
make_profile (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KoiStore) store = NULL;
  g_autofree char *path = NULL;
  KoiStoreAccount account = {
    .address = (char *) "alice@example.org", .imap_host = (char *) "127.0.0.1",
    .imap_port = 1, .imap_security = (char *) "tls", .smtp_host = (char *) "127.0.0.1",
    .smtp_port = 1, .smtp_security = (char *) "tls",
  };
  gint64 bob, carol;
  gint64 start = g_get_real_time () / 1000 - 10 * 60 * 1000;

  profile = g_dir_make_tmp ("koi-ui-padlock-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (profile, "koi.db", NULL);
  store = koi_store_open (path, &error);
  g_assert_no_error (error);
  account_id = koi_store_account_upsert (store, &account, &error);
  g_assert_no_error (error);
  bob = koi_store_chat_ensure_1to1 (store, account_id, "bob@example.org", "Bob", &error);
  g_assert_no_error (error);
  carol = koi_store_chat_ensure_1to1 (store, account_id, "carol@example.org", "Carol", &error);
  g_assert_no_error (error);
  add_key (store, "BOB@example.org", "0123456789ABCDEF0123456789ABCDEF01234567");
  add_message (store, bob, 1, SEALED, TRUE, KOI_STORE_SIGNATURE_VALID, start);
  add_message (store, bob, 2, PLAIN, FALSE, KOI_STORE_SIGNATURE_NONE, start + 60 * 1000);
  add_message (store, bob, 3, TAMPERED, TRUE, KOI_STORE_SIGNATURE_BAD, start + 120 * 1000);
  add_message (store, carol, 4, "Hello from Carol", FALSE, KOI_STORE_SIGNATURE_NONE, start);
}

static guint
n_listed (KoiWindow *window)
{
  return g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (koi_window_get_chat_list_view (window))));
}

static KoiChat *
find_chat (KoiWindow  *window,
           const char *peer)
{
  GListModel *chats = G_LIST_MODEL (gtk_list_view_get_model (koi_window_get_chat_list_view (window)));

  for (guint i = 0; i < g_list_model_get_n_items (chats); i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (chats, i);

      if (g_strcmp0 (koi_chat_get_peer_address (chat), peer) == 0)
        return chat;   /* the list keeps it */
    }
  return NULL;
}

/* The row's metadata line image that is not the delivery state: the
 * padlock (or the warning) beside the time. */
static GtkWidget *
find_crypto_image (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_IMAGE (child) && gtk_widget_has_css_class (child, "koi-lock"))
        return child;
      found = find_crypto_image (child);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The header's padlock: the koi-lock image outside the conversation. */
static GtkWidget *
find_lock_outside (GtkWidget *root,
                   GtkWidget *skip)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (child == skip)
        continue;
      if (GTK_IS_IMAGE (child) && gtk_image_get_storage_type (GTK_IMAGE (child)) == GTK_IMAGE_ICON_NAME &&
          g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (child)), "koi-lock-symbolic") == 0)
        return child;
      found = find_lock_outside (child, skip);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_header_lock (KoiWindow *window)
{
  return find_lock_outside (GTK_WIDGET (window), GTK_WIDGET (koi_window_get_conversation_view (window)));
}

static gboolean
drawn (GtkWidget *widget)
{
  return widget != NULL && gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0 &&
         gtk_widget_get_height (widget) > 0;
}

static char *
cell_label (KoiMessageRow *row)
{
  GtkWidget *cell = gtk_widget_get_ancestor (GTK_WIDGET (row), KOI_TYPE_MESSAGE_CELL);

  g_assert_nonnull (cell);
  return koi_message_cell_dup_accessible_label (KOI_MESSAGE_CELL (cell));
}

static const char *
info_of (KoiWindow     *window,
         KoiMessageRow *row)
{
  gint64 id = koi_message_get_id (koi_message_row_get_item (row));
  static char *body;
  GtkWidget *info;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "conversation.info", "x", id));
  info = koi_compat_alert_find (GTK_WINDOW (window));
  g_assert_nonnull (info);
  g_free (body);
  body = g_strdup (koi_compat_alert_get_body (info));
  koi_compat_alert_respond (info, "close");
  KOI_TEST_UI_WAIT_FOR (koi_compat_alert_find (GTK_WINDOW (window)) == NULL, 5);
  return body;
}

static void
test_padlock (void)
{
  g_autoptr (KoiSession) session = NULL;
  KoiWindow *window;
  KoiMessageRow *sealed, *plain, *tampered;
  GtkWidget *lock, *header_lock;
  g_autofree char *label = NULL;
  g_autoptr (GdkTexture) shot = NULL;

  make_profile ();
  session = koi_session_new (profile);
  koi_session_load_async (session, NULL, NULL, NULL);
  window = koi_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 640);
  koi_window_set_session (window, session);
  gtk_window_present (GTK_WINDOW (window));
  KOI_TEST_UI_WAIT_FOR (g_strcmp0 (koi_window_get_page_name (window), "chats") == 0, 20);
  KOI_TEST_UI_WAIT_FOR (n_listed (window) == 2, 20);

  /* Bob's key is known: his chat is encrypted, the header says so. */
  g_assert_true (koi_chat_get_keys_known (find_chat (window, "bob@example.org")));
  g_assert_false (koi_chat_get_keys_known (find_chat (window, "carol@example.org")));
  koi_window_open_chat (window, find_chat (window, "bob@example.org"));
  KOI_TEST_UI_WAIT_FOR ((tampered = koi_test_ui_find_bubble (window, TAMPERED)) != NULL, 10);
  KOI_TEST_UI_WAIT_FOR (drawn (find_header_lock (window)), 5);

  /* The encrypted message: a padlock drawn beside its time. */
  sealed = koi_test_ui_find_bubble (window, SEALED);
  g_assert_nonnull (sealed);
  lock = find_crypto_image (GTK_WIDGET (sealed));
  g_assert_nonnull (lock);
  KOI_TEST_UI_WAIT_FOR (drawn (lock), 5);
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (lock)), ==, "koi-lock-symbolic");
  g_assert_false (gtk_widget_has_css_class (lock, "warning"));
  label = cell_label (sealed);
  g_assert_true (g_str_has_suffix (label, ", encrypted"));
  g_clear_pointer (&label, g_free);
  g_assert_true (g_str_has_prefix (info_of (window, sealed), "Encrypted (end-to-end)\n"));

  /* The plain one: none. */
  plain = koi_test_ui_find_bubble (window, PLAIN);
  g_assert_nonnull (plain);
  lock = find_crypto_image (GTK_WIDGET (plain));
  g_assert_nonnull (lock);
  g_assert_false (gtk_widget_get_visible (lock));
  g_assert_false (gtk_widget_get_mapped (lock));
  label = cell_label (plain);
  g_assert_null (strstr (label, "encrypted"));
  g_clear_pointer (&label, g_free);
  g_assert_true (g_str_has_prefix (info_of (window, plain), "Not encrypted\n"));

  /* A signature that failed: a warning, not a padlock, and words. */
  lock = find_crypto_image (GTK_WIDGET (tampered));
  g_assert_true (drawn (lock));
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (lock)), ==, "koi-signature-bad-symbolic");
  g_assert_true (gtk_widget_has_css_class (lock, "warning"));
  label = cell_label (tampered);
  g_assert_true (g_str_has_suffix (label, ", signature not valid"));
  g_clear_pointer (&label, g_free);
  g_assert_true (g_str_has_prefix (info_of (window, tampered), "Signature not valid\n"));

  shot = koi_test_ui_shoot (GTK_WIDGET (window), "padlock.png", 8);

  /* Carol's key is not known: no padlock in her chat's header ... */
  koi_window_open_chat (window, find_chat (window, "carol@example.org"));
  KOI_TEST_UI_WAIT_FOR (koi_test_ui_find_bubble (window, "Hello from Carol") != NULL, 10);
  header_lock = find_header_lock (window);
  g_assert_nonnull (header_lock);
  KOI_TEST_UI_WAIT_FOR (!gtk_widget_get_mapped (header_lock), 5);
  g_assert_false (gtk_widget_get_visible (header_lock));

  /* ... until it arrives (here written by a second connection, as the
   * engine's would, and announced as the engine's "contact-updated"). */
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *path = g_build_filename (profile, "koi.db", NULL);
    g_autoptr (KoiStore) store = koi_store_open (path, &error);

    g_assert_no_error (error);
    add_key (store, "carol@example.org", "89ABCDEF0123456789ABCDEF0123456789ABCDEF");
  }
  g_signal_emit_by_name (koi_window_get_account (window), "contact-updated", (gint64) 1);
  KOI_TEST_UI_WAIT_FOR (drawn (find_header_lock (window)), 10);

  gtk_window_destroy (GTK_WINDOW (window));
  koi_session_shutdown (session);
}

int
main (int   argc,
      char *argv[])
{
  koi_test_ui_init (&argc, &argv);

  g_test_add_func ("/ui/padlock/bubbles-and-header", test_padlock);

  return g_test_run ();
}
