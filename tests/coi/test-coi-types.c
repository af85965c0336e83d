/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-coi-types"

#include "config.h"

#include <string.h>

#include "koi-coi.h"
#include "koi-coi-gmime.h"

/* One typed result per mail: every sample in tests/coi/eml/ is a mail a
 * real program writes (Delta Chat, the COI seed and draft, Postfix, qmail,
 * a vacation responder, a list server), and each test asserts what Koi
 * will do with it. */

static char *
eml_path (const char *name)
{
  return g_build_filename (g_getenv ("KOI_SOURCE_ROOT"), "tests", "coi", "eml", name, NULL);
}

static GBytes *
read_eml (const char *name)
{
  g_autofree char *path = eml_path (name);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);

  return g_bytes_new_take (data, len);
}

typedef struct
{
  const char *file;
  KoiCoiType  type;
  KoiCoiKind  kind;
  const char *targets;          /* space-separated, in order; NULL: none */
  const char *text;             /* NULL: not checked */
  const char *reaction;
  const char *failed;           /* space-separated */
  const char *failure_text;
  const char *group_id;
  const char *group_name;
  const char *member_added;
  const char *member_removed;
  gboolean    name_changed;
  const char *json_has;         /* substrings the card parts must hold */
  const char *vcard_has;
  const char *hcard_has;
} Sample;

static const Sample samples[] = {
  {
    .file = "deltachat-edit.eml", .type = KOI_COI_TYPE_EDIT, .kind = KOI_COI_KIND_CHAT,
    .targets = "Mr.Hk2mVr8Pq1w.Zx7pQ2mN4bV@example.org",
    /* Neither the quote of the old text nor the pencil nor the footer. */
    .text = "See you at the café at 4 tomorrow",
  },
  {
    .file = "coi-seed-edit.eml", .type = KOI_COI_TYPE_EDIT, .kind = KOI_COI_KIND_CHAT,
    .targets = "coi$52571BC.28788@sample.com",
    .text = "My dear friend, this is a message to you!",
  },
  {
    /* COI draft: an edit to nothing deletes ("editrequest;" as written). */
    .file = "coi-empty-edit.eml", .type = KOI_COI_TYPE_DELETE, .kind = KOI_COI_KIND_CHAT,
    .targets = "chat$2131232.AKJSD@sample.com",
  },
  {
    .file = "deltachat-delete.eml", .type = KOI_COI_TYPE_DELETE, .kind = KOI_COI_KIND_CHAT,
    .targets = "Mr.Hk2mVr8Pq1w.Zx7pQ2mN4bV@example.org Mr.Ab3cD4eF5gH.Ij6kL7mN8oP@example.org",
  },
  {
    .file = "reaction.eml", .type = KOI_COI_TYPE_REACTION, .kind = KOI_COI_KIND_CHAT,
    .targets = "Mr.Hk2mVr8Pq1w.Zx7pQ2mN4bV@example.org",
    .reaction = "👍 ❤️",
  },
  {
    .file = "mdn-deltachat.eml", .type = KOI_COI_TYPE_READ_RECEIPT, .kind = KOI_COI_KIND_CHAT,
    .targets = "chat$Zx7pQ2mN4bV6cX8zL0kJ1h@example.org Mr.Hk2mVr8Pq1w.Zx7pQ2mN4bV@example.org "
               "Gr.Tq8yUe3oP1aZ.Wx2cV4bN6mQ@example.org",
  },
  {
    /* A receipt whose only id is unusable acts on nothing: plain email. */
    .file = "mdn-broken.eml", .type = KOI_COI_TYPE_EMAIL, .kind = KOI_COI_KIND_EMAIL,
  },
  {
    .file = "seed-contact.eml", .type = KOI_COI_TYPE_CONTACT, .kind = KOI_COI_KIND_CHAT,
    .json_has = "\"status\":\"idling around...\"",
    .vcard_has = "FN:Jürgen Beispiel",
  },
  {
    .file = "coi-hcard-contact.eml", .type = KOI_COI_TYPE_CONTACT, .kind = KOI_COI_KIND_CHAT,
    .hcard_has = "<span class=\"u-email\">john.doe@example.com</span>",
  },
  {
    .file = "deltachat-member-added.eml", .type = KOI_COI_TYPE_GROUP_CHANGE, .kind = KOI_COI_KIND_CHAT,
    .group_id = "Tq8yUe3oP1aZ", .group_name = "Café Crew", .member_added = "dave@example.com",
  },
  {
    .file = "coi-group-left.eml", .type = KOI_COI_TYPE_GROUP_CHANGE, .kind = KOI_COI_KIND_CHAT,
    .group_id = "4321dcba1234", .member_removed = "bob@example.com",
  },
  {
    /* An ordinary group message: chat, with its group from the Message-ID. */
    .file = "coi-group-chat.eml", .type = KOI_COI_TYPE_CHAT, .kind = KOI_COI_KIND_CHAT,
    .group_id = "4321dcba1234", .text = "Hi gang, hope you're doing fine!",
  },
  {
    /* Made by the private Postfix (build-aux/koi-mailserver) for a chat
     * message to a domain it does not serve. */
    .file = "postfix-bounce.eml", .type = KOI_COI_TYPE_DELIVERY_FAILURE, .kind = KOI_COI_KIND_EMAIL,
    .targets = "chat$Kq3vW9xTz2LmPn7RsUe4Yb@koi.test",
    .failed = "bob@example.net",
    .failure_text = "koi-mailserver test server delivers no mail outside its own domains",
  },
  {
    .file = "dsn-headers-two.eml", .type = KOI_COI_TYPE_DELIVERY_FAILURE, .kind = KOI_COI_KIND_EMAIL,
    .targets = "chat$group.Tq8yUe3oP1aZ.Lunch01@example.org",
    .failed = "gone@example.com full@example.com",
    .failure_text = "gone@example.com: 550 5.1.1 The email account that you tried to reach does "
                    "not exist.\nfull@example.com: 552 5.2.2 Mailbox full",
  },
  {
    /* Only delayed: nothing failed yet, so nothing is marked. */
    .file = "dsn-delayed.eml", .type = KOI_COI_TYPE_EMAIL, .kind = KOI_COI_KIND_EMAIL,
  },
  {
    .file = "qmail-bounce.eml", .type = KOI_COI_TYPE_DELIVERY_FAILURE, .kind = KOI_COI_KIND_EMAIL,
    .targets = "chat$Qb7vT1nZk3xWp9LmRs2Ue5@example.org",
    .failed = "nobody@example.net",
    .failure_text = "Sorry, no mailbox here by that name. (#5.1.1)",
  },
  {
    /* A vacation notice answering a chat message is no chat message. */
    .file = "vacation-auto-reply.eml", .type = KOI_COI_TYPE_AUTO_REPLY, .kind = KOI_COI_KIND_CHAT,
  },
  {
    .file = "mailing-list.eml", .type = KOI_COI_TYPE_MAILING_LIST, .kind = KOI_COI_KIND_EMAIL,
  },
  {
    /* An email program's reply with only In-Reply-To to a chat id. */
    .file = "legacy-reply-in-reply-to.eml", .type = KOI_COI_TYPE_CHAT, .kind = KOI_COI_KIND_CHAT,
    .text = "Yes, at ten.",
  },
  { .file = "koi-chat.eml", .type = KOI_COI_TYPE_CHAT, .kind = KOI_COI_KIND_CHAT },
  { .file = "deltachat-plain.eml", .type = KOI_COI_TYPE_CHAT, .kind = KOI_COI_KIND_CHAT },
  { .file = "thunderbird-reply.eml", .type = KOI_COI_TYPE_EMAIL, .kind = KOI_COI_KIND_EMAIL },
};

static char *
joined (GPtrArray *array)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < array->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, g_ptr_array_index (array, i));
    }

  return out->len > 0 ? g_strdup (out->str) : NULL;
}

static void
assert_has (const char *haystack,
            const char *needle)
{
  if (needle == NULL)
    return;
  g_assert_nonnull (haystack);
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” not in “%s”", needle, haystack);
}

static void
test_sample (gconstpointer data)
{
  const Sample *s = data;
  g_autoptr(GBytes) raw = read_eml (s->file);
  g_autoptr(GError) error = NULL;
  g_autoptr(KoiCoiParsed) parsed = koi_coi_parse (raw, &error);
  g_autofree char *targets = NULL;
  g_autofree char *failed = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (koi_coi_type_to_string (parsed->type), ==, koi_coi_type_to_string (s->type));
  g_assert_cmpint (parsed->kind, ==, s->kind);

  targets = joined (parsed->target_ids);
  g_assert_cmpstr (targets, ==, s->targets);
  if (s->text != NULL)
    g_assert_cmpstr (parsed->text, ==, s->text);

  if (s->type == KOI_COI_TYPE_REACTION)
    g_assert_cmpstr (parsed->reaction, ==, s->reaction);
  else
    g_assert_null (parsed->reaction);

  failed = joined (parsed->failed_recipients);
  g_assert_cmpstr (failed, ==, s->failed);
  g_assert_cmpstr (parsed->failure_text, ==, s->failure_text);

  g_assert_cmpstr (parsed->group_id, ==, s->group_id);
  g_assert_cmpstr (parsed->group_name, ==, s->group_name);
  g_assert_cmpstr (parsed->group_member_added, ==, s->member_added);
  g_assert_cmpstr (parsed->group_member_removed, ==, s->member_removed);
  g_assert_cmpint (parsed->group_name_changed, ==, s->name_changed);

  if (s->json_has == NULL)
    g_assert_null (parsed->contact_json);
  assert_has (parsed->contact_json, s->json_has);
  if (s->vcard_has == NULL)
    g_assert_null (parsed->contact_vcard);
  assert_has (parsed->contact_vcard, s->vcard_has);
  if (s->hcard_has == NULL)
    g_assert_null (parsed->contact_hcard);
  assert_has (parsed->contact_hcard, s->hcard_has);

  /* Whatever acts on another message names it. */
  if (parsed->type == KOI_COI_TYPE_EDIT || parsed->type == KOI_COI_TYPE_DELETE ||
      parsed->type == KOI_COI_TYPE_REACTION || parsed->type == KOI_COI_TYPE_READ_RECEIPT ||
      parsed->type == KOI_COI_TYPE_DELIVERY_FAILURE)
    g_assert_cmpuint (parsed->target_ids->len, >, 0);
  for (guint i = 0; i < parsed->target_ids->len; i++)
    {
      const char *id = g_ptr_array_index (parsed->target_ids, i);

      g_assert_null (strpbrk (id, "<> \t\r\n"));
    }
}

/* The mail with only the fields the engine's header pass fetches
 * (BODY.PEEK[HEADER.FIELDS (KOI_COI_CLASSIFY_HEADER_FIELDS)]): the fields
 * in their order, folded lines kept, then the empty line IMAP sends. */
static GMimeMessage *
headers_only (GBytes *raw)
{
  g_auto(GStrv) wanted = g_strsplit (KOI_COI_CLASSIFY_HEADER_FIELDS, " ", -1);
  g_autofree char *text = g_strndup (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean keep = FALSE;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;

  g_autoptr(GString) unix_text = g_string_new (text);

  g_string_replace (unix_text, "\r\n", "\n", 0);
  lines = g_strsplit (unix_text->str, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *colon = strchr (line, ':');

      if (*line == '\0')
        break;
      if (line[0] == ' ' || line[0] == '\t')
        {
          if (keep)
            g_string_append_printf (out, "%s\r\n", line);
          continue;
        }
      keep = FALSE;
      if (colon == NULL)
        continue;
      for (guint k = 0; wanted[k] != NULL && !keep; k++)
        keep = strlen (wanted[k]) == (gsize) (colon - line) &&
               g_ascii_strncasecmp (line, wanted[k], colon - line) == 0;
      if (keep)
        g_string_append_printf (out, "%s\r\n", line);
    }
  g_string_append (out, "\r\n");

  stream = g_mime_stream_mem_new_with_buffer (out->str, out->len);
  parser = g_mime_parser_new_with_stream (stream);
  return g_mime_parser_construct_message (parser, NULL);
}

/* The refinements koi_coi_classify_headers() documents: the body may turn
 * an empty edit into a delete and an empty report or card into email. */
static gboolean
is_documented_refinement (KoiCoiType from_headers,
                          KoiCoiType from_body)
{
  if (from_headers == KOI_COI_TYPE_EDIT && from_body == KOI_COI_TYPE_DELETE)
    return TRUE;
  return from_body == KOI_COI_TYPE_EMAIL &&
         (from_headers == KOI_COI_TYPE_READ_RECEIPT ||
          from_headers == KOI_COI_TYPE_DELIVERY_FAILURE ||
          from_headers == KOI_COI_TYPE_CONTACT);
}

/* Expected refinements, named: a sample that differs without being listed
 * here fails. */
static const char * const refined[] = {
  "coi-empty-edit.eml", "mdn-broken.eml", "dsn-delayed.eml", NULL,
};

static void
test_headers_agree (void)
{
  g_autofree char *dir_path = eml_path ("");
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autoptr(GBytes) raw = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(KoiCoiParsed) parsed = NULL;
      g_autoptr(GMimeMessage) headers = NULL;
      KoiCoiType from_headers;

      if (!g_str_has_suffix (name, ".eml"))
        continue;
      raw = read_eml (name);
      parsed = koi_coi_parse (raw, &error);
      if (parsed == NULL)
        continue;   /* no mail at all (no-headers.eml) */

      headers = headers_only (raw);
      g_assert_nonnull (headers);
      from_headers = koi_coi_classify_headers (headers);
      g_test_message ("%s: headers say %s, the whole mail %s", name,
                      koi_coi_type_to_string (from_headers), koi_coi_type_to_string (parsed->type));

      if (g_strv_contains (refined, name))
        g_assert_true (is_documented_refinement (from_headers, parsed->type));
      else
        g_assert_cmpstr (koi_coi_type_to_string (from_headers), ==,
                         koi_coi_type_to_string (parsed->type));
      /* What may be moved out of INBOX is decided the same way. */
      g_assert_cmpint (koi_coi_type_is_chat_mail (from_headers), ==,
                       koi_coi_type_is_chat_mail (parsed->type));
      n++;
    }

  /* Every sample of the table, and the older ones. */
  g_assert_cmpuint (n, >=, G_N_ELEMENTS (samples));
}

static KoiCoiParsed *
parse_text (const char *text)
{
  g_autoptr(GBytes) raw = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;
  KoiCoiParsed *parsed = koi_coi_parse (raw, &error);

  g_assert_no_error (error);
  return parsed;
}

/* Precedence between the rules, and hostile references. */
static void
test_rules (void)
{
  const struct
  {
    const char *headers;
    const char *body;
    KoiCoiType  type;
  } cases[] = {
    /* A chat client's automatic mail (a Delta Chat bot) stays chat. */
    { "Message-ID: <Mr.a@x.org>\nChat-Version: 1.0\nAuto-Submitted: auto-generated\n", "hi",
      KOI_COI_TYPE_CHAT },
    { "Message-ID: <a@x.org>\nAuto-Submitted: no\n", "hi", KOI_COI_TYPE_EMAIL },
    { "Message-ID: <a@x.org>\nX-Autoreply: yes\n", "away", KOI_COI_TYPE_AUTO_REPLY },
    { "Message-ID: <a@x.org>\nX-Autorespond: yes\n", "away", KOI_COI_TYPE_AUTO_REPLY },
    { "Message-ID: <a@x.org>\nPrecedence: auto_reply\n", "away", KOI_COI_TYPE_AUTO_REPLY },
    { "Message-ID: <a@x.org>\nPrecedence: bulk\n", "news", KOI_COI_TYPE_MAILING_LIST },
    /* A chat client on a list is still chat. */
    { "Message-ID: <a@x.org>\nChat-Version: 1.0\nList-Id: <l.x.org>\n", "hi", KOI_COI_TYPE_CHAT },
    /* An edit or delete without a usable target is an ordinary message. */
    { "Message-ID: <chat$a@x.org>\nChat-Version: 1.0\nChat-Content: edit\n", "new", KOI_COI_TYPE_CHAT },
    { "Message-ID: <chat$a@x.org>\nChat-Version: 1.0\nChat-Delete: <a b@x.org>\n", "x",
      KOI_COI_TYPE_CHAT },
    { "Message-ID: <chat$a@x.org>\nChat-Version: 1.0\nChat-Content: collapse\n"
      "In-Reply-To: <chat$b@x.org>\n", "gone", KOI_COI_TYPE_DELETE },
    { "Message-ID: <chat$a@x.org>\nChat-Version: 1.0\nChat-Content: ammend\n"
      "In-Reply-To: <chat$b@x.org>\n", "fixed", KOI_COI_TYPE_EDIT },
    /* A reaction needs the message it reacts to. */
    { "Message-ID: <a@x.org>\nContent-Disposition: reaction\n", "👍", KOI_COI_TYPE_EMAIL },
    /* A user who types "Contact" sends Subject "Chat: Contact" as plain text. */
    { "Message-ID: <chat$a@x.org>\nChat-Version: 1.0\nSubject: Chat: Contact\n", "Contact",
      KOI_COI_TYPE_CHAT },
    /* postmaster writing an ordinary mail that returns nothing. */
    { "Message-ID: <a@x.org>\nFrom: postmaster@x.org\n", "Maintenance tonight.", KOI_COI_TYPE_EMAIL },
    { "Message-ID: <Gr.abcdefghijkl.x@x.org>\nChat-Version: 1.0\n"
      "Chat-Group-Name-Changed: Old\nChat-Group-Name: New\n", "renamed", KOI_COI_TYPE_GROUP_CHANGE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strconcat (strstr (cases[i].headers, "From:") ? "" : "From: a@x.org\n",
                                           "To: b@y.org\n", cases[i].headers,
                                           "Content-Type: text/plain; charset=utf-8\n\n",
                                           cases[i].body, "\n", NULL);
      g_autoptr(KoiCoiParsed) parsed = parse_text (text);

      g_test_message ("case %u", i);
      g_assert_cmpstr (koi_coi_type_to_string (parsed->type), ==,
                       koi_coi_type_to_string (cases[i].type));
    }

  {
    g_autoptr(KoiCoiParsed) parsed = parse_text (
      "From: a@x.org\nMessage-ID: <Gr.abcdefghijkl.x@x.org>\nChat-Version: 1.0\n"
      "Chat-Group-Name-Changed: Old\nChat-Group-Name: =?utf-8?q?New=0A=E2=80=AEName?=\n\nrenamed\n");

    g_assert_true (parsed->group_name_changed);
    g_assert_cmpstr (parsed->group_id, ==, "abcdefghijkl");
    /* A line break or a bidi override never reaches the chat list. */
    g_assert_cmpstr (parsed->group_name, ==, "New Name");
  }
}

/* Ids from a stranger's report are checked and bounded. */
static void
test_hostile_receipt (void)
{
  g_autoptr(GString) text = g_string_new (
    "From: a@x.org\nMessage-ID: <r@x.org>\n"
    "Content-Type: multipart/report; report-type=disposition-notification; boundary=b\n\n"
    "--b\nContent-Type: message/disposition-notification\n\n"
    "Original-Message-ID: <first@x.org>\nAdditional-Message-IDs:");
  g_autoptr(KoiCoiParsed) parsed = NULL;

  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (text, " <id%u@x.org>", i % 2000);
  g_string_append (text, " <bad\x01id@x.org> <");
  for (guint i = 0; i < 2000; i++)
    g_string_append_c (text, 'z');
  g_string_append (text, "@x.org>\n\n--b--\n");

  parsed = parse_text (text->str);
  g_assert_cmpint (parsed->type, ==, KOI_COI_TYPE_READ_RECEIPT);
  g_assert_cmpstr (g_ptr_array_index (parsed->target_ids, 0), ==, "first@x.org");
  /* Duplicates once, at most 1000, no control characters, no 2 KB id. */
  g_assert_cmpuint (parsed->target_ids->len, ==, 1000);
  for (guint i = 0; i < parsed->target_ids->len; i++)
    g_assert_cmpuint (strlen (g_ptr_array_index (parsed->target_ids, i)), <, 100);
}

/* Damaged typed samples: never a crash, types always one of the enum. */
static void
test_mangled (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (9078);

  for (guint f = 0; f < G_N_ELEMENTS (samples); f++)
    {
      g_autoptr(GBytes) raw = read_eml (samples[f].file);
      gsize len = g_bytes_get_size (raw);

      for (guint round = 0; round < 40; round++)
        {
          guint8 *data = g_memdup2 (g_bytes_get_data (raw, NULL), len);
          gsize cut = round % 3 == 0 ? (gsize) g_rand_int_range (rand, 1, (gint32) len) : len;
          g_autoptr(GBytes) mangled = NULL;
          g_autoptr(GError) error = NULL;
          g_autoptr(KoiCoiParsed) parsed = NULL;

          for (guint k = 0; k < 1 + round % 6; k++)
            data[g_rand_int_range (rand, 0, (gint32) len)] = (guint8) g_rand_int_range (rand, 0, 256);
          mangled = g_bytes_new_take (data, cut);

          parsed = koi_coi_parse (mangled, &error);
          if (parsed == NULL)
            continue;
          g_assert_cmpint (parsed->type, <=, KOI_COI_TYPE_MAILING_LIST);
          for (guint i = 0; i < parsed->target_ids->len; i++)
            g_assert_true (g_utf8_validate (g_ptr_array_index (parsed->target_ids, i), -1, NULL));
          if (parsed->failure_text != NULL)
            g_assert_true (g_utf8_validate (parsed->failure_text, -1, NULL));
          if (parsed->reaction != NULL)
            g_assert_true (g_utf8_validate (parsed->reaction, -1, NULL));
        }
    }
}

static void
test_type_helpers (void)
{
  for (KoiCoiType t = KOI_COI_TYPE_CHAT; t <= KOI_COI_TYPE_MAILING_LIST; t++)
    {
      g_assert_cmpstr (koi_coi_type_to_string (t), !=, "unknown");
      /* Nothing hidden is moved unless it is a chat client's request. */
      if (t == KOI_COI_TYPE_READ_RECEIPT || t == KOI_COI_TYPE_DELIVERY_FAILURE)
        g_assert_false (koi_coi_type_is_chat_mail (t));
    }
  g_assert_false (koi_coi_type_is_hidden (KOI_COI_TYPE_GROUP_CHANGE));
  g_assert_true (koi_coi_type_is_hidden (KOI_COI_TYPE_DELIVERY_FAILURE));
  g_assert_false (koi_coi_type_is_chat_mail (KOI_COI_TYPE_AUTO_REPLY));
  g_assert_false (koi_coi_type_is_chat_mail (KOI_COI_TYPE_MAILING_LIST));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_mime_init ();

  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autofree char *path = g_strdup_printf ("/coi/types/sample/%s", samples[i].file);
      g_test_add_data_func (path, &samples[i], test_sample);
    }
  g_test_add_func ("/coi/types/headers-agree", test_headers_agree);
  g_test_add_func ("/coi/types/rules", test_rules);
  g_test_add_func ("/coi/types/hostile-receipt", test_hostile_receipt);
  g_test_add_func ("/coi/types/mangled", test_mangled);
  g_test_add_func ("/coi/types/helpers", test_type_helpers);

  return g_test_run ();
}
