/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-store.h"

G_BEGIN_DECLS

/* Attachments (schema 7): one row per part of a mail that is a file. The
 * bytes never live in SQLite: a finished attachment is a file in the
 * profile's attachment folder named by its content's SHA-256, so the same
 * file received or sent twice is stored once. */

/* On disk: never renumber. */
typedef enum
{
  KOI_STORE_ATTACHMENT_PENDING     = 0, /* known from the structure, not fetched */
  KOI_STORE_ATTACHMENT_DOWNLOADING = 1, /* asked for: the worker fetches it, also after a restart */
  KOI_STORE_ATTACHMENT_DONE        = 2, /* sha256 and local_path are set */
  KOI_STORE_ATTACHMENT_FAILED      = 3, /* error says why */
} KoiStoreAttachmentState;

/* What the sender says the file is (Delta Chat's view types). On disk:
 * never renumber. */
typedef enum
{
  KOI_STORE_ATTACHMENT_FILE    = 0,
  KOI_STORE_ATTACHMENT_IMAGE   = 1,
  KOI_STORE_ATTACHMENT_AUDIO   = 2,
  KOI_STORE_ATTACHMENT_VIDEO   = 3,
  KOI_STORE_ATTACHMENT_VOICE   = 4,
  KOI_STORE_ATTACHMENT_STICKER = 5,
  KOI_STORE_ATTACHMENT_GIF     = 6,
} KoiStoreAttachmentKind;

typedef struct {
  gint64   id;
  gint64   message_ref;
  char    *section;     /* IMAP body section ("2", "1.3") */
  char    *filename;    /* already made safe (koi_coi_attachment_safe_name) */
  char    *mime_type;   /* lower case, "type/subtype" */
  gint64   size;        /* decoded bytes when done, else the server's encoded size */
  char    *encoding;    /* Content-Transfer-Encoding, lower case; NULL = 7bit */
  int      kind;        /* KoiStoreAttachmentKind */
  int      state;       /* KoiStoreAttachmentState */
  char    *sha256;      /* hex, when done */
  char    *local_path;  /* relative to the attachment folder, when done */
  char    *error;       /* when failed */
  /* Filled by koi_store_attachment_get/list: the message's account, and
   * local_path made absolute (NULL until done). */
  gint64   account_id;
  char    *path;
} KoiStoreAttachment;

void                koi_store_attachment_free       (KoiStoreAttachment *attachment);

/* The profile's attachment folder: "attachments" beside the store file.
 * Files are named attachments/XX/SHA256 (local_path is "XX/SHA256"). */
char               *koi_store_get_attachment_dir    (KoiStore           *store);

/* Adds a row for @attachment->message_ref (id, account_id ignored). A row
 * for the same message and section is left as it is and its id returned,
 * so fetching a mail twice never doubles its files. Also sets the
 * message's has_attachments. Returns the id, 0 on error. */
gint64              koi_store_attachment_add        (KoiStore                 *store,
                                                     const KoiStoreAttachment *attachment,
                                                     GError                  **error);

KoiStoreAttachment *koi_store_attachment_get        (KoiStore     *store,
                                                     gint64        id,
                                                     GError      **error);

/* The message's attachments in section order (KoiStoreAttachment*, free
 * func set); empty when it has none. */
GPtrArray          *koi_store_attachment_list       (KoiStore     *store,
                                                     gint64        message_ref,
                                                     GError      **error);

/* Pending attachments of @account_id that download without being asked:
 * images (by MIME type) of at most @max_size bytes in accepted chats (a
 * stranger's contact request fetches nothing until the user lets it in). */
GPtrArray          *koi_store_attachment_list_auto  (KoiStore     *store,
                                                     gint64        account_id,
                                                     gint64        max_size,
                                                     GError      **error);

/* Attachments of @account_id the user asked for (state DOWNLOADING). */
GPtrArray          *koi_store_attachment_list_wanted (KoiStore    *store,
                                                     gint64        account_id,
                                                     GError      **error);

/* Moves the row to @state. DONE needs @sha256 and @local_path and records
 * @size; FAILED records @error_text; others clear both. */
gboolean            koi_store_attachment_set_state  (KoiStore     *store,
                                                     gint64        id,
                                                     int           state,
                                                     const char   *sha256,
                                                     const char   *local_path,
                                                     gint64        size,
                                                     const char   *error_text,
                                                     GError      **error);

/* Every download asked for goes back to pending (the user cancelled). */
gboolean            koi_store_attachment_reset_downloading (KoiStore  *store,
                                                     gint64        account_id,
                                                     GError      **error);

/* Removes the rows of @message_ref's files (a deleted message shows
 * none), except one an outgoing mail still streams from. Returns their
 * local paths (char*, maybe empty): the files no other row names
 * (koi_store_attachment_path_in_use) may then go. NULL on error. */
GPtrArray          *koi_store_attachment_drop_message (KoiStore   *store,
                                                     gint64      message_ref,
                                                     GError    **error);
/* Whether any row still names the content @sha256 (a file no row uses any
 * more may be removed). */
gboolean            koi_store_attachment_hash_in_use (KoiStore    *store,
                                                     const char   *sha256,
                                                     GError      **error);

/* An outgoing message with one file (koi_store_outbox_enqueue plus the
 * file): @head is the mail up to the file part's body, @tail the bytes
 * after it; @attachment (state DONE, in the attachment folder) is the
 * file streamed between them when sent. */
gint64              koi_store_outbox_enqueue_with_file (KoiStore                *store,
                                                     const KoiStoreMessage    *message,
                                                     GBytes                   *head,
                                                     GBytes                   *tail,
                                                     const KoiStoreAttachment *attachment,
                                                     const char * const       *recipients,
                                                     GError                  **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiStoreAttachment, koi_store_attachment_free)

/* The distinct local paths of @account_id's attachment files (of char*). */
GPtrArray          *koi_store_attachment_account_paths (KoiStore     *store,
                                                        gint64        account_id,
                                                        GError      **error);
/* Whether any row still names @local_path (TRUE on error: keep the file). */
gboolean            koi_store_attachment_path_in_use   (KoiStore     *store,
                                                        const char   *local_path,
                                                        GError      **error);

G_END_DECLS
