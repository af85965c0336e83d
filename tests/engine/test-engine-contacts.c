/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The address book follows the user: two (then three) devices of alice's
 * (koi-cli profiles on one account) and a real Dovecot + Postfix. A card
 * written on one device shows on the other live, edits go both ways, two
 * edits at once leave one version on the server, a block hides the
 * sender's mail on every device, and a new device gets every card.
 */
#include "config.h"

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "koi-contact-card.h"
#include "koi-imap-client.h"
#include "koi-test-cli.h"

/* Far below the 60 s poll and the 10 min full sync: only push makes it. */
#define LIVE_TIMEOUT_S 8

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

static int
run (KoiTestCli *cli,
     const char *profile,
     ...)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  g_ptr_array_add (args, (char *) "--profile");
  g_ptr_array_add (args, dir);
  va_start (ap, profile);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  while (args->len < 10)
    g_ptr_array_add (args, NULL);

  return koi_test_cli_run (cli, NULL, NULL, NULL,
                           g_ptr_array_index (args, 0), g_ptr_array_index (args, 1),
                           g_ptr_array_index (args, 2), g_ptr_array_index (args, 3),
                           g_ptr_array_index (args, 4), g_ptr_array_index (args, 5),
                           g_ptr_array_index (args, 6), g_ptr_array_index (args, 7),
                           g_ptr_array_index (args, 8), g_ptr_array_index (args, 9), NULL);
}

/* The contact as `contact show` prints it on @profile. */
static JsonObject *
show (KoiTestCli *cli,
      const char *profile,
      const char *address)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) lines = NULL;

  if (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", dir, "contact", "show", address, NULL) != 0)
    return NULL;
  lines = koi_test_cli_parse_lines (out);
  return lines->len == 1 ? json_object_ref (g_ptr_array_index (lines, 0)) : NULL;
}

/* Messages shown in the chat with @peer on @profile (none if no chat). */
static guint
shown_from (KoiTestCli *cli,
            const char *profile,
            const char *peer)
{
  g_autofree char *dir = koi_test_cli_profile (cli, profile);
  g_autofree char *out = NULL;
  g_autoptr (GPtrArray) lines = NULL;

  if (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", dir, "messages", peer, NULL) != 0)
    return 0;
  lines = koi_test_cli_parse_lines (out);
  return lines->len;
}

/* How many card versions the server holds. */
static guint
cards_on_server (KoiTestCli *cli)
{
  g_autoptr (KoiServerConfig) config = NULL;
  g_autoptr (KoiImapClient) imap = NULL;
  g_autoptr (GError) error = NULL;
  KoiImapMailboxStatus status = { 0, };

  config = koi_server_config_new (cli->server->host, cli->server->imaps_port, KOI_SECURITY_TLS,
                                  "alice@example.org", "alice-secret", cli->server->ca_file);
  imap = koi_imap_client_new (config);
  g_assert_true (koi_imap_client_connect (imap, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (koi_imap_client_select (imap, "COI/Contacts", TRUE, &status, NULL, &error));
  g_assert_no_error (error);
  koi_imap_client_logout (imap, NULL);
  return status.exists;
}

/* Waits for a "contact" event of @address whose @key is @value. */
static JsonObject *
wait_contact (KoiTestWatch *watch,
              guint        *from,
              const char   *address,
              const char   *key,
              const char   *value)
{
  gint64 deadline = g_get_monotonic_time () + LIVE_TIMEOUT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      JsonObject *event = koi_test_watch_wait (watch, from, "contact", "address", address, 1);

      if (event != NULL && g_strcmp0 (member (event, key), value) == 0)
        return event;
    }
  return NULL;
}

static void
test_cards_follow_the_user (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (KoiTestWatch) device_b = NULL;
  g_autoptr (KoiTestWatch) device_a = NULL;
  g_autoptr (JsonObject) on_a = NULL;
  g_autoptr (JsonObject) on_b = NULL;
  g_autoptr (JsonObject) on_c = NULL;
  g_autoptr (JsonObject) me_on_c = NULL;
  g_autofree char *dir_a = NULL;
  g_autofree char *dir_b = NULL;
  g_autoptr (GSubprocess) edit_a = NULL;
  g_autoptr (GSubprocess) edit_b = NULL;
  g_autoptr (GError) error = NULL;
  guint from_b = 0, from_a = 0;
  JsonObject *event;

  koi_test_cli_add_account (cli, "alice-a", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "alice-b", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");

  /* Created on A: shows on B, which is running, within seconds. */
  device_b = koi_test_watch_start (cli, "alice-b");
  g_assert_nonnull (koi_test_watch_wait (device_b, &from_b, "synced", NULL, NULL, 20));
  g_assert_cmpint (run (cli, "alice-a", "contact", "edit", "bob@example.org", "--name", "Bob Builder",
                        "--status", "at the site", NULL), ==, 0);
  event = wait_contact (device_b, &from_b, "bob@example.org", "name", "Bob Builder");
  g_assert_nonnull (event);
  g_assert_cmpstr (member (event, "status"), ==, "at the site");
  g_assert_cmpuint (cards_on_server (cli), ==, 1);
  koi_test_watch_stop (g_steal_pointer (&device_b));

  /* Edited on B: A follows, and the old version is gone from the server. */
  device_a = koi_test_watch_start (cli, "alice-a");
  g_assert_nonnull (koi_test_watch_wait (device_a, &from_a, "synced", NULL, NULL, 20));
  g_assert_cmpint (run (cli, "alice-b", "contact", "edit", "bob@example.org", "--name", "Robert",
                        NULL), ==, 0);
  event = wait_contact (device_a, &from_a, "bob@example.org", "name", "Robert");
  g_assert_nonnull (event);
  /* The status written on A survived B's edit of the name. */
  g_assert_cmpstr (member (event, "status"), ==, "at the site");
  g_assert_cmpuint (cards_on_server (cli), ==, 1);
  koi_test_watch_stop (g_steal_pointer (&device_a));

  /* Both edit at once: one version remains, the same on both devices. */
  dir_a = koi_test_cli_profile (cli, "alice-a");
  dir_b = koi_test_cli_profile (cli, "alice-b");
  {
    g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);

    g_subprocess_launcher_set_environ (launcher, cli->env);
    edit_a = g_subprocess_launcher_spawn (launcher, &error, cli->cli, "--profile", dir_a, "contact", "edit",
                                          "bob@example.org", "--name", "Bob from A", NULL);
    g_assert_no_error (error);
    edit_b = g_subprocess_launcher_spawn (launcher, &error, cli->cli, "--profile", dir_b, "contact", "edit",
                                          "bob@example.org", "--name", "Bob from B", NULL);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (edit_a, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (edit_b, NULL, &error));
    g_assert_no_error (error);
  }
  /* Each device's next sync sees the other's version and removes the loser. */
  g_assert_cmpint (run (cli, "alice-a", "sync", NULL), ==, 0);
  g_assert_cmpint (run (cli, "alice-b", "sync", NULL), ==, 0);
  g_assert_cmpint (run (cli, "alice-a", "sync", NULL), ==, 0);
  g_assert_cmpuint (cards_on_server (cli), ==, 1);
  on_a = show (cli, "alice-a", "bob@example.org");
  on_b = show (cli, "alice-b", "bob@example.org");
  g_assert_nonnull (on_a);
  g_assert_nonnull (on_b);
  g_assert_true (g_str_has_prefix (member (on_a, "name"), "Bob from "));
  g_assert_cmpstr (member (on_a, "name"), ==, member (on_b, "name"));

  /* Blocked on A, B knows; mail from Bob sent afterwards shows on neither. */
  device_b = koi_test_watch_start (cli, "alice-b");
  from_b = 0;
  g_assert_nonnull (koi_test_watch_wait (device_b, &from_b, "synced", NULL, NULL, 20));
  g_assert_cmpint (run (cli, "alice-a", "contact", "block", "bob@example.org", NULL), ==, 0);
  {
    gint64 deadline = g_get_monotonic_time () + LIVE_TIMEOUT_S * G_USEC_PER_SEC;
    gboolean blocked = FALSE;

    while (!blocked && g_get_monotonic_time () < deadline)
      {
        event = koi_test_watch_wait (device_b, &from_b, "contact", "address", "bob@example.org", 1);
        blocked = event != NULL && json_object_get_boolean_member (event, "blocked");
      }
    g_assert_true (blocked);
  }
  {
    g_autofree char *id = koi_test_cli_send (cli, "bob", "alice@example.org", "Can you hear me?");

    g_assert_nonnull (id);
    /* B's IDLE sees it arrive; give it the time a shown message takes. */
    g_assert_null (koi_test_watch_wait (device_b, &from_b, "message", "message_id", id, 4));
    g_assert_cmpint (run (cli, "alice-a", "sync", NULL), ==, 0);
    g_assert_cmpuint (shown_from (cli, "alice-a", "bob@example.org"), ==, 0);
    g_assert_cmpuint (shown_from (cli, "alice-b", "bob@example.org"), ==, 0);
  }
  koi_test_watch_stop (g_steal_pointer (&device_b));

  /* The own profile, then a new device: it gets every card at once. */
  g_assert_cmpint (run (cli, "alice-a", "profile", "set", "--name", "Alice A.", "--status", "writing tests",
                        NULL), ==, 0);
  koi_test_cli_add_account (cli, "alice-c", "alice@example.org", "alice-secret");
  g_assert_cmpint (run (cli, "alice-c", "sync", NULL), ==, 0);
  on_c = show (cli, "alice-c", "bob@example.org");
  g_assert_nonnull (on_c);
  g_assert_cmpstr (member (on_c, "name"), ==, member (on_a, "name"));
  g_assert_true (json_object_get_boolean_member (on_c, "blocked"));
  me_on_c = show (cli, "alice-c", "alice@example.org");
  g_assert_nonnull (me_on_c);
  g_assert_cmpstr (member (me_on_c, "name"), ==, "Alice A.");
  g_assert_cmpstr (member (me_on_c, "status"), ==, "writing tests");
  g_assert_true (json_object_get_boolean_member (me_on_c, "is_me"));
  g_assert_cmpuint (cards_on_server (cli), ==, 2);
}

/* koi-cli's "profile set --avatar FILE" on one device: the other device
 * gets the card with the picture, made a JPEG of at most 256 px. */
static void
test_avatar_to_another_device (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autoptr (GdkPixbuf) picture = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 900, 600);
  g_autoptr (GdkPixbuf) received = NULL;
  g_autoptr (GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr (JsonObject) me_on_b = NULL;
  g_autoptr (KoiContactCard) card = NULL;
  g_autoptr (GBytes) photo = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (cli->tmp, "me.png", NULL);
  g_autofree char *mime = NULL;
  g_autofree char *format_name = NULL;

  koi_test_cli_add_account (cli, "alice-a", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "alice-b", "alice@example.org", "alice-secret");
  g_assert_cmpint (run (cli, "alice-b", "sync", NULL), ==, 0);

  /* A wide picture with transparency, as screenshots and logos are. */
  gdk_pixbuf_fill (picture, 0x3070c0a0);
  g_assert_true (gdk_pixbuf_save (picture, path, "png", &error, NULL));
  g_assert_no_error (error);
  g_assert_cmpint (run (cli, "alice-a", "profile", "set", "--name", "Alice", "--avatar", path, NULL), ==, 0);

  g_assert_cmpint (run (cli, "alice-b", "sync", NULL), ==, 0);
  me_on_b = show (cli, "alice-b", "alice@example.org");
  g_assert_nonnull (me_on_b);
  g_assert_cmpstr (member (me_on_b, "name"), ==, "Alice");
  g_assert_true (json_object_get_boolean_member (me_on_b, "is_me"));
  g_assert_cmpint (json_object_get_int_member (me_on_b, "photo_bytes"), >, 0);

  /* The picture itself, from the card B stored: a JPEG, 256 px wide,
   * the aspect kept. */
  card = koi_contact_card_parse (NULL, member (me_on_b, "vcard"), NULL, NULL, &error);
  g_assert_no_error (error);
  photo = koi_contact_card_get_photo (card, &mime);
  g_assert_nonnull (photo);
  g_assert_cmpint (g_bytes_get_size (photo), ==, json_object_get_int_member (me_on_b, "photo_bytes"));
  g_assert_true (gdk_pixbuf_loader_write_bytes (loader, photo, &error));
  g_assert_true (gdk_pixbuf_loader_close (loader, &error));
  g_assert_no_error (error);
  format_name = gdk_pixbuf_format_get_name (gdk_pixbuf_loader_get_format (loader));
  g_assert_cmpstr (format_name, ==, "jpeg");
  received = g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
  g_assert_cmpint (gdk_pixbuf_get_width (received), ==, 256);
  g_assert_cmpint (gdk_pixbuf_get_height (received), ==, 171);
}

/* Mail that came while Bob was blocked shows after Unblock, on the
 * device that unblocks and on the other one, read (it asks for no
 * attention it did not get when it came). */
static void
test_unblock_shows_mail (void)
{
  g_autoptr (KoiTestCli) cli = koi_test_cli_new ();
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  koi_test_cli_add_account (cli, "alice-a", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "alice-b", "alice@example.org", "alice-secret");
  koi_test_cli_add_account (cli, "bob", "bob@example.org", "bob-secret");

  g_assert_cmpint (run (cli, "alice-a", "contact", "block", "bob@example.org", NULL), ==, 0);
  g_assert_cmpint (run (cli, "alice-b", "sync", NULL), ==, 0);
  first = koi_test_cli_send (cli, "bob", "alice@example.org", "Hello? Are you there?");
  second = koi_test_cli_send (cli, "bob", "alice@example.org", "Second try");
  g_assert_cmpint (run (cli, "alice-a", "sync", NULL), ==, 0);
  g_assert_cmpint (run (cli, "alice-b", "sync", NULL), ==, 0);
  g_assert_cmpuint (shown_from (cli, "alice-a", "bob@example.org"), ==, 0);
  g_assert_cmpuint (shown_from (cli, "alice-b", "bob@example.org"), ==, 0);

  g_assert_cmpint (run (cli, "alice-a", "contact", "unblock", "bob@example.org", NULL), ==, 0);
  g_assert_cmpuint (shown_from (cli, "alice-a", "bob@example.org"), ==, 2);
  g_assert_cmpint (run (cli, "alice-b", "sync", NULL), ==, 0);
  g_assert_cmpuint (shown_from (cli, "alice-b", "bob@example.org"), ==, 2);
  {
    g_autofree char *dir = koi_test_cli_profile (cli, "alice-b");
    g_autofree char *out = NULL;
    g_autoptr (GPtrArray) lines = NULL;

    g_assert_cmpint (koi_test_cli_run (cli, NULL, &out, NULL, "--profile", dir, "messages",
                                       "bob@example.org", NULL), ==, 0);
    lines = koi_test_cli_parse_lines (out);
    /* In the order they came, with their text. */
    g_assert_cmpstr (member (g_ptr_array_index (lines, 0), "text"), ==, "Hello? Are you there?");
    g_assert_cmpstr (member (g_ptr_array_index (lines, 1), "text"), ==, "Second try");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/contacts/follow-the-user", test_cards_follow_the_user);
  g_test_add_func ("/engine/contacts/avatar-to-another-device", test_avatar_to_another_device);
  g_test_add_func ("/engine/contacts/unblock-shows-mail", test_unblock_shows_mail);

  return g_test_run ();
}
