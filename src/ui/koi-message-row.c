/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-message-row"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "koi-bubble-text.h"
#include "koi-compat.h"
#include "koi-group-info.h"
#include "koi-file-bubble.h"
#include "koi-image-bubble.h"
#include "koi-media-bubble.h"
#include "koi-image-file.h"

#include "koi-message-extras.h"
#include "koi-full-text-dialog.h"
#include "koi-message-row.h"
#include "koi-quote-block.h"
#include "koi-reaction-bar.h"
#include "koi-message-note.h"
#include "koi-bubble-line.h"
#include "koi-text-sizer.h"
#include "koi-ui-format.h"

/* Messages of one sender closer together than this share one group. */
#define GROUP_SPAN_MS (5 * 60 * 1000)
/* About one line of text in a bubble. */
#define PLACEHOLDER_WIDTH 120
#define PLACEHOLDER_HEIGHT 36
/* See wrap_floor(): the narrowest a long text's bubble gets, in characters. */
#define WRAP_FLOOR_CHARS 16


struct _KoiMessageRow
{
  GtkWidget   parent_instance;

  GtkLabel   *day_label;
  GtkLabel   *unread_marker;
  GtkLabel   *sender_label;
  GtkLabel   *info_label;
  GtkWidget  *line_box;
  AdwAvatar  *avatar;
  GtkWidget  *bubble;
  GtkLabel   *subject_label;
  GtkLabel   *text_label;
  GtkButton  *full_button;
  GtkLabel   *time_label;
  GtkImage   *lock_image;
  GtkImage   *state_image;
  GtkLabel   *state_label;
  GtkWidget  *retry_button;
  GtkWidget  *edited_button;
  GtkLabel   *edited_label;
  /* Made on first need only: most messages have no reactions or quote. */
  GtkWidget  *reaction_bar;
  GtkWidget  *quote_block;
  GtkWidget  *emoji_chooser;
  GtkWidget  *note;   /* why it is not delivered (koi-message-note.h) */

  GtkWidget  *menu;   /* the context menu while it exists */
  GtkWidget  *files_box; /* a KoiFileBubble per attachment (koi-file-bubble.c) */

  KoiMessage *item;
  KoiMessage *previous;
  char       *state_text;
  gboolean    grouped;
  gboolean    show_full;
  gboolean    text_cut;   /* the bubble shows only the start of the text */
  gboolean    show_avatar;   /* a group: who wrote it matters */
  gboolean    offline;       /* the account cannot reach its server now */
};

G_DEFINE_FINAL_TYPE (KoiMessageRow, koi_message_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  PROP_PREVIOUS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static guint instance_count;

GtkWidget *
koi_message_row_new (void)
{
  return g_object_new (KOI_TYPE_MESSAGE_ROW, NULL);
}

guint
koi_message_row_get_instance_count (void)
{
  return instance_count;
}

static gboolean
is_outgoing (KoiMessage *message)
{
  return koi_message_get_direction (message) == KOI_MESSAGE_OUTGOING;
}

static const char *
sender_name (KoiMessage *message)
{
  const char *name = koi_message_get_from_name (message);

  if (name != NULL && *name != '\0')
    return name;

  return koi_message_get_from_address (message);
}

static void
update_grouping (KoiMessageRow *self)
{
  KoiMessage *item = self->item;
  KoiMessage *prev = self->previous;
  gboolean loaded = item != NULL && koi_message_get_loaded (item);
  gboolean prev_loaded = prev != NULL && koi_message_get_loaded (prev);
  gboolean new_day;
  gboolean grouped = FALSE;
  gboolean show_sender;
  g_autofree char *info = NULL;

  /* An unknown previous message (still loading) draws no separator yet:
   * it appears when the page arrives, instead of flickering away. */
  new_day = loaded && (prev == NULL
                       || (prev_loaded && !koi_ui_same_day (koi_message_get_timestamp (prev),
                                                            koi_message_get_timestamp (item))));

  if (loaded && prev_loaded && !new_day
      && koi_message_get_group_info (prev) == 0
      && !koi_message_get_not_member (item)
      && koi_message_get_direction (prev) == koi_message_get_direction (item)
      && g_ascii_strcasecmp (koi_message_get_from_address (prev) ?: "",
                             koi_message_get_from_address (item) ?: "") == 0
      && koi_message_get_timestamp (item) - koi_message_get_timestamp (prev) < GROUP_SPAN_MS)
    grouped = TRUE;

  self->grouped = grouped;
  if (grouped)
    gtk_widget_add_css_class (GTK_WIDGET (self), "grouped");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "grouped");

  gtk_widget_set_visible (GTK_WIDGET (self->day_label), new_day);
  if (new_day)
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *day = koi_ui_format_day (koi_message_get_timestamp (item), now);

      gtk_label_set_label (self->day_label, day);
    }
  else
    gtk_label_set_label (self->day_label, "");

  /* A group change is a line of its own, not a bubble. */
  info = loaded ? koi_group_info_format (koi_message_get_group_info (item),
                                         koi_message_get_group_info_arg (item),
                                         sender_name (item), is_outgoing (item))
                : NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->info_label), info != NULL);
  gtk_label_set_label (self->info_label, info != NULL ? info : "");
  gtk_widget_set_visible (self->line_box, info == NULL);

  /* In a group an incoming run starts with its sender's avatar; the rest
   * of the run keeps the space, so the bubbles stay in one column. */
  {
    gboolean avatar = self->show_avatar && info == NULL && loaded && !is_outgoing (item);

    gtk_widget_set_visible (GTK_WIDGET (self->avatar), avatar);
    gtk_widget_set_opacity (GTK_WIDGET (self->avatar), grouped ? 0.0 : 1.0);
    adw_avatar_set_text (self->avatar, avatar ? sender_name (item) : NULL);
    /* The name above the bubble, not above the avatar: 28 px + spacing. */
    gtk_widget_set_margin_start (GTK_WIDGET (self->sender_label), avatar ? 34 : 0);
  }

  /* Only in a group: in a 1:1 chat the header already names the peer. */
  show_sender = self->show_avatar && info == NULL && loaded && !grouped && !is_outgoing (item) &&
                sender_name (item) != NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->sender_label), show_sender);
  if (show_sender && koi_message_get_not_member (item))
    {
      /* TRANSLATORS: above a group message from somebody who is not (or
       * no longer) a member of the group; %s is their name */
      g_autofree char *marked = g_strdup_printf (_("%s (not a member)"), sender_name (item));

      gtk_label_set_label (self->sender_label, marked);
      gtk_widget_add_css_class (GTK_WIDGET (self->sender_label), "warning");
    }
  else
    {
      gtk_label_set_label (self->sender_label, show_sender ? sender_name (item) : "");
      gtk_widget_remove_css_class (GTK_WIDGET (self->sender_label), "warning");
    }
}

static void
update_state (KoiMessageRow *self)
{
  const char *icon = NULL;
  const char *text = NULL;
  gboolean failed = FALSE;
  gboolean failed_retry;

  if (self->item != NULL && koi_message_get_loaded (self->item) && is_outgoing (self->item))
    {
      switch (koi_message_get_state (self->item))
        {
        case KOI_MESSAGE_QUEUED:
          icon = "document-open-recent-symbolic";
          text = _("Waiting to send");
          break;
        case KOI_MESSAGE_SENDING:
          /* Not the emblem-* icons: Adwaita 48 (Debian 13, and the GNOME
           * runtime) dropped them, and they drew as "image-missing". These
           * two are in every Adwaita and in GTK's own resources. */
          icon = "view-refresh-symbolic";
          text = _("Sending…");
          break;
        case KOI_MESSAGE_SENT:
          /* Two ticks once a read receipt came, as every messenger shows it. */
          if (koi_message_get_read (self->item))
            {
              icon = "koi-read-symbolic";
              text = _("Read");
            }
          else
            {
              icon = "object-select-symbolic";
              text = _("Sent");
            }
          break;
        case KOI_MESSAGE_FAILED:
          icon = "dialog-error-symbolic";
          text = _("Not sent");
          failed = TRUE;
          break;
        case KOI_MESSAGE_RECEIVED:
        default:
          break;
        }
    }

  g_free (self->state_text);
  self->state_text = g_strdup (text != NULL ? text : "");

  gtk_widget_set_visible (GTK_WIDGET (self->state_image), icon != NULL);
  if (icon != NULL)
    {
      /* No tooltip: the bubble's note says what matters in words, and a
       * tooltip set on every bind cost more than the rest of it. */
      gtk_image_set_from_icon_name (self->state_image, icon);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_image),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
    }

  /* A failure is the one state that needs words and a way out: Retry
   * only where sending again can succeed, Delete (in the note) always. */
  koi_message_note_update (self->note, self->item, self->offline);
  gtk_widget_set_visible (GTK_WIDGET (self->state_label), failed);
  gtk_label_set_label (self->state_label, failed ? text : "");
  failed_retry = failed && !koi_message_note_is_permanent (koi_message_get_failure_reason (self->item));
  gtk_widget_set_visible (self->retry_button, failed_retry);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "message-row.retry", failed_retry);

  if (failed)
    gtk_widget_add_css_class (self->bubble, "failed");
  else
    gtk_widget_remove_css_class (self->bubble, "failed");
}

/* The padlock beside the time: the message came end-to-end encrypted. A
 * signature that failed its check outweighs it (the text may not be from
 * who it says), so that shows a warning instead, on plain mail too. A
 * missing or unknown-key signature is no warning: Delta Chat and older
 * Koi mail sign only what they encrypt, and Message Info tells the rest. */
static void
update_crypto (KoiMessageRow *self)
{
  KoiMessage *item = self->item;
  gboolean loaded = item != NULL && koi_message_get_loaded (item);
  gboolean bad = loaded && koi_message_get_signature (item) == KOI_MESSAGE_SIGNATURE_BAD;
  gboolean encrypted = loaded && koi_message_get_encrypted (item);

  gtk_widget_set_visible (GTK_WIDGET (self->lock_image), bad || encrypted);
  if (!bad && !encrypted)
    return;
  gtk_image_set_from_icon_name (self->lock_image,
                                bad ? "koi-signature-bad-symbolic" : "koi-lock-symbolic");
  if (bad)
    gtk_widget_add_css_class (GTK_WIDGET (self->lock_image), "warning");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->lock_image), "warning");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->lock_image), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  bad ? _("Signature not valid") : _("Encrypted"), -1);
}

/* A wrapped GtkLabel finds its minimum width by laying its text out as
 * narrow as it may get: at width 0 that is one line per character (wrap
 * mode word-char), and Pango shapes the rest of the paragraph again at
 * every break, so a long message cost milliseconds to measure (profiled:
 * half of opening a chat was HarfBuzz in these layouts). A floor of a few
 * characters for texts longer than that makes it a handful of lines; short
 * texts keep no floor, so their bubbles stay as small as their words. */
static void
wrap_floor (GtkLabel   *label,
            const char *text)
{
  gboolean long_text = text != NULL && strlen (text) >= 4 * WRAP_FLOOR_CHARS;

  gtk_label_set_width_chars (label, long_text ? WRAP_FLOOR_CHARS : -1);
}

static void
update_text (KoiMessageRow *self)
{
  KoiMessage *item = self->item;
  const char *text = NULL;
  const char *full = NULL;
  const char *subject = NULL;
  gboolean email;
  g_autofree char *markup = NULL;

  if (item != NULL && koi_message_get_loaded (item))
    {
      text = koi_message_get_text (item);
      full = koi_message_get_full_text (item);
      subject = koi_message_get_subject (item);
    }

  email = item != NULL && koi_message_get_kind (item) == KOI_MESSAGE_EMAIL;

  /* Ordinary email: its subject says what it is about; chat messages carry
   * "Chat: …" subjects that only repeat the text. */
  gtk_widget_set_visible (GTK_WIDGET (self->subject_label),
                          email && subject != NULL && *subject != '\0');
  gtk_label_set_label (self->subject_label, email && subject != NULL ? subject : "");
  wrap_floor (self->subject_label, email ? subject : NULL);

  /* A chat reply's whole text is the quote and the answer: the quote
   * block above shows the one, the bubble the other. */
  gtk_widget_set_visible (GTK_WIDGET (self->full_button),
                          full != NULL && *full != '\0' &&
                          !(!email && koi_message_get_quote (item) != NULL));
  gtk_button_set_label (self->full_button,
                        self->show_full ? _("Hide Full Message") : _("Show Full Message"));

  if (item != NULL && koi_message_get_deleted (item))
    {
      /* Its author took it back: say so where the text was. */
      markup = g_markup_printf_escaped ("<i>%s</i>", _("Message deleted"));
      wrap_floor (self->text_label, NULL);
      gtk_label_set_markup (self->text_label, markup);
      gtk_widget_add_css_class (GTK_WIDGET (self->text_label), "dim-label");
      gtk_widget_set_visible (GTK_WIDGET (self->text_label), TRUE);
      gtk_widget_set_visible (GTK_WIDGET (self->full_button), FALSE);
      self->text_cut = FALSE;
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (self->text_label), "dim-label");
  {
    const char *shown = self->show_full && full != NULL ? full : text;
    g_autofree char *cut = koi_bubble_text_cut (shown);

    /* Too long for a bubble: its start, and the button opens the whole. */
    self->text_cut = cut != NULL;
    if (self->text_cut)
      {
        gtk_widget_set_visible (GTK_WIDGET (self->full_button), TRUE);
        gtk_button_set_label (self->full_button, _("Show Full Message"));
      }
    markup = koi_ui_text_to_markup (cut != NULL ? cut : shown);
    wrap_floor (self->text_label, cut != NULL ? cut : shown);
  }
  gtk_label_set_markup (self->text_label, markup);
  gtk_widget_set_visible (GTK_WIDGET (self->text_label), text != NULL && *text != '\0');
}

/* Reactions under the bubble and the quote at its top: widgets made the
 * first time a message needs them, hidden (not destroyed) for the next
 * message the recycled row shows, so binding a plain message costs two
 * NULL checks. */
static void
update_extras (KoiMessageRow *self)
{
  KoiMessage *item = self->item;
  gboolean loaded = item != NULL && koi_message_get_loaded (item);
  gboolean deleted = loaded && koi_message_get_deleted (item);
  const char *reactions = loaded && !deleted ? koi_message_get_reactions (item) : NULL;
  const char *quote = loaded && !deleted ? koi_message_get_quote (item) : NULL;

  if (reactions != NULL && self->reaction_bar == NULL)
    {
      self->reaction_bar = koi_reaction_bar_new ();
      gtk_widget_insert_after (self->reaction_bar, GTK_WIDGET (self), self->line_box);
    }
  if (self->reaction_bar != NULL)
    {
      gtk_widget_set_visible (self->reaction_bar, reactions != NULL);
      if (reactions != NULL)
        {
          gboolean avatar = gtk_widget_get_visible (GTK_WIDGET (self->avatar));

          koi_reaction_bar_set_reactions (KOI_REACTION_BAR (self->reaction_bar),
                                          koi_message_get_id (item), reactions);
          gtk_widget_set_halign (self->reaction_bar, is_outgoing (item) ? GTK_ALIGN_END : GTK_ALIGN_START);
          /* Under the bubble, not under the avatar (28 px + spacing). */
          gtk_widget_set_margin_start (self->reaction_bar, avatar ? 34 : 0);
        }
    }

  if (quote != NULL && self->quote_block == NULL)
    {
      self->quote_block = koi_quote_block_new ();
      gtk_box_prepend (GTK_BOX (self->bubble), self->quote_block);
    }
  if (self->quote_block != NULL)
    {
      gtk_widget_set_visible (self->quote_block, quote != NULL);
      if (quote != NULL)
        koi_quote_block_set_quote (KOI_QUOTE_BLOCK (self->quote_block), quote);
    }
}

static void
update_all (KoiMessageRow *self)
{
  KoiMessage *item = self->item;
  gboolean loaded = item != NULL && koi_message_get_loaded (item);
  gboolean outgoing = loaded && is_outgoing (item);

  gtk_widget_set_halign (self->line_box, outgoing ? GTK_ALIGN_END : GTK_ALIGN_START);

  if (outgoing)
    {
      gtk_widget_add_css_class (self->bubble, "outgoing");
      gtk_widget_remove_css_class (self->bubble, "incoming");
    }
  else
    {
      gtk_widget_add_css_class (self->bubble, "incoming");
      gtk_widget_remove_css_class (self->bubble, "outgoing");
    }

  /* A placeholder keeps the size of a short message, so the scroll
   * position barely moves when its page arrives. */
  if (loaded)
    {
      gtk_widget_remove_css_class (self->bubble, "placeholder");
      gtk_widget_set_size_request (self->bubble, -1, -1);
    }
  else
    {
      gtk_widget_add_css_class (self->bubble, "placeholder");
      gtk_widget_set_size_request (self->bubble, PLACEHOLDER_WIDTH, PLACEHOLDER_HEIGHT);
    }
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->time_label)), loaded);

  if (loaded)
    {
      g_autofree char *clock = koi_ui_format_clock (koi_message_get_timestamp (item));
      /* TRANSLATORS: beside a message its author changed; %s is its time */
      g_autofree char *edited = koi_message_get_edited (item) && !koi_message_get_deleted (item)
        ? g_strdup_printf (_("edited %s"), clock) : NULL;

      gtk_label_set_label (self->time_label, edited != NULL ? edited : clock);
      /* An edited message's time is a button that opens its history. */
      gtk_widget_set_visible (self->edited_button, edited != NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->time_label), edited == NULL);
      if (edited != NULL)
        gtk_label_set_label (self->edited_label, edited);
    }
  else
    {
      gtk_label_set_label (self->time_label, "");
      gtk_widget_set_visible (self->edited_button, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->time_label), TRUE);
    }

  update_text (self);
  update_state (self);
  update_crypto (self);
  update_grouping (self);
  update_extras (self);
}

static void
on_item_notify (KoiMessageRow *self,
                GParamSpec    *pspec,
                KoiMessage    *item)
{
  if (g_str_equal (pspec->name, "state") || g_str_equal (pspec->name, "failure-reason") ||
      g_str_equal (pspec->name, "read"))
    update_state (self);
  else if (g_str_equal (pspec->name, "text") || g_str_equal (pspec->name, "full-text")
           || g_str_equal (pspec->name, "subject"))
    update_text (self);
  else if (g_str_equal (pspec->name, "reactions") || g_str_equal (pspec->name, "quote"))
    update_extras (self);
  else
    update_all (self);
}

static void
on_previous_notify (KoiMessageRow *self,
                    GParamSpec    *pspec,
                    KoiMessage    *previous)
{
  update_grouping (self);
}

KoiMessage *
koi_message_row_get_item (KoiMessageRow *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_ROW (self), NULL);

  return self->item;
}

/* Files below the text: rebuilt when the list changes (a message arrives
 * or is read again); each bubble follows its own download. */
static void
update_files (KoiMessageRow *self)
{
  GtkWidget *child;
  GListModel *files = self->item != NULL ? koi_message_get_attachments (self->item) : NULL;
  guint n = files != NULL ? g_list_model_get_n_items (files) : 0;

  while ((child = gtk_widget_get_first_child (self->files_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->files_box), child);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiAttachment) attachment = g_list_model_get_item (files, i);

      /* Pictures show as themselves, sound and video play in place; any
       * other file as a file bubble. */
      if (koi_image_file_is_image (koi_attachment_get_mime_type (attachment)))
        gtk_box_append (GTK_BOX (self->files_box), koi_image_bubble_new (attachment));
      else if (koi_media_bubble_plays (koi_attachment_get_mime_type (attachment)))
        gtk_box_append (GTK_BOX (self->files_box), koi_media_bubble_new (attachment));
      else
        gtk_box_append (GTK_BOX (self->files_box), koi_file_bubble_new (attachment));
    }
  gtk_widget_set_visible (self->files_box, n > 0);
}

void
koi_message_row_set_item (KoiMessageRow *self,
                          KoiMessage    *item)
{
  g_return_if_fail (KOI_IS_MESSAGE_ROW (self));
  g_return_if_fail (item == NULL || KOI_IS_MESSAGE (item));

  if (self->item == item)
    return;

  if (self->item != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->item, on_item_notify, self);
      g_signal_handlers_disconnect_by_func (koi_message_get_attachments (self->item),
                                            update_files, self);
    }

  g_set_object (&self->item, item);
  if (item != NULL)
    g_signal_connect_object (koi_message_get_attachments (item), "items-changed",
                             G_CALLBACK (update_files), self, G_CONNECT_SWAPPED);
  update_files (self);
  /* A recycled row starts folded again. */
  self->show_full = FALSE;
  /* An emoji picked now would go to the new message. */
  if (self->emoji_chooser != NULL)
    gtk_popover_popdown (GTK_POPOVER (self->emoji_chooser));

  if (item != NULL)
    g_signal_connect_object (item, "notify", G_CALLBACK (on_item_notify),
                             self, G_CONNECT_SWAPPED);

  update_all (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

/* The row is about to be hidden (its cell left the viewport's
 * neighbourhood): let go of the messages without redrawing it empty, since
 * the next set_item redraws all of it anyway (update_all). Emptying it
 * flipped every class and label twice per recycled row, some 0.5 ms each
 * on GTK 4.18. Files go at once: a playing sound must stop. */
void
koi_message_row_forget_item (KoiMessageRow *self)
{
  g_return_if_fail (KOI_IS_MESSAGE_ROW (self));

  if (self->previous != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->previous, on_previous_notify, self);
      g_clear_object (&self->previous);
    }
  if (self->item == NULL)
    return;
  g_signal_handlers_disconnect_by_func (self->item, on_item_notify, self);
  g_signal_handlers_disconnect_by_func (koi_message_get_attachments (self->item),
                                        update_files, self);
  g_clear_object (&self->item);
  update_files (self);
  if (self->emoji_chooser != NULL)
    gtk_popover_popdown (GTK_POPOVER (self->emoji_chooser));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

KoiMessage *
koi_message_row_get_previous (KoiMessageRow *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_ROW (self), NULL);

  return self->previous;
}

void
koi_message_row_set_show_avatar (KoiMessageRow *self,
                                 gboolean       show_avatar)
{
  g_return_if_fail (KOI_IS_MESSAGE_ROW (self));

  if (self->show_avatar == !!show_avatar)
    return;
  self->show_avatar = !!show_avatar;
  update_grouping (self);
}

void
koi_message_row_set_offline (KoiMessageRow *self,
                             gboolean       offline)
{
  g_return_if_fail (KOI_IS_MESSAGE_ROW (self));

  if (self->offline == !!offline)
    return;
  self->offline = !!offline;
  update_state (self);
}

const char *
koi_message_row_get_avatar_text (KoiMessageRow *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_ROW (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->avatar)) &&
         gtk_widget_get_opacity (GTK_WIDGET (self->avatar)) > 0.0
    ? adw_avatar_get_text (self->avatar) : NULL;
}

void
koi_message_row_set_previous (KoiMessageRow *self,
                              KoiMessage    *previous)
{
  g_return_if_fail (KOI_IS_MESSAGE_ROW (self));
  g_return_if_fail (previous == NULL || KOI_IS_MESSAGE (previous));

  if (self->previous == previous)
    return;

  if (self->previous != NULL)
    g_signal_handlers_disconnect_by_func (self->previous, on_previous_notify, self);

  g_set_object (&self->previous, previous);

  /* Only "loaded" matters: it is the one change that alters grouping. */
  if (previous != NULL)
    g_signal_connect_object (previous, "notify::loaded", G_CALLBACK (on_previous_notify),
                             self, G_CONNECT_SWAPPED);

  update_grouping (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREVIOUS]);
}

const char *
koi_message_row_get_text_markup (KoiMessageRow *self)
{
  return gtk_label_get_label (self->text_label);
}

const char *
koi_message_row_get_time_text (KoiMessageRow *self)
{
  return gtk_label_get_label (self->time_label);
}

void
koi_message_row_set_unread_marker (KoiMessageRow *self,
                                   gboolean       shown)
{
  g_return_if_fail (KOI_IS_MESSAGE_ROW (self));

  gtk_widget_set_visible (GTK_WIDGET (self->unread_marker), shown);
}

gboolean
koi_message_row_get_unread_marker (KoiMessageRow *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_ROW (self), FALSE);

  return gtk_widget_get_visible (GTK_WIDGET (self->unread_marker));
}

const char *
koi_message_row_get_day_text (KoiMessageRow *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->day_label))
    ? gtk_label_get_label (self->day_label) : "";
}

const char *
koi_message_row_get_sender_text (KoiMessageRow *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->sender_label))
    ? gtk_label_get_label (self->sender_label) : "";
}

const char *
koi_message_row_get_state_text (KoiMessageRow *self)
{
  return self->state_text != NULL ? self->state_text : "";
}

gboolean
koi_message_row_get_grouped (KoiMessageRow *self)
{
  return self->grouped;
}

gboolean
koi_message_row_get_can_retry (KoiMessageRow *self)
{
  return gtk_widget_get_visible (self->retry_button);
}

const char *
koi_message_row_get_note_text (KoiMessageRow *self)
{
  return koi_message_note_get_text (self->note);
}

gboolean
koi_message_row_get_can_delete (KoiMessageRow *self)
{
  return koi_message_note_get_can_delete (self->note);
}

static gboolean
on_activate_link (KoiMessageRow *self,
                  const char    *uri,
                  GtkLabel      *label)
{
  koi_compat_launch_uri (GTK_WIDGET (self), uri);
  return TRUE;
}

static void
on_full_clicked (KoiMessageRow *self,
                 GtkButton     *button)
{
  if (self->text_cut && self->item != NULL)
    {
      const char *full = koi_message_get_full_text (self->item);
      GtkWidget *dialog;

      dialog = koi_full_text_dialog_new (self->show_full && full != NULL ? full
                                         : koi_message_get_text (self->item));
      koi_compat_present_dialog (dialog, GTK_WIDGET (self));
      return;
    }
  self->show_full = !self->show_full;
  update_text (self);
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  KoiMessageRow *self = KOI_MESSAGE_ROW (widget);

  if (self->item == NULL)
    return;

  gtk_widget_activate_action (widget, "conversation.retry", "x",
                              koi_message_get_id (self->item));
}

static void drop_menu (KoiMessageRow *self);

static void
koi_message_row_dispose (GObject *object)
{
  KoiMessageRow *self = KOI_MESSAGE_ROW (object);

  drop_menu (self);
  g_clear_pointer (&self->emoji_chooser, gtk_widget_unparent);
  koi_message_row_set_item (self, NULL);
  koi_message_row_set_previous (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), KOI_TYPE_MESSAGE_ROW);
  /* GTK 4.8 unparents only the template children that have an id. */
  koi_widget_unparent_children (GTK_WIDGET (object));
  self->reaction_bar = NULL;
  self->quote_block = NULL;

  G_OBJECT_CLASS (koi_message_row_parent_class)->dispose (object);
}

static void
koi_message_row_finalize (GObject *object)
{
  KoiMessageRow *self = KOI_MESSAGE_ROW (object);

  g_free (self->state_text);
  instance_count--;

  G_OBJECT_CLASS (koi_message_row_parent_class)->finalize (object);
}

static void
koi_message_row_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  KoiMessageRow *self = KOI_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    case PROP_PREVIOUS:
      g_value_set_object (value, self->previous);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_message_row_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  KoiMessageRow *self = KOI_MESSAGE_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      koi_message_row_set_item (self, g_value_get_object (value));
      break;
    case PROP_PREVIOUS:
      koi_message_row_set_previous (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* ------------------------------------------------------------------ */
/* The context menu: its items are the conversation view's actions, with
 * this message's id as their target. */

static const char * const quick_reactions[] = { "👍", "❤️", "😂", "😮", "😢", "🙏" };

static GMenuItem *
id_item (const char *label,
         const char *action,
         gint64      id)
{
  GMenuItem *item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, action, g_variant_new_int64 (id));
  return item;
}

static void
append_id_item (GMenu      *menu,
                const char *label,
                const char *action,
                gint64      id)
{
  g_autoptr (GMenuItem) item = id_item (label, action, id);

  g_menu_append_item (menu, item);
}

static GMenuModel *
build_menu (KoiMessage *message)
{
  GMenu *menu = g_menu_new ();
  g_autoptr (GMenu) main_section = g_menu_new ();
  g_autoptr (GMenu) react = g_menu_new ();
  g_autoptr (GMenu) delete_section = g_menu_new ();
  gint64 id = koi_message_get_id (message);
  gboolean own = koi_message_get_direction (message) == KOI_MESSAGE_OUTGOING;
  gboolean deleted = koi_message_get_deleted (message);

  if (!deleted)
    {
      append_id_item (main_section, _("_Reply"), "conversation.reply", id);
      for (guint i = 0; i < G_N_ELEMENTS (quick_reactions); i++)
        {
          g_autoptr (GMenuItem) item = g_menu_item_new (quick_reactions[i], NULL);

          g_menu_item_set_action_and_target_value (item, "conversation.react",
                                                   g_variant_new ("(xs)", id, quick_reactions[i]));
          g_menu_append_item (react, item);
        }
      {
        g_autoptr (GMenuItem) more = g_menu_item_new (_("_More Reactions…"), "message-row.react-more");
        g_autoptr (GMenu) more_section = g_menu_new ();

        g_menu_append_item (more_section, more);
        g_menu_append_section (react, NULL, G_MENU_MODEL (more_section));
      }
      g_menu_append_submenu (main_section, _("Re_act"), G_MENU_MODEL (react));
      append_id_item (main_section, _("_Copy Text"), "conversation.copy", id);
      if (own && koi_message_get_kind (message) == KOI_MESSAGE_CHAT)
        append_id_item (main_section, _("_Edit"), "conversation.edit", id);
      if (koi_message_get_edited (message))
        append_id_item (main_section, _("Edit _History"), "conversation.edit-history", id);
    }
  append_id_item (main_section, _("Message _Info"), "conversation.info", id);
  /* The mail as the server holds it: the way to read one shown as too
   * large or complex, or unreadable. Not for what has not gone out yet:
   * the server has no copy of it. */
  if (koi_message_get_state (message) != KOI_MESSAGE_QUEUED &&
      koi_message_get_state (message) != KOI_MESSAGE_SENDING &&
      koi_message_get_state (message) != KOI_MESSAGE_FAILED)
    append_id_item (main_section, _("Show _Source"), "conversation.show-source", id);
  g_menu_append_section (menu, NULL, G_MENU_MODEL (main_section));

  append_id_item (delete_section, _("_Delete for Me"), "conversation.delete-for-me", id);
  if (own && !deleted)
    append_id_item (delete_section, _("Delete for _Everyone"), "conversation.delete-for-everyone", id);
  g_menu_append_section (menu, NULL, G_MENU_MODEL (delete_section));

  return G_MENU_MODEL (menu);
}

/* A new menu is built for each popup, so it always matches the message
 * as it is now; the old one goes then (or with the row). */
static void
drop_menu (KoiMessageRow *self)
{
  if (self->menu != NULL)
    {
      gtk_widget_unparent (self->menu);
      self->menu = NULL;
    }
}

void
koi_message_row_popup_menu (KoiMessageRow *self,
                            double         x,
                            double         y)
{
  g_autoptr (GMenuModel) model = NULL;

  g_return_if_fail (KOI_IS_MESSAGE_ROW (self));

  if (self->item == NULL || !koi_message_get_loaded (self->item))
    return;

  drop_menu (self);
  model = build_menu (self->item);
  self->menu = gtk_popover_menu_new_from_model (model);
  gtk_widget_set_parent (self->menu, self->bubble);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->menu), TRUE);
  if (x >= 0 && y >= 0)
    {
      graphene_point_t point;

      if (gtk_widget_compute_point (GTK_WIDGET (self), self->bubble,
                                    &GRAPHENE_POINT_INIT ((float) x, (float) y), &point))
        gtk_popover_set_pointing_to (GTK_POPOVER (self->menu),
                                     &(GdkRectangle) { (int) point.x, (int) point.y, 1, 1 });
    }
  gtk_popover_popup (GTK_POPOVER (self->menu));
}

GtkWidget *
koi_message_row_get_menu (KoiMessageRow *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_ROW (self), NULL);

  return self->menu;
}

static void
on_right_click (KoiMessageRow   *self,
                int              n_press,
                double           x,
                double           y,
                GtkGestureClick *gesture)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  koi_message_row_popup_menu (self, x, y);
}

static void
on_long_press (KoiMessageRow       *self,
               double               x,
               double               y,
               GtkGestureLongPress *gesture)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  koi_message_row_popup_menu (self, x, y);
}

static void
edit_history_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  KoiMessageRow *self = KOI_MESSAGE_ROW (widget);

  if (self->item != NULL)
    gtk_widget_activate_action (widget, "conversation.edit-history", "x",
                                koi_message_get_id (self->item));
}

static void
on_emoji_picked (KoiMessageRow   *self,
                 const char      *emoji,
                 GtkEmojiChooser *chooser)
{
  if (self->item != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "conversation.react", "(xs)",
                                koi_message_get_id (self->item), emoji);
}

/* The whole emoji chooser, from "More Reactions…" in the menu. */
static void
react_more_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  KoiMessageRow *self = KOI_MESSAGE_ROW (widget);

  if (self->item == NULL || !koi_message_get_loaded (self->item))
    return;
  if (self->emoji_chooser == NULL)
    {
      self->emoji_chooser = gtk_emoji_chooser_new ();
      gtk_widget_set_parent (self->emoji_chooser, self->bubble);
      g_signal_connect_object (self->emoji_chooser, "emoji-picked", G_CALLBACK (on_emoji_picked),
                               self, G_CONNECT_SWAPPED);
    }
  gtk_popover_popup (GTK_POPOVER (self->emoji_chooser));
}

GtkWidget *
koi_message_row_get_emoji_chooser (KoiMessageRow *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_ROW (self), NULL);

  return self->emoji_chooser;
}

GtkWidget *
koi_message_row_get_reaction_bar (KoiMessageRow *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_ROW (self), NULL);

  return self->reaction_bar != NULL && gtk_widget_get_visible (self->reaction_bar)
    ? self->reaction_bar : NULL;
}

GtkWidget *
koi_message_row_get_quote_block (KoiMessageRow *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_ROW (self), NULL);

  return self->quote_block != NULL && gtk_widget_get_visible (self->quote_block)
    ? self->quote_block : NULL;
}

GtkWidget *
koi_message_row_get_edited_button (KoiMessageRow *self)
{
  g_return_val_if_fail (KOI_IS_MESSAGE_ROW (self), NULL);

  return self->edited_button;
}

static void
menu_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  koi_message_row_popup_menu (KOI_MESSAGE_ROW (widget), -1, -1);
}

static void
koi_message_row_class_init (KoiMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_message_row_dispose;
  object_class->finalize = koi_message_row_finalize;
  object_class->get_property = koi_message_row_get_property;
  object_class->set_property = koi_message_row_set_property;

  /* The message this row shows. */
  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, KOI_TYPE_MESSAGE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The message above it, for day separators and grouping. */
  properties[PROP_PREVIOUS] =
    g_param_spec_object ("previous", NULL, NULL, KOI_TYPE_MESSAGE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (KOI_TYPE_TEXT_SIZER);
  g_type_ensure (KOI_TYPE_BUBBLE_LINE);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/koi-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, day_label);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, unread_marker);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, sender_label);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, info_label);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, line_box);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, subject_label);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, text_label);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, full_button);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, lock_image);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, state_image);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, edited_button);
  gtk_widget_class_bind_template_child (widget_class, KoiMessageRow, edited_label);
  gtk_widget_class_bind_template_callback (widget_class, on_activate_link);
  gtk_widget_class_bind_template_callback (widget_class, on_full_clicked);

  gtk_widget_class_install_action (widget_class, "message-row.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "message-row.edit-history", NULL, edit_history_action);
  gtk_widget_class_install_action (widget_class, "message-row.react-more", NULL, react_more_action);
  /* The keyboard path to the context menu: the Menu key or Shift+F10 on
   * the focused row, as everywhere in GTK. */
  gtk_widget_class_install_action (widget_class, "message-row.menu", NULL, menu_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, "message-row.menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "message-row.menu", NULL);
  gtk_widget_class_set_css_name (widget_class, "koi-message-row");
}

static void
koi_message_row_init (KoiMessageRow *self)
{
  GtkGesture *click;
  GtkGesture *long_press;

  instance_count++;
  gtk_widget_init_template (GTK_WIDGET (self));
  self->files_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_visible (self->files_box, FALSE);
  /* After the text (inside its KoiTextSizer). */
  gtk_box_insert_child_after (GTK_BOX (self->bubble), self->files_box,
                              gtk_widget_get_parent (GTK_WIDGET (self->text_label)));
  /* Above the time line, in code so the bubble's .ui stays as it was. */
  self->note = koi_message_note_new ();
  gtk_widget_insert_before (self->note, self->bubble, gtk_widget_get_parent (GTK_WIDGET (self->time_label)));
  update_all (self);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect_object (click, "pressed", G_CALLBACK (on_right_click), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  long_press = gtk_gesture_long_press_new ();
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (long_press), TRUE);
  g_signal_connect_object (long_press, "pressed", G_CALLBACK (on_long_press), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (long_press));
}
