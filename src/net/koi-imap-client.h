/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-imap-command.h"
#include "koi-imap-parser.h"
#include "koi-net-error.h"
#include "koi-server-config.h"

G_BEGIN_DECLS

/* An IMAP connection. libcurl opens it (TCP, TLS or STARTTLS, login) in
 * CONNECT_ONLY mode; Koi then speaks IMAP itself over the authenticated
 * socket. Every call is synchronous and blocks the calling thread (the
 * engine's worker), never touches a GMainContext, and is cancellable. One
 * client must be used from one thread at a time.
 *
 * After a failure that leaves the line in an unknown state (DISCONNECTED,
 * TIMEOUT, PROTOCOL, cancellation) every further command fails with
 * KOI_IMAP_ERROR_DISCONNECTED until koi_imap_client_connect() is called
 * again. NO and BAD leave the connection usable. */
typedef struct _KoiImapClient KoiImapClient;

typedef enum
{
  KOI_IMAP_MAILBOX_NOSELECT       = 1 << 0,
  KOI_IMAP_MAILBOX_NOINFERIORS    = 1 << 1,
  KOI_IMAP_MAILBOX_HAS_CHILDREN   = 1 << 2,
  KOI_IMAP_MAILBOX_HAS_NO_CHILDREN = 1 << 3,
  KOI_IMAP_MAILBOX_MARKED         = 1 << 4,
  KOI_IMAP_MAILBOX_UNMARKED       = 1 << 5,
  KOI_IMAP_MAILBOX_NONEXISTENT    = 1 << 6,
  KOI_IMAP_MAILBOX_SUBSCRIBED     = 1 << 7,
  /* RFC 6154 special use */
  KOI_IMAP_MAILBOX_ALL            = 1 << 8,
  KOI_IMAP_MAILBOX_ARCHIVE        = 1 << 9,
  KOI_IMAP_MAILBOX_DRAFTS         = 1 << 10,
  KOI_IMAP_MAILBOX_FLAGGED        = 1 << 11,
  KOI_IMAP_MAILBOX_JUNK           = 1 << 12,
  KOI_IMAP_MAILBOX_SENT           = 1 << 13,
  KOI_IMAP_MAILBOX_TRASH          = 1 << 14,
} KoiImapMailboxFlags;

typedef struct
{
  char  *name;      /* decoded, UTF-8 */
  char   delimiter; /* '\0' when the server says NIL (flat namespace) */
  guint  flags;     /* KoiImapMailboxFlags */
} KoiImapMailbox;

void koi_imap_mailbox_free (KoiImapMailbox *mailbox);

typedef struct
{
  guint32  uidvalidity;
  guint32  uidnext;     /* 0 when the server did not say */
  guint32  exists;
  gboolean read_only;
  guint64  highest_modseq; /* CONDSTORE (enabled at connect when offered); 0 = not given */
} KoiImapMailboxStatus;

typedef enum
{
  KOI_IMAP_FLAG_SEEN     = 1 << 0,
  KOI_IMAP_FLAG_ANSWERED = 1 << 1,
  KOI_IMAP_FLAG_FLAGGED  = 1 << 2,
  KOI_IMAP_FLAG_DELETED  = 1 << 3,
  KOI_IMAP_FLAG_DRAFT    = 1 << 4,
  KOI_IMAP_FLAG_RECENT   = 1 << 5,
} KoiImapFlags;

typedef struct
{
  guint32   uid;
  guint32   seq;
  gboolean  has_flags; /* FLAGS was in the response */
  guint     flags;     /* KoiImapFlags */
  GStrv     keywords;  /* other flags ($MDNSent, $Chat, ...), NULL-terminated, never NULL */
  gsize     size;      /* RFC822.SIZE */
  gint64    internal_date_ms; /* INTERNALDATE (arrival), ms since the epoch; 0 if absent or unreadable */
  GBytes   *body;      /* BODY[] / BODY.PEEK[] / RFC822, or NULL */
  GBytes   *header;    /* BODY[HEADER] / BODY.PEEK[HEADER] / RFC822.HEADER, or NULL */
  const KoiImapValue *bodystructure; /* BODYSTRUCTURE (koi_imap_body_part_parse), or NULL */
  /* One numbered body section (BODY[2], BODY[1.MIME]), or NULL: its name
   * ("2") and its bytes, or for a literal spilled to disk
   * (koi_imap_client_set_spill) section_value, whose path the receiver
   * may steal (set to NULL) to keep the file. */
  const char   *section;
  GBytes       *section_bytes;
  KoiImapValue *section_value;
  /* With koi_imap_client_set_body_to_file: a BODY[] spilled to a file
   * comes here instead of in @body (path stealable as above). */
  KoiImapValue *body_value;
} KoiImapFetchItem;

/* "17-Jul-1996 02:44:25 -0700" (RFC 3501 date-time) in ms since the
 * epoch, or 0 if @text is not one. */
gint64 koi_imap_parse_internal_date (const char *text);

/* Called once per message as its FETCH response completes. The item and
 * its bytes belong to the client; g_bytes_ref() what you keep. Returning
 * FALSE (with error set) stops the fetch: the rest of the response is still
 * read so the connection stays usable, and the error is returned. */
typedef gboolean (*KoiImapFetchFunc) (const KoiImapFetchItem  *item,
                                      gpointer                 user_data,
                                      GError                 **error);

typedef struct
{
  gboolean server_changed; /* EXISTS, EXPUNGE, FETCH or RECENT arrived */
  gboolean other_changed;  /* NOTIFY: another mailbox changed (a STATUS came) */
  gboolean woken;          /* the wake cancellable fired */
  gboolean timed_out;      /* timeout_ms passed quietly */
  guint32  exists;         /* EXISTS of the selected mailbox after IDLE */
} KoiImapIdleResult;

/* Called for every untagged response a command receives (after the client
 * has taken what it tracks itself: EXISTS, EXPUNGE, CAPABILITY). Return
 * FALSE with error to fail the command once its tagged reply is read. */
typedef gboolean (*KoiImapUntaggedFunc) (KoiImapClient          *client,
                                         const KoiImapResponse  *response,
                                         gpointer                user_data,
                                         GError                **error);

KoiImapClient *koi_imap_client_new            (const KoiServerConfig *config);
void           koi_imap_client_free           (KoiImapClient   *self);

/* Literals above @threshold bytes (a fetched attachment) go to files in
 * @dir as they arrive, never into memory; NULL keeps everything in memory. */
void           koi_imap_client_set_spill      (KoiImapClient   *self,
                                               const char      *dir,
                                               guint64          threshold);
/* Whether a whole mail (BODY[]) spilled to a file stays there
 * (KoiImapFetchItem.body_value) instead of being read into @body: an
 * encrypted mail of 25 MB is decrypted from its file. Default FALSE. */
void           koi_imap_client_set_body_to_file (KoiImapClient *self,
                                                 gboolean       to_file);
/* Read timeout for every wait on the server (default 60000 ms). */
void           koi_imap_client_set_timeout    (KoiImapClient   *self,
                                               guint            timeout_ms);

gboolean       koi_imap_client_connect        (KoiImapClient   *self,
                                               GCancellable    *cancellable,
                                               GError         **error);
gboolean       koi_imap_client_is_connected   (KoiImapClient   *self);
gboolean       koi_imap_client_has_capability (KoiImapClient   *self,
                                               const char      *capability);

/* COMPRESS=DEFLATE (RFC 4978): connect turns it on where the server offers
 * it, unless KOI_IMAP_NO_COMPRESS=1 is set (for tests and benchmarks). */
gboolean       koi_imap_client_is_compressed  (KoiImapClient   *self);

/* Bytes of this connection since connect, after curl's login: what went
 * over the (TLS) line and what the parser and commands saw. The two are
 * equal without compression. */
typedef struct
{
  guint64 wire_in;
  guint64 plain_in;
  guint64 wire_out;
  guint64 plain_out;
} KoiImapTraffic;

void           koi_imap_client_get_traffic    (KoiImapClient   *self,
                                               KoiImapTraffic  *traffic);

/* GPtrArray of KoiImapMailbox, in the server's order. */
GPtrArray     *koi_imap_client_list           (KoiImapClient   *self,
                                               const char      *reference,
                                               const char      *pattern,
                                               GCancellable    *cancellable,
                                               GError         **error);
/* A mailbox that already exists is success. */
gboolean       koi_imap_client_create         (KoiImapClient   *self,
                                               const char      *mailbox,
                                               GCancellable    *cancellable,
                                               GError         **error);
gboolean       koi_imap_client_select         (KoiImapClient   *self,
                                               const char      *mailbox,
                                               gboolean         read_only,
                                               KoiImapMailboxStatus *out_status,
                                               GCancellable    *cancellable,
                                               GError         **error);
/* QRESYNC (RFC 7162): what the client knew of a mailbox when it last
 * looked, so SELECT can tell only what changed since. */
typedef struct
{
  guint32     uidvalidity;
  guint64     modseq;      /* the HIGHESTMODSEQ seen then */
  const char *known_uids;  /* "1:500,502" the client holds, or NULL for all */
} KoiImapQresync;

typedef struct
{
  guint32 first;
  guint32 last;
} KoiImapUidRange;

/* Whether ENABLE QRESYNC succeeded at connect (servers offering it). */
gboolean       koi_imap_client_has_qresync    (KoiImapClient   *self);
/* SELECT mailbox (QRESYNC (...)): the server answers with VANISHED
 * (EARLIER) for what was expunged since @qresync->modseq (taken with
 * koi_imap_client_take_vanished) and a FETCH (UID FLAGS MODSEQ) for every
 * message whose flags changed, given to @changed_func. If UIDVALIDITY
 * differs from @qresync's, the server sends neither: compare out_status.
 * KOI_IMAP_ERROR_UNSUPPORTED without QRESYNC. */
gboolean       koi_imap_client_select_qresync (KoiImapClient         *self,
                                               const char            *mailbox,
                                               const KoiImapQresync  *qresync,
                                               KoiImapFetchFunc       changed_func,
                                               gpointer               user_data,
                                               KoiImapMailboxStatus  *out_status,
                                               GCancellable          *cancellable,
                                               GError               **error);
/* The UIDs the server said VANISHED in the selected mailbox since it was
 * selected or this was last called (SELECT's EARLIER ones, and those of
 * IDLE, NOOP and other replies), as KoiImapUidRange; resets. */
GArray        *koi_imap_client_take_vanished  (KoiImapClient   *self);
/* GArray of guint32, ascending, no duplicates. */
GArray        *koi_imap_client_uid_search     (KoiImapClient   *self,
                                               const char      *criteria,
                                               GCancellable    *cancellable,
                                               GError         **error);
gboolean       koi_imap_client_uid_fetch      (KoiImapClient   *self,
                                               const char      *uid_set,
                                               const char      *items,
                                               KoiImapFetchFunc func,
                                               gpointer         user_data,
                                               GCancellable    *cancellable,
                                               GError         **error);
gboolean       koi_imap_client_append         (KoiImapClient   *self,
                                               const char      *mailbox,
                                               const char      *flags,
                                               GBytes          *message,
                                               guint32         *out_uid,
                                               GCancellable    *cancellable,
                                               GError         **error);
gboolean       koi_imap_client_uid_store      (KoiImapClient   *self,
                                               const char      *uid_set,
                                               const char      *action,
                                               GCancellable    *cancellable,
                                               GError         **error);
gboolean       koi_imap_client_uid_move       (KoiImapClient   *self,
                                               const char      *uid_set,
                                               const char      *destination,
                                               GCancellable    *cancellable,
                                               GError         **error);
/* Flags @uid_set \Deleted in the selected folder and expunges them. */
gboolean       koi_imap_client_uid_expunge    (KoiImapClient   *self,
                                               const char      *uid_set,
                                               GCancellable    *cancellable,
                                               GError         **error);
gboolean       koi_imap_client_noop           (KoiImapClient   *self,
                                               GCancellable    *cancellable,
                                               GError         **error);
/* If the server reported a change since the last IDLE or
 * koi_imap_client_take_changed() (e.g. an EXISTS on a NOOP reply), IDLE
 * returns at once with server_changed, so no notice is ever lost. */
gboolean       koi_imap_client_idle           (KoiImapClient   *self,
                                               guint            timeout_ms,
                                               GCancellable    *wake,
                                               KoiImapIdleResult *out_result,
                                               GCancellable    *cancellable,
                                               GError         **error);
gboolean       koi_imap_client_logout         (KoiImapClient   *self,
                                               GError         **error);

const char    *koi_imap_client_get_selected   (KoiImapClient   *self);
guint32        koi_imap_client_get_exists     (KoiImapClient   *self);
/* TRUE if EXISTS/EXPUNGE/unsolicited FETCH arrived since the last call; resets. */
gboolean       koi_imap_client_take_changed   (KoiImapClient   *self);
/* Whether NOTIFY reported a change in another mailbox since last asked. */
gboolean       koi_imap_client_take_other_changed (KoiImapClient *self);
/* NOTIFY SET (RFC 5465): the selected mailbox as usual, plus new and
 * expunged messages and flag changes in @mailboxes (NULL-terminated), which
 * then end an IDLE with other_changed. KOI_IMAP_ERROR_UNSUPPORTED without
 * the NOTIFY capability. */
gboolean       koi_imap_client_notify         (KoiImapClient       *self,
                                               const char * const  *mailboxes,
                                               GCancellable        *cancellable,
                                               GError             **error);

/* The primitive every call above is made of: sends the command under a new
 * tag (waiting for "+" before each literal unless LITERAL+ is offered),
 * hands untagged responses to func, and reads up to the tagged reply. A
 * tagged NO/BAD becomes KOI_IMAP_ERROR_NO/BAD with the server's text.
 * Whenever a tagged reply arrived (OK, NO or BAD) it is stored in
 * *out_tagged if given, so callers can read its response code. */
gboolean       koi_imap_client_run            (KoiImapClient   *self,
                                               KoiImapCommand  *command,
                                               KoiImapUntaggedFunc func,
                                               gpointer         user_data,
                                               KoiImapResponse **out_tagged,
                                               GCancellable    *cancellable,
                                               GError         **error);
/* Same for a command written as text without tag, e.g.
 * "GETMETADATA \"\" (/private/comment)". The caller quotes its arguments. */
gboolean       koi_imap_client_command_raw    (KoiImapClient   *self,
                                               const char      *command,
                                               KoiImapUntaggedFunc func,
                                               gpointer         user_data,
                                               KoiImapResponse **out_tagged,
                                               GCancellable    *cancellable,
                                               GError         **error);
/* Encodes a mailbox name for this server (modified UTF-7 or UTF-8). */
void           koi_imap_client_add_mailbox    (KoiImapClient   *self,
                                               KoiImapCommand  *command,
                                               const char      *mailbox);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiImapClient, koi_imap_client_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiImapMailbox, koi_imap_mailbox_free)

G_END_DECLS
