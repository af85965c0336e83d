/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "koi-fake-imap-server.h"

G_BEGIN_DECLS

/*
 * A scripted IMAP mailbox (INBOX, COI/Chats, COI/Contacts) for the
 * syncer's tests against koi-fake-imap-server.h: SELECT, UID SEARCH,
 * UID FETCH, UID MOVE with COPYUID, IDLE and the COI server's METADATA,
 * plus the hostile answers a real Dovecot cannot be made to give. Shared
 * by test-syncer-fake.c and test-syncer-decrypt.c.
 */

typedef struct
{
  guint32  uid;
  char    *raw;
} Mail;

typedef struct
{
  const char *name;
  guint32     uidvalidity;
  guint32     uidnext;
  GArray     *mails;   /* of Mail */
} Folder;

typedef enum
{
  HOSTILE_NONE,
  /* First connection: the body FETCH sends whole messages, then half of
   * the last one, then the line dies. */
  HOSTILE_DROP_MID_FETCH,
  /* MOVE answers with COPYUID_HUGE. */
  HOSTILE_HUGE_COPYUID,
} Hostile;

#define COPYUID_HUGE "1 1:4294967295 1:4294967295"

typedef struct
{
  GMutex   lock;        /* the test reads what the server thread changes */
  Folder   inbox;
  Folder   chats;
  Folder   contacts;
  Folder  *selected;    /* server thread only */
  char     idle_tag[32]; /* server thread only */
  Hostile  hostile;
  guint    n_body_fetches;
  guint    n_moves;
  /* A slow server: a pause before each whole mail of a body FETCH. */
  guint    fetch_pause_ms;
  /* A COI server (set before the client connects): the configuration it
   * keeps in METADATA, and what clients asked of it. */
  const char *coi_root;     /* NULL: the server has no mailbox-root entry */
  gboolean    coi_enabled;
  char       *coi_filter;
  guint       n_getmetadata;
  guint       n_setmetadata;
} FakeMailbox;

void         folder_add          (Folder          *folder,
                                  const char      *raw);
FakeMailbox *fake_mailbox_new    (Hostile          hostile);
void         fake_mailbox_free   (FakeMailbox     *self);
/* The KoiFakeImapScript; @user_data is the FakeMailbox. */
gboolean     fake_mailbox_script (KoiFakeImapConn *conn,
                                  const char      *tag,
                                  const char      *line,
                                  gpointer         user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeMailbox, fake_mailbox_free)

G_END_DECLS
