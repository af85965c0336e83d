/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "koi-message.h"

G_BEGIN_DECLS

/*
 * The note in an own message's bubble that says why it is not delivered:
 * "Waiting for the network" while Koi is offline and has not tried yet,
 * "Will try again: …" while the engine retries after a failed attempt,
 * "Server refused: …" (with a Delete button) once the server turned a
 * recipient down. Kept out of koi-message-row.ui on purpose: the row adds
 * it above its time line.
 */
GtkWidget  *koi_message_note_new            (void);
/* Shows @message's note, or hides it (NULL, or nothing to say).
 * @offline: Koi cannot reach the server now, so a queued message that was
 * never tried says it waits for the network. */
void        koi_message_note_update         (GtkWidget   *note,
                                             KoiMessage  *message,
                                             gboolean     offline);
/* What it says; "" when hidden. */
const char *koi_message_note_get_text       (GtkWidget   *note);
gboolean    koi_message_note_get_can_delete (GtkWidget   *note);

/* TRUE if @reason (a failure reason: "address: reply" lines) is a
 * permanent refusal by every recipient's server (an SMTP 5xx reply), so
 * sending the same message again cannot succeed. */
gboolean    koi_message_note_is_permanent   (const char  *reason);

G_END_DECLS
