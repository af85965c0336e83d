/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-apply-group"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "apply-test-util.h"
#include "koi-apply.h"
#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-store.h"
#include "koi-store-group.h"

/*
 * Group mail in the apply step, seen by bob (tests/engine/group-mail):
 * alice founds "Trip" with bob and carol, carol writes, alice renames it
 * to "Trip 2027", adds dave, removes carol; carol writes again after her
 * removal (with the old name), dave writes, alice replies from an email
 * program to bob only, eve (never a member) writes with the group's id
 * and another name, and bob leaves from his other device.
 *
 * Every order of arrival must give the same chats, members, name, info
 * lines and marks, as two devices of bob that got the mail in different
 * orders would: that is what keeps a group from "splitting itself".
 */

#define OWN_ADDRESS "bob@example.org"
#define GROUP_ID "TripGroup0001abc"
#define MSG(x) "chat$group." GROUP_ID "." x "@example.org"

/* Chats, names, members (removed ones too) and every message with its
 * info line and mark, as text. */
static char *
describe_store (ApplyStore *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) chats = koi_store_chat_list (self->store, self->account_id, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < chats->len; i++)
    {
      const KoiStoreChat *chat = g_ptr_array_index (chats, i);
      g_autoptr (GPtrArray) page = koi_store_message_page (self->store, chat->id, 0, 1000, &error);
      g_autoptr (GPtrArray) members = koi_store_group_list_members (self->store, chat->id, TRUE, &error);

      g_assert_no_error (error);
      g_string_append_printf (out, "chat kind=%d name=%s peer=%s\n", chat->kind,
                              chat->name ? chat->name : "-",
                              chat->peer_address ? chat->peer_address : "-");
      for (guint j = 0; j < members->len; j++)
        {
          const KoiStoreGroupMember *member = g_ptr_array_index (members, j);

          g_string_append_printf (out, "  member %s%s\n", member->address,
                                  member->removed ? " (removed)" : "");
        }
      for (guint j = 0; j < page->len; j++)
        {
          const KoiStoreMessage *message = g_ptr_array_index (page, j);
          g_autofree char *arg = NULL;
          KoiStoreGroupInfo info;
          gboolean not_member;

          g_assert_true (koi_store_message_get_group_info (self->store, message->id, &info, &arg,
                                                           &not_member, &error));
          g_string_append_printf (out, "  <%s> info=%d:%s not_member=%d text=%s\n",
                                  message->message_id, info, arg ? arg : "-", not_member,
                                  message->text);
        }
    }
  return g_string_free (out, FALSE);
}

static gint64
the_group (ApplyStore *self)
{
  gint64 chat_id = koi_store_chat_find_by_group (self->store, self->account_id, GROUP_ID, NULL);

  g_assert_cmpint (chat_id, >, 0);
  return chat_id;
}

static char *
members_of (ApplyStore *self,
            gint64      chat_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) members = koi_store_chat_list_members (self->store, chat_id, &error);

  g_assert_no_error (error);
  g_ptr_array_add (members, NULL);
  return g_strjoinv (" ", (char **) members->pdata);
}

static void
assert_info (ApplyStore        *self,
             gint64             chat_id,
             const char        *message_id,
             KoiStoreGroupInfo  expected_info,
             const char        *expected_arg,
             gboolean           expected_not_member)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *arg = NULL;
  gint64 ref = koi_store_message_find (self->store, self->account_id, message_id, &error);
  g_autoptr (KoiStoreMessage) message = NULL;
  KoiStoreGroupInfo info;
  gboolean not_member;

  g_assert_no_error (error);
  g_assert_cmpint (ref, >, 0);
  message = koi_store_message_get (self->store, ref, &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->chat_id, ==, chat_id);
  g_assert_true (koi_store_message_get_group_info (self->store, ref, &info, &arg, &not_member, &error));
  g_assert_cmpint (info, ==, expected_info);
  g_assert_cmpstr (arg, ==, expected_arg);
  g_assert_cmpint (not_member, ==, expected_not_member);
}

/* What bob sees once every mail is in. */
static void
assert_user_view (ApplyStore *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) chats = koi_store_chat_list (self->store, self->account_id, &error);
  g_autoptr (KoiStoreChat) chat = NULL;
  g_autofree char *members = NULL;
  gint64 group = the_group (self);

  g_assert_no_error (error);
  /* One chat: the group. Nobody's mail split off into a 1:1 chat, not
   * even the reply from an email program or the stranger's. */
  g_assert_cmpuint (chats->len, ==, 1);
  g_assert_cmpuint (koi_store_message_count (self->store, group, NULL), ==, 10);

  chat = koi_store_chat_get (self->store, group, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chat->kind, ==, KOI_STORE_CHAT_GROUP);
  /* The rename, not carol's late mail with the old name or eve's. */
  g_assert_cmpstr (chat->name, ==, "Trip 2027");

  /* carol removed (her later mail did not bring her back), bob left, eve
   * never joined, dave added. */
  members = members_of (self, group);
  g_assert_cmpstr (members, ==, "alice@example.org dave@example.org");

  assert_info (self, group, MSG ("a1"), KOI_STORE_GROUP_INFO_CREATED, "Trip", FALSE);
  assert_info (self, group, MSG ("c1"), KOI_STORE_GROUP_INFO_NONE, NULL, FALSE);
  assert_info (self, group, MSG ("a2"), KOI_STORE_GROUP_INFO_RENAMED, "Trip 2027", FALSE);
  assert_info (self, group, MSG ("a3"), KOI_STORE_GROUP_INFO_ADDED, "dave@example.org", FALSE);
  assert_info (self, group, MSG ("a4"), KOI_STORE_GROUP_INFO_REMOVED, "carol@example.org", FALSE);
  assert_info (self, group, MSG ("c2"), KOI_STORE_GROUP_INFO_NONE, NULL, TRUE);
  assert_info (self, group, MSG ("d1"), KOI_STORE_GROUP_INFO_NONE, NULL, FALSE);
  assert_info (self, group, "20261130090700.1234@mail.example.org", KOI_STORE_GROUP_INFO_NONE, NULL, FALSE);
  assert_info (self, group, MSG ("e1"), KOI_STORE_GROUP_INFO_NONE, NULL, TRUE);
  assert_info (self, group, MSG ("b1"), KOI_STORE_GROUP_INFO_LEFT, "bob@example.org", FALSE);
}

static char *
apply_in_order (GPtrArray   *mails,
                const guint *order)
{
  ApplyStore store = { 0, };
  char *description;

  apply_store_open (&store, OWN_ADDRESS);
  for (guint i = 0; i < mails->len; i++)
    apply_one (&store, g_ptr_array_index (mails, order[i]));
  /* The same mail again (another folder, a re-fetch) changes nothing. */
  for (guint i = 0; i < mails->len; i++)
    apply_one (&store, g_ptr_array_index (mails, order[i]));

  assert_user_view (&store);
  description = describe_store (&store);
  apply_store_close (&store);
  return description;
}

static void
test_every_order_same_group (void)
{
  g_autoptr (GPtrArray) mails = apply_test_load_mails ("group-mail", NULL);
  g_autofree guint *order = g_new (guint, mails->len);
  g_autofree char *expected = NULL;
  GRand *rand = g_rand_new_with_seed (8);

  g_assert_cmpuint (mails->len, ==, 10);
  for (guint i = 0; i < mails->len; i++)
    order[i] = i;
  expected = apply_in_order (mails, order);
  g_test_message ("%s", expected);

  for (guint i = 0; i < mails->len; i++)
    order[i] = mails->len - 1 - i;
  {
    g_autofree char *reversed = apply_in_order (mails, order);

    g_assert_cmpstr (reversed, ==, expected);
  }

  for (guint round = 0; round < 24; round++)
    {
      g_autofree char *shuffled = NULL;

      for (guint i = 0; i < mails->len; i++)
        order[i] = i;
      for (guint i = mails->len - 1; i > 0; i--)
        {
          guint j = g_rand_int_range (rand, 0, (gint32) i + 1);
          guint t = order[i];

          order[i] = order[j];
          order[j] = t;
        }
      shuffled = apply_in_order (mails, order);
      g_assert_cmpstr (shuffled, ==, expected);
    }

  g_rand_free (rand);
}

/* A reply from an email program that drops carol is a reply: it lands in
 * the group, and carol stays a member. */
static void
test_plain_reply_keeps_members (void)
{
  g_autoptr (GPtrArray) mails = apply_test_load_mails ("group-mail", "01 02 08");
  ApplyStore store = { 0, };
  g_autofree char *members = NULL;
  gint64 group;

  g_assert_cmpuint (mails->len, ==, 3);
  apply_store_open (&store, OWN_ADDRESS);
  for (guint i = 0; i < mails->len; i++)
    apply_one (&store, g_ptr_array_index (mails, i));

  group = the_group (&store);
  g_assert_cmpuint (koi_store_message_count (store.store, group, NULL), ==, 3);
  members = members_of (&store, group);
  g_assert_cmpstr (members, ==, "alice@example.org bob@example.org carol@example.org");
  apply_store_close (&store);
}

/* A reply from an email program that arrives before any of the group's
 * own mail: the group's chat, titled by the reply's Subject until a group
 * client's name comes, in either order. */
static void
test_plain_reply_first (void)
{
  g_autoptr (GPtrArray) reply = apply_test_load_mails ("group-mail", "08");
  g_autoptr (GPtrArray) both = apply_test_load_mails ("group-mail", "01 08");

  /* The reply alone: titled by its Subject. */
  {
    ApplyStore store = { 0, };
    g_autoptr (KoiStoreChat) chat = NULL;

    apply_store_open (&store, OWN_ADDRESS);
    apply_one (&store, g_ptr_array_index (reply, 0));
    chat = koi_store_chat_get (store.store, the_group (&store), NULL);
    g_assert_cmpstr (chat->name, ==, "Trip 2027");
    apply_store_close (&store);
  }

  /* With the founding mail, before or after it: the founder's name. */
  for (guint round = 0; round < 2; round++)
    {
      ApplyStore store = { 0, };
      g_autoptr (KoiStoreChat) chat = NULL;

      apply_store_open (&store, OWN_ADDRESS);
      apply_one (&store, g_ptr_array_index (both, round == 0 ? 0 : 1));
      apply_one (&store, g_ptr_array_index (both, round == 0 ? 1 : 0));
      chat = koi_store_chat_get (store.store, the_group (&store), NULL);
      g_assert_cmpstr (chat->name, ==, "Trip");
      apply_store_close (&store);
    }
}

/* A group a Delta Chat client made: its Chat-Group-ID and name in
 * headers, an Mr. Message-ID, the sender not in To. */
static void
test_delta_chat_group (void)
{
  static const char mail[] =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.org, carol@example.org\r\n"
    "Date: Sun, 29 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <Mr.kF3tq9xV2aB.pQ7wZ1cY8mN@example.org>\r\n"
    "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
    "Chat-Version: 1.0\r\n"
    "Chat-Group-ID: Xy7Qk2LmN9pR\r\n"
    "Chat-Group-Name: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Hello from Delta Chat\r\n";
  g_autoptr (GBytes) bytes = g_bytes_new_static (mail, sizeof mail - 1);
  ApplyStore store = { 0, };
  g_autoptr (KoiStoreChat) chat = NULL;
  g_autofree char *members = NULL;
  gint64 group;

  apply_store_open (&store, OWN_ADDRESS);
  apply_one (&store, bytes);
  group = koi_store_chat_find_by_group (store.store, store.account_id, "Xy7Qk2LmN9pR", NULL);
  g_assert_cmpint (group, >, 0);
  chat = koi_store_chat_get (store.store, group, NULL);
  g_assert_cmpstr (chat->name, ==, "Grüße");
  /* The creator is a member though Delta Chat never lists the sender. */
  members = members_of (&store, group);
  g_assert_cmpstr (members, ==, "alice@example.org bob@example.org carol@example.org");
  apply_store_close (&store);
}

/* What Koi sends parses back to the same group, name and change. */
static void
test_built_group_mail_round_trip (void)
{
  const char *to[] = { "bob@example.org", "carol@example.org", NULL };
  KoiCoiGroupOutgoing out = { 0, };
  g_autoptr (GError) error = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (KoiCoiParsed) parsed = NULL;
  g_autofree char *group_id = koi_coi_generate_group_id ();

  out.base.from_address = "alice@example.org";
  out.base.to = to;
  out.base.text = "I renamed the group.";
  out.group_id = group_id;
  out.name = "Ausflug ins Grüne";
  out.old_name = "Trip";
  out.action = KOI_COI_GROUP_RENAMED;
  message = koi_coi_build_group_message (&out, &error);
  g_assert_no_error (error);
  raw = koi_coi_message_to_bytes (message);
  parsed = koi_coi_parse (raw, &error);
  g_assert_no_error (error);

  g_assert_true (g_str_has_prefix (parsed->message_id, "chat$group."));
  g_assert_cmpstr (parsed->group_id, ==, group_id);
  g_assert_true (parsed->group_id_explicit);
  g_assert_cmpstr (parsed->group_name, ==, "Ausflug ins Grüne");
  g_assert_cmpstr (parsed->subject, ==, "Ausflug ins Grüne");
  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_GROUP_CHANGE);
  g_assert_true (parsed->group_name_changed);
  g_assert_cmpuint (parsed->to->len, ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  g_test_add_func ("/apply-group/every-order-same-group", test_every_order_same_group);
  g_test_add_func ("/apply-group/plain-reply-keeps-members", test_plain_reply_keeps_members);
  g_test_add_func ("/apply-group/plain-reply-first", test_plain_reply_first);
  g_test_add_func ("/apply-group/delta-chat-group", test_delta_chat_group);
  g_test_add_func ("/apply-group/built-mail-round-trip", test_built_group_mail_round_trip);

  return g_test_run ();
}
