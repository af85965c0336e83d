/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-coi-classify"

#include "config.h"

#include <string.h>

#include "koi-coi-gmime.h"
#include "koi-coi-parser.h"
#include "koi-coi-private.h"
#include "koi-coi-setup.h"

/* What a mail does, from its headers alone. Everything here reads only the
 * fields in KOI_COI_CLASSIFY_HEADER_FIELDS, so the engine's header pass
 * (which fetches just those) and the full parse agree. */

/* Ids ---------------------------------------------------------------------- */

/**
 * koi_coi_is_chat_id:
 * @message_id: (nullable): a Message-ID without <>
 *
 * Whether @message_id was made by a COI client: "chat$..." (COI draft
 * since Aug 2019) or "coi$..." (the seed and earlier drafts).
 *
 * Returns: %TRUE for a COI chat id
 */
gboolean
koi_coi_is_chat_id (const char *message_id)
{
  if (message_id == NULL)
    return FALSE;

  return g_ascii_strncasecmp (message_id, "chat$", 5) == 0 ||
         g_ascii_strncasecmp (message_id, "coi$", 4) == 0;
}

/* The rule for a mail's own Message-ID: no white space or control
 * characters. */
gboolean
koi_coi_id_is_usable (const char *id)
{
  if (id == NULL || *id == '\0')
    return FALSE;

  for (const char *p = id; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || *p == 0x7f)
      return FALSE;

  return TRUE;
}

/* An id another mail points at: the same rule, an '@' as every real
 * Message-ID has, no brackets left over and no longer than a mail line, so a hostile reference can neither
 * smuggle a second id nor grow without bound. */
gboolean
koi_coi_target_is_usable (const char *id)
{
  return koi_coi_id_is_usable (id) &&
         strlen (id) <= KOI_COI_MAX_ID_LEN &&
         strchr (id, '@') != NULL &&
         strpbrk (id, "<>") == NULL &&
         g_utf8_validate (id, -1, NULL);
}

void
koi_coi_add_target (GPtrArray  *targets,
                    const char *id)
{
  if (!koi_coi_target_is_usable (id) || targets->len >= KOI_COI_MAX_TARGETS)
    return;

  for (guint i = 0; i < targets->len; i++)
    if (strcmp (g_ptr_array_index (targets, i), id) == 0)
      return;

  g_ptr_array_add (targets, g_strdup (id));
}

/* Every id in a header value: "<a@x> <b@y>" as RFC 5322 writes them, or
 * bare "a@x b@y" as Delta Chat's Chat-Edit/Chat-Delete may. In the
 * bracketed form only what is inside brackets counts, so "<a b@x>" is one
 * bad id, not two. */
void
koi_coi_add_ids (GPtrArray  *targets,
                 const char *value)
{
  if (value == NULL)
    return;

  if (strchr (value, '<') != NULL)
    {
      const char *p = value;

      while (targets->len < KOI_COI_MAX_TARGETS && (p = strchr (p, '<')) != NULL)
        {
          const char *close = strchr (p + 1, '>');
          g_autofree char *id = NULL;

          if (close == NULL)
            break;
          id = g_strndup (p + 1, close - p - 1);
          koi_coi_add_target (targets, id);
          p = close + 1;
        }
    }
  else
    {
      g_auto(GStrv) words = g_strsplit_set (value, " \t\r\n,", -1);

      for (guint i = 0; words[i] != NULL && targets->len < KOI_COI_MAX_TARGETS; i++)
        if (*words[i] != '\0')
          koi_coi_add_target (targets, words[i]);
    }
}

char *
koi_coi_first_id_of (const char *value)
{
  g_autoptr(GMimeReferences) refs = NULL;

  if (value == NULL)
    return NULL;

  refs = g_mime_references_parse (NULL, value);
  if (refs != NULL && g_mime_references_length (refs) > 0)
    {
      const char *id = g_mime_references_get_message_id (refs, 0);

      return koi_coi_id_is_usable (id) && strlen (id) <= KOI_COI_MAX_ID_LEN ? g_strdup (id) : NULL;
    }

  /* Not in <...> form at all: take the first word as it is. */
  {
    g_auto(GStrv) words = g_strsplit_set (value, " \t\r\n<>", -1);

    for (guint i = 0; words[i] != NULL; i++)
      if (*words[i] != '\0' && strchr (words[i], '@') != NULL)
        return koi_coi_id_is_usable (words[i]) && strlen (words[i]) <= KOI_COI_MAX_ID_LEN
          ? g_strdup (words[i]) : NULL;
  }

  return NULL;
}

GPtrArray *
koi_coi_references_of (GMimeMessage *message)
{
  const char *value = g_mime_object_get_header (GMIME_OBJECT (message), "References");
  g_autoptr(GMimeReferences) refs = value != NULL ? g_mime_references_parse (NULL, value) : NULL;
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  for (int i = 0; refs != NULL && i < g_mime_references_length (refs); i++)
    {
      const char *id = g_mime_references_get_message_id (refs, i);

      /* A thread id longer than a mail line, or with controls in it, is
       * no real Message-ID and would break every reply that carries it
       * (found by fuzz-coi-parse); a hostile list is cut short. */
      if (koi_coi_id_is_usable (id) && strlen (id) <= KOI_COI_MAX_ID_LEN &&
          ids->len < KOI_COI_MAX_TARGETS)
        g_ptr_array_add (ids, g_strdup (id));
    }

  return ids;
}

/* Headers ------------------------------------------------------------------- */

/* gmime keeps Content-* fields on the message's MIME part, the others on
 * the message: look in both. */
const char *
koi_coi_top_header (GMimeMessage *message,
                    const char   *name)
{
  GMimeObject *body = g_mime_message_get_mime_part (message);
  const char *value = g_mime_object_get_header (GMIME_OBJECT (message), name);

  if (value == NULL && body != NULL)
    value = g_mime_object_get_header (body, name);

  return value;
}

/* A field's first token, lower-cased: "edit;" and " Edit " are "edit". */
char *
koi_coi_header_token (GMimeObject *object,
                      const char  *name)
{
  const char *value = g_mime_object_get_header (object, name);
  g_autofree char *lower = NULL;
  char *end;

  if (value == NULL)
    return NULL;

  lower = g_ascii_strdown (value, -1);
  end = strpbrk (lower, ";,");
  if (end != NULL)
    *end = '\0';

  return g_strdup (g_strstrip (lower));
}

static gboolean
token_is (const char        *token,
          const char * const names[])
{
  if (token == NULL)
    return FALSE;

  for (guint i = 0; names[i] != NULL; i++)
    if (strcmp (token, names[i]) == 0)
      return TRUE;

  return FALSE;
}

static const char * const edit_names[] = { "edit", "editrequest", "ammend", "amend", NULL };
static const char * const delete_names[] = { "delete", "deleterequest", "collapse", NULL };
static const char * const contact_names[] = { "contact", "profile", NULL };

/* The message an edit replaces: Delta Chat names it in Chat-Edit, COI in
 * In-Reply-To. */
char *
koi_coi_edit_target (GMimeMessage *message)
{
  GMimeObject *object = GMIME_OBJECT (message);
  g_autofree char *chat_content = koi_coi_header_token (object, "Chat-Content");
  g_autofree char *id = NULL;

  if (g_mime_object_get_header (object, "Chat-Edit") != NULL)
    id = koi_coi_first_id_of (g_mime_object_get_header (object, "Chat-Edit"));
  else if (token_is (chat_content, edit_names))
    id = koi_coi_first_id_of (g_mime_object_get_header (object, "In-Reply-To"));

  return koi_coi_target_is_usable (id) ? g_steal_pointer (&id) : NULL;
}

/* What a delete request removes: every id in Delta Chat's Chat-Delete
 * (it may name several), or COI's In-Reply-To. */
GPtrArray *
koi_coi_delete_targets (GMimeMessage *message)
{
  GMimeObject *object = GMIME_OBJECT (message);
  g_autofree char *chat_content = koi_coi_header_token (object, "Chat-Content");
  GPtrArray *targets = g_ptr_array_new_with_free_func (g_free);

  if (g_mime_object_get_header (object, "Chat-Delete") != NULL)
    koi_coi_add_ids (targets, g_mime_object_get_header (object, "Chat-Delete"));
  else if (token_is (chat_content, delete_names))
    {
      g_autofree char *id = koi_coi_first_id_of (g_mime_object_get_header (object, "In-Reply-To"));

      koi_coi_add_target (targets, id);
    }

  return targets;
}

static gboolean
is_group_id (const char *id)
{
  gsize len = 0;

  if (id == NULL)
    return FALSE;

  for (const char *p = id; *p != '\0'; p++, len++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;

  /* Delta Chat: 11 to 32 characters; COI: at least 12. */
  return len >= 11 && len <= 64;
}

/* "chat$group.GROUPID.UNIQUE@domain" (COI) or "Gr.GROUPID.UNIQUE@domain"
 * (Delta Chat). */
static char *
group_id_in_message_id (const char *id)
{
  const char *start = NULL;
  const char *end;
  g_autofree char *group_id = NULL;

  if (id == NULL)
    return NULL;

  if (g_ascii_strncasecmp (id, "chat$group.", 11) == 0)
    start = id + 11;
  else if (strncmp (id, "Gr.", 3) == 0)
    start = id + 3;
  if (start == NULL)
    return NULL;

  end = strpbrk (start, ".@");
  if (end == NULL || *end != '.')
    return NULL;

  group_id = g_strndup (start, end - start);
  return is_group_id (group_id) ? g_steal_pointer (&group_id) : NULL;
}

/* The group a mail belongs to: Chat-Group-ID, the group form of its own
 * Message-ID, or, for a reply from an email program, of the thread's first
 * reference or the id it replies to (COI draft and Delta Chat agree on
 * that order). */
char *
koi_coi_group_id_of (GMimeMessage *message)
{
  GMimeObject *object = GMIME_OBJECT (message);
  g_autofree char *header = NULL;
  g_autofree char *in_reply_to = NULL;
  g_autoptr(GPtrArray) refs = NULL;
  char *found;

  header = g_strdup (g_mime_object_get_header (object, "Chat-Group-ID"));
  if (header != NULL && is_group_id (g_strstrip (header)))
    return g_steal_pointer (&header);

  found = group_id_in_message_id (g_mime_message_get_message_id (message));
  if (found != NULL)
    return found;

  refs = koi_coi_references_of (message);
  if (refs->len > 0 && (found = group_id_in_message_id (g_ptr_array_index (refs, 0))) != NULL)
    return found;

  in_reply_to = koi_coi_first_id_of (g_mime_object_get_header (object, "In-Reply-To"));
  return group_id_in_message_id (in_reply_to);
}

/* Walking the MIME tree -------------------------------------------------------- */

typedef struct
{
  KoiCoiPartFunc func;
  gpointer       user_data;
  guint          visited;
} Walk;

static gboolean
walk (GMimeObject *object,
      guint        depth,
      Walk        *state)
{
  if (object == NULL || state->visited >= KOI_COI_MAX_PARTS)
    return TRUE;
  state->visited++;

  if (state->func (object, state->user_data))
    return TRUE;

  if (GMIME_IS_MULTIPART (object) && depth < KOI_COI_MAX_DEPTH)
    {
      GMimeMultipart *multipart = GMIME_MULTIPART (object);
      int count = g_mime_multipart_get_count (multipart);

      for (int i = 0; i < count; i++)
        if (walk (g_mime_multipart_get_part (multipart, i), depth + 1, state))
          return TRUE;
    }

  return FALSE;
}

void
koi_coi_walk_parts (GMimeObject    *object,
                    KoiCoiPartFunc  func,
                    gpointer        user_data)
{
  Walk state = { func, user_data, 0 };

  walk (object, 0, &state);
}

/* Kinds and types ----------------------------------------------------------- */

/**
 * koi_coi_classify:
 * @message: a parsed mail
 *
 * Chat or email, by WIRE.md's rule: a chat message has Chat-Version, or its
 * own Message-ID or the first id of References starts with "chat$" or
 * "coi$". A reply from an email program that wrote In-Reply-To but no
 * References is matched by that id instead.
 *
 * Returns: the kind
 */
KoiCoiKind
koi_coi_classify (GMimeMessage *message)
{
  g_autoptr(GPtrArray) refs = NULL;

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), KOI_COI_KIND_EMAIL);

  if (g_mime_object_get_header (GMIME_OBJECT (message), "Chat-Version") != NULL)
    return KOI_COI_KIND_CHAT;

  if (koi_coi_is_chat_id (g_mime_message_get_message_id (message)))
    return KOI_COI_KIND_CHAT;

  refs = koi_coi_references_of (message);
  if (refs->len > 0)
    return koi_coi_is_chat_id (g_ptr_array_index (refs, 0)) ? KOI_COI_KIND_CHAT
                                                             : KOI_COI_KIND_EMAIL;

  {
    g_autofree char *in_reply_to =
      koi_coi_first_id_of (g_mime_object_get_header (GMIME_OBJECT (message), "In-Reply-To"));

    if (koi_coi_is_chat_id (in_reply_to))
      return KOI_COI_KIND_CHAT;
  }

  return KOI_COI_KIND_EMAIL;
}

gboolean
koi_coi_type_is_hidden (KoiCoiType type)
{
  switch (type)
    {
    case KOI_COI_TYPE_EDIT:
    case KOI_COI_TYPE_DELETE:
    case KOI_COI_TYPE_REACTION:
    case KOI_COI_TYPE_READ_RECEIPT:
    case KOI_COI_TYPE_CONTACT:
    case KOI_COI_TYPE_DELIVERY_FAILURE:
    case KOI_COI_TYPE_KEY_SETUP:
      return TRUE;
    case KOI_COI_TYPE_CHAT:
    case KOI_COI_TYPE_EMAIL:
    case KOI_COI_TYPE_GROUP_CHANGE:
    case KOI_COI_TYPE_AUTO_REPLY:
    case KOI_COI_TYPE_MAILING_LIST:
    default:
      return FALSE;
    }
}

gboolean
koi_coi_type_is_chat_mail (KoiCoiType type)
{
  switch (type)
    {
    case KOI_COI_TYPE_CHAT:
    case KOI_COI_TYPE_EDIT:
    case KOI_COI_TYPE_DELETE:
    case KOI_COI_TYPE_REACTION:
    case KOI_COI_TYPE_GROUP_CHANGE:
      return TRUE;
    case KOI_COI_TYPE_EMAIL:
    case KOI_COI_TYPE_READ_RECEIPT:
    case KOI_COI_TYPE_CONTACT:
    case KOI_COI_TYPE_DELIVERY_FAILURE:
    case KOI_COI_TYPE_AUTO_REPLY:
    case KOI_COI_TYPE_MAILING_LIST:
    case KOI_COI_TYPE_KEY_SETUP:
    default:
      return FALSE;
    }
}

const char *
koi_coi_type_to_string (KoiCoiType type)
{
  switch (type)
    {
    case KOI_COI_TYPE_CHAT: return "chat";
    case KOI_COI_TYPE_EMAIL: return "email";
    case KOI_COI_TYPE_EDIT: return "edit";
    case KOI_COI_TYPE_DELETE: return "delete";
    case KOI_COI_TYPE_REACTION: return "reaction";
    case KOI_COI_TYPE_READ_RECEIPT: return "read-receipt";
    case KOI_COI_TYPE_CONTACT: return "contact";
    case KOI_COI_TYPE_GROUP_CHANGE: return "group-change";
    case KOI_COI_TYPE_DELIVERY_FAILURE: return "delivery-failure";
    case KOI_COI_TYPE_AUTO_REPLY: return "auto-reply";
    case KOI_COI_TYPE_MAILING_LIST: return "mailing-list";
    case KOI_COI_TYPE_KEY_SETUP: return "key-setup";
    default: return "unknown";
    }
}

/* MAILER-DAEMON@ or postmaster@: who sends bounces that are no RFC 3464
 * report (qmail, old Exim, many hosted services). */
static gboolean
is_from_mailer_daemon (GMimeMessage *message)
{
  InternetAddressList *from = g_mime_message_get_from (message);

  for (int i = 0; from != NULL && i < internet_address_list_length (from); i++)
    {
      InternetAddress *address = internet_address_list_get_address (from, i);
      const char *addr;
      const char *at;

      if (!INTERNET_ADDRESS_IS_MAILBOX (address))
        continue;
      addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
      at = addr != NULL ? strchr (addr, '@') : NULL;
      if (at == NULL)
        continue;
      if ((at - addr == 13 && g_ascii_strncasecmp (addr, "mailer-daemon", 13) == 0) ||
          (at - addr == 10 && g_ascii_strncasecmp (addr, "postmaster", 10) == 0))
        return TRUE;
    }

  return FALSE;
}

/* RFC 3834 and the older vacation programs' own headers. */
static gboolean
is_auto_reply (GMimeObject *object)
{
  g_autofree char *auto_submitted = koi_coi_header_token (object, "Auto-Submitted");
  g_autofree char *x_autoreply = koi_coi_header_token (object, "X-Autoreply");
  g_autofree char *precedence = koi_coi_header_token (object, "Precedence");

  if (auto_submitted != NULL && *auto_submitted != '\0' && strcmp (auto_submitted, "no") != 0)
    return TRUE;
  if (x_autoreply != NULL && strcmp (x_autoreply, "no") != 0)
    return TRUE;
  if (g_mime_object_get_header (object, "X-Autorespond") != NULL)
    return TRUE;

  return g_strcmp0 (precedence, "auto_reply") == 0;
}

static gboolean
is_list_mail (GMimeObject *object)
{
  static const char * const bulk[] = { "list", "bulk", "junk", NULL };
  g_autofree char *precedence = koi_coi_header_token (object, "Precedence");

  return g_mime_object_get_header (object, "List-Id") != NULL ||
         g_mime_object_get_header (object, "List-Unsubscribe") != NULL ||
         token_is (precedence, bulk);
}

/**
 * koi_coi_classify_headers:
 * @message: a mail, whole or with only the KOI_COI_CLASSIFY_HEADER_FIELDS
 *
 * What @message does, decided in this order (the first match wins):
 *
 * 0. an Autocrypt Setup Message (`Autocrypt-Setup-Message: v1` on a
 *    multipart/mixed mail): key setup;
 * 1. a multipart/report: read receipt (disposition-notification) or
 *    delivery failure (delivery-status);
 * 2. a chat client's request: edit (Chat-Edit, or Chat-Content edit with a
 *    usable target), delete, reaction (Content-Disposition: reaction with
 *    In-Reply-To), contact card, group change;
 * 3. mail without Chat-Version from MAILER-DAEMON@ or postmaster@: a
 *    delivery failure;
 * 4. mail without Chat-Version: auto-reply (RFC 3834 and vacation
 *    headers), then mailing list (List-Id, List-Unsubscribe, Precedence
 *    list/bulk/junk). An auto-reply to a chat message is an auto-reply:
 *    a server's vacation notice is no chat message, and other programs
 *    expect it in INBOX. A chat client's mail stays chat even when it is
 *    marked automatic: Delta Chat bots send Auto-Submitted: auto-generated;
 * 5. otherwise chat or email, as koi_coi_classify().
 *
 * koi_coi_parse() starts from this answer and changes it only where the
 * body does not hold what the headers promise: an edit with no text is a
 * delete; a report, bounce or contact card in which nothing usable is
 * found is email. Both answers always agree on koi_coi_type_is_chat_mail(),
 * so a header pass may decide what to move.
 *
 * Returns: the type
 */
KoiCoiType
koi_coi_classify_headers (GMimeMessage *message)
{
  GMimeObject *object;
  GMimeObject *body;
  GMimeContentType *content_type = NULL;
  gboolean chat_client;
  g_autofree char *chat_content = NULL;
  g_autofree char *disposition = NULL;
  g_autofree char *edit_target = NULL;
  g_autoptr(GPtrArray) delete_targets = NULL;
  g_autofree char *in_reply_to = NULL;

  g_return_val_if_fail (GMIME_IS_MESSAGE (message), KOI_COI_TYPE_EMAIL);

  object = GMIME_OBJECT (message);
  body = g_mime_message_get_mime_part (message);
  if (body != NULL)
    content_type = g_mime_object_get_content_type (body);
  chat_client = g_mime_object_get_header (object, "Chat-Version") != NULL;
  chat_content = koi_coi_header_token (object, "Chat-Content");

  if (content_type != NULL && g_mime_content_type_is_type (content_type, "multipart", "mixed") &&
      koi_coi_is_setup_message (message))
    return KOI_COI_TYPE_KEY_SETUP;

  if (content_type != NULL && g_mime_content_type_is_type (content_type, "multipart", "report"))
    {
      const char *report_type = g_mime_content_type_get_parameter (content_type, "report-type");

      if (report_type != NULL && g_ascii_strcasecmp (report_type, "disposition-notification") == 0)
        return KOI_COI_TYPE_READ_RECEIPT;
      if (report_type != NULL && (g_ascii_strcasecmp (report_type, "delivery-status") == 0 ||
                                  g_ascii_strcasecmp (report_type, "global-delivery-status") == 0))
        return KOI_COI_TYPE_DELIVERY_FAILURE;
    }

  edit_target = koi_coi_edit_target (message);
  if (edit_target != NULL)
    return KOI_COI_TYPE_EDIT;

  delete_targets = koi_coi_delete_targets (message);
  if (delete_targets->len > 0)
    return KOI_COI_TYPE_DELETE;

  if (body != NULL)
    disposition = koi_coi_header_token (body, "Content-Disposition");
  in_reply_to = koi_coi_first_id_of (g_mime_object_get_header (object, "In-Reply-To"));
  if (g_strcmp0 (disposition, "reaction") == 0 && koi_coi_target_is_usable (in_reply_to))
    return KOI_COI_TYPE_REACTION;

  if (token_is (chat_content, contact_names))
    return KOI_COI_TYPE_CONTACT;
  if (chat_client && content_type != NULL &&
      g_mime_content_type_is_type (content_type, "multipart", "mixed"))
    {
      g_autofree char *subject = g_strdup (g_mime_message_get_subject (message));

      if (subject != NULL && g_ascii_strcasecmp (g_strstrip (subject), "Chat: Contact") == 0)
        return KOI_COI_TYPE_CONTACT;
    }

  if (g_strcmp0 (chat_content, "groupleft") == 0 ||
      g_mime_object_get_header (object, "Chat-Group-Member-Added") != NULL ||
      g_mime_object_get_header (object, "Chat-Group-Member-Removed") != NULL ||
      g_mime_object_get_header (object, "Chat-Group-Name-Changed") != NULL)
    return KOI_COI_TYPE_GROUP_CHANGE;

  if (!chat_client)
    {
      if (is_from_mailer_daemon (message))
        return KOI_COI_TYPE_DELIVERY_FAILURE;
      if (is_auto_reply (object))
        return KOI_COI_TYPE_AUTO_REPLY;
      if (is_list_mail (object))
        return KOI_COI_TYPE_MAILING_LIST;
    }

  return koi_coi_classify (message) == KOI_COI_KIND_CHAT ? KOI_COI_TYPE_CHAT : KOI_COI_TYPE_EMAIL;
}
