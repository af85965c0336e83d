/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One IMAP command as it goes on the wire, minus the tag: text pieces with
 * literals between them. Strings are quoted and escaped here, and become
 * literals when quoting cannot carry them, so no caller ever builds IMAP
 * syntax by hand. */
typedef struct _KoiImapCommand KoiImapCommand;

KoiImapCommand *koi_imap_command_new          (const char     *verb);
void            koi_imap_command_free         (KoiImapCommand *command);
/* Appends " atom" verbatim (sequence sets, flag lists, criteria). */
void            koi_imap_command_add_atom     (KoiImapCommand *command,
                                               const char     *atom);
/* Appends " \"quoted\"", or a literal if the string holds CR, LF or 8-bit
 * bytes (utf8_ok: the server accepts UTF-8 in quoted strings). */
void            koi_imap_command_add_string   (KoiImapCommand *command,
                                               const char     *str,
                                               gboolean        utf8_ok);
/* Appends " {N}" CRLF <data>: a literal the client sends after "+" (or at
 * once with LITERAL+). */
void            koi_imap_command_add_literal  (KoiImapCommand *command,
                                               GBytes         *data);
/* For error messages: the verb and its first argument, never literal data. */
const char     *koi_imap_command_get_summary  (KoiImapCommand *command);
/* Replaces the summary, e.g. to show a mailbox name decoded. */
void            koi_imap_command_set_summary  (KoiImapCommand *command,
                                               const char     *summary);

/* Internal view used by the client to put the command on the wire. */
guint           koi_imap_command_get_n_parts  (KoiImapCommand *command);
const char     *koi_imap_command_get_text     (KoiImapCommand *command,
                                               guint           part);
GBytes         *koi_imap_command_get_literal  (KoiImapCommand *command,
                                               guint           part); /* NULL for the last part */

/* Modified UTF-7 (RFC 3501 5.1.3) for mailbox names. */
char           *koi_imap_utf7_encode          (const char     *utf8);
char           *koi_imap_utf7_decode          (const char     *mutf7); /* NULL if not valid */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiImapCommand, koi_imap_command_free)

G_END_DECLS
