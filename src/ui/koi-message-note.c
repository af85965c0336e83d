/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-message-note"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "koi-message-note.h"

/* Widget data keys: the note is a plain GtkBox with a label and a button. */
#define NOTE_LABEL  "koi-note-label"
#define NOTE_DELETE "koi-note-delete"

GtkWidget *
koi_message_note_new (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *delete = gtk_button_new_with_mnemonic (_("_Delete"));

  gtk_widget_add_css_class (box, "koi-message-note");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_set_halign (delete, GTK_ALIGN_START);
  gtk_widget_add_css_class (delete, "pill");
  gtk_widget_add_css_class (delete, "small");
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), delete);
  g_object_set_data (G_OBJECT (box), NOTE_LABEL, label);
  g_object_set_data (G_OBJECT (box), NOTE_DELETE, delete);
  gtk_widget_set_visible (box, FALSE);
  return box;
}

gboolean
koi_message_note_is_permanent (const char *reason)
{
  gboolean any = FALSE;

  if (reason == NULL)
    return FALSE;
  /* One line per refused recipient, walked in place (no split: a hostile
   * reply may be long). */
  for (const char *line = reason; *line != '\0';)
    {
      const char *end = strchr (line, '\n');
      gsize len = end != NULL ? (gsize) (end - line) : strlen (line);
      const char *reply = line;
      const char *colon = g_strstr_len (line, len, ": ");
      const char *at = memchr (line, '@', len);

      if (len > 0)
        {
          /* "address: reply"; a bare reply also counts. */
          if (colon != NULL && at != NULL && at < colon)
            reply = colon + 2;
          while (*reply == ' ')
            reply++;
          if (!(reply[0] == '5' && g_ascii_isdigit (reply[1]) && g_ascii_isdigit (reply[2])))
            return FALSE;
          any = TRUE;
        }
      line = end != NULL ? end + 1 : line + len;
    }
  return any;
}

void
koi_message_note_update (GtkWidget  *note,
                         KoiMessage *message,
                         gboolean    offline)
{
  GtkLabel *label = g_object_get_data (G_OBJECT (note), NOTE_LABEL);
  GtkWidget *delete = g_object_get_data (G_OBJECT (note), NOTE_DELETE);
  g_autofree char *text = NULL;
  gboolean refused = FALSE;
  const char *reason = NULL;

  if (message != NULL && koi_message_get_loaded (message) &&
      koi_message_get_direction (message) == KOI_MESSAGE_OUTGOING)
    {
      reason = koi_message_get_failure_reason (message);
      switch (koi_message_get_state (message))
        {
        case KOI_MESSAGE_QUEUED:
          /* A failed attempt left its reason; the engine tries again. */
          if (reason != NULL && *reason != '\0')
            /* TRANSLATORS: in a message bubble; %s is why the last attempt failed */
            text = g_strdup_printf (_("Will try again: %s"), reason);
          /* Never tried: while online it goes out within a moment, so
           * only an offline wait is worth words. */
          else if (offline)
            text = g_strdup (_("Waiting for the network"));
          break;
        case KOI_MESSAGE_FAILED:
          refused = TRUE;
          if (reason != NULL && *reason != '\0')
            /* TRANSLATORS: in a message bubble; %s is the server's reply, per recipient */
            text = g_strdup_printf (_("Server refused: %s"), reason);
          else
            text = g_strdup (_("Server refused this message"));
          break;
        default:
          break;
        }
    }

  gtk_label_set_label (label, text != NULL ? text : "");
  gtk_widget_set_visible (delete, refused);
  /* Target first: an action with an "x" parameter and no target warns. */
  if (refused)
    {
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (delete),
                                              g_variant_new_int64 (koi_message_get_id (message)));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (delete), "conversation.delete-for-me");
    }
  else
    gtk_actionable_set_action_name (GTK_ACTIONABLE (delete), NULL);
  gtk_widget_set_visible (note, text != NULL);
}

const char *
koi_message_note_get_text (GtkWidget *note)
{
  GtkLabel *label = g_object_get_data (G_OBJECT (note), NOTE_LABEL);

  return gtk_widget_get_visible (note) ? gtk_label_get_label (label) : "";
}

gboolean
koi_message_note_get_can_delete (GtkWidget *note)
{
  GtkWidget *delete = g_object_get_data (G_OBJECT (note), NOTE_DELETE);

  return gtk_widget_get_visible (note) && gtk_widget_get_visible (delete);
}
