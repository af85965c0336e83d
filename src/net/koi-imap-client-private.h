/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-imap-client.h"
#include "koi-net-curl.h"
#include "koi-net-deflate.h"

G_BEGIN_DECLS

/* KoiImapClient's state, shared by the files that make it up, each with
 * one job:
 *   koi-imap-client.c             life cycle, the command primitive (run),
 *                                 what every reply updates (EXISTS, BYE, ...)
 *   koi-imap-client-io.c          the byte path: send, read, deflate, traffic
 *   koi-imap-client-connect.c     connect (curl's login, then ENABLEs), LOGOUT
 *   koi-imap-client-capability.c  CAPABILITY, KOI_IMAP_IGNORE, ENABLED
 *   koi-imap-client-compress.c    COMPRESS=DEFLATE switching
 *   koi-imap-client-qresync.c     CONDSTORE/QRESYNC: ENABLE, SELECT (QRESYNC),
 *                                 VANISHED
 *   koi-imap-client-mailbox.c     LIST, CREATE, SELECT/EXAMINE
 *   koi-imap-client-fetch.c       UID FETCH and its response reader
 *   koi-imap-client-messages.c    UID SEARCH, APPEND, STORE, MOVE, EXPUNGE
 *   koi-imap-client-idle.c        IDLE, NOTIFY, the changed marks
 * Nothing outside src/net/koi-imap-client*.c includes this header. */

#define KOI_IMAP_RECV_BUFFER_SIZE (64 * 1024)

struct _KoiImapClient
{
  KoiServerConfig *config;
  CURL            *curl;
  curl_socket_t    sock;
  gboolean         connected;
  KoiImapParser   *parser;
  guint            next_tag;
  GHashTable      *capabilities; /* upper-case names */
  gboolean         utf8_enabled;
  gboolean         qresync_enabled;
  GArray          *vanished;    /* KoiImapUidRange of the selected mailbox (QRESYNC) */
  char            *selected;
  guint32          exists;
  gboolean         changed;
  gboolean         other_changed;   /* NOTIFY: a STATUS for another mailbox came */
  char            *bye_text;
  guint            timeout_ms;
  char            *spill_dir;
  gboolean         body_to_file;
  guint64          spill_threshold;
  GString         *server_line; /* the last line curl read during login */
  KoiNetDeflate   *deflate;     /* COMPRESS=DEFLATE is on: every byte goes through it */
  KoiImapTraffic   traffic;
  char             errbuf[CURL_ERROR_SIZE];
  char             buffer[KOI_IMAP_RECV_BUFFER_SIZE];
};

typedef enum
{
  KOI_IMAP_READ_RESPONSE,
  KOI_IMAP_READ_WOKEN,
  KOI_IMAP_READ_TIMED_OUT,
  KOI_IMAP_READ_FAILED,
} KoiImapReadResult;

/* Where koi_imap_client_handle_fetch hands each message. */
typedef struct
{
  KoiImapFetchFunc func;
  gpointer         user_data;
} KoiImapFetchData;

/* koi-imap-client.c */
void              koi_imap_client_close              (KoiImapClient          *self);
gboolean          koi_imap_client_broken             (KoiImapClient          *self);
gboolean          koi_imap_client_ensure_connected   (KoiImapClient          *self,
                                                      GError                **error);
void              koi_imap_client_track_untagged     (KoiImapClient          *self,
                                                      const KoiImapResponse  *response);
gboolean          koi_imap_client_tagged_error       (KoiImapClient          *self,
                                                      KoiImapCommand         *command,
                                                      const KoiImapResponse  *tagged,
                                                      GError                **error);
gboolean          koi_imap_client_unexpected         (KoiImapClient          *self,
                                                      const KoiImapResponse  *response,
                                                      GError                **error);
gboolean          koi_imap_client_check_syntax_arg   (const char             *what,
                                                      const char             *value,
                                                      GError                **error);
gboolean          koi_imap_client_check_mailbox_arg  (const char             *mailbox,
                                                      GError                **error);
KoiImapCommand   *koi_imap_client_mailbox_command    (KoiImapClient          *self,
                                                      const char             *verb,
                                                      const char             *mailbox);

/* koi-imap-client-io.c */
gboolean          koi_imap_client_send_all           (KoiImapClient          *self,
                                                      const char             *data,
                                                      gsize                   len,
                                                      GCancellable           *cancellable,
                                                      GError                **error);
gboolean          koi_imap_client_send_string        (KoiImapClient          *self,
                                                      const char             *str,
                                                      GCancellable           *cancellable,
                                                      GError                **error);
KoiImapReadResult koi_imap_client_read               (KoiImapClient          *self,
                                                      gint64                  deadline,
                                                      gboolean                allow_timeout,
                                                      GCancellable           *cancellable,
                                                      GCancellable           *wake,
                                                      KoiImapResponse       **out_response,
                                                      GError                **error);
gint64            koi_imap_client_deadline           (KoiImapClient          *self);

/* koi-imap-client-capability.c */
void              koi_imap_client_set_capabilities   (KoiImapClient          *self,
                                                      GPtrArray              *values);
gboolean          koi_imap_client_note_enabled       (KoiImapClient          *client,
                                                      const KoiImapResponse  *response,
                                                      gpointer                user_data,
                                                      GError                **error);

/* koi-imap-client-compress.c */
gboolean          koi_imap_client_start_compression  (KoiImapClient          *self,
                                                      GCancellable           *cancellable,
                                                      GError                **error);

/* koi-imap-client-qresync.c */
gboolean          koi_imap_client_enable_qresync     (KoiImapClient          *self,
                                                      GCancellable           *cancellable,
                                                      GError                **error);
gboolean          koi_imap_client_add_qresync        (KoiImapCommand         *command,
                                                      const char             *mailbox,
                                                      const KoiImapQresync   *qresync,
                                                      GError                **error);
void              koi_imap_client_track_vanished     (KoiImapClient          *self,
                                                      const KoiImapResponse  *response);

/* koi-imap-client-mailbox.c */
gboolean          koi_imap_client_select_mailbox     (KoiImapClient          *self,
                                                      const char             *mailbox,
                                                      gboolean                read_only,
                                                      const KoiImapQresync   *qresync,
                                                      KoiImapFetchFunc        changed_func,
                                                      gpointer                user_data,
                                                      KoiImapMailboxStatus   *out_status,
                                                      GCancellable           *cancellable,
                                                      GError                **error);

/* koi-imap-client-fetch.c */
gboolean          koi_imap_client_handle_fetch       (KoiImapClient          *self,
                                                      const KoiImapResponse  *response,
                                                      gpointer                user_data,
                                                      GError                **error);

G_END_DECLS
