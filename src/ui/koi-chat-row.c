/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-chat-row"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-compat.h"
#include "koi-chat-row.h"
#include "koi-group-info.h"
#include "koi-ui-format.h"

/* Relative times ("5 min") go stale; a visible row refreshes itself. Only
 * the few rows on screen exist, so one timer each is cheap. */
#define REFRESH_SECONDS 30

struct _KoiChatRow
{
  GtkWidget  parent_instance;

  AdwAvatar *avatar;
  GtkLabel  *title_label;
  GtkLabel  *time_label;
  GtkLabel  *preview_label;
  GtkLabel  *request_label;
  GtkLabel  *unread_label;

  KoiChat   *item;
  guint      refresh_id;
};

G_DEFINE_FINAL_TYPE (KoiChatRow, koi_chat_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GtkWidget *
koi_chat_row_new (void)
{
  return g_object_new (KOI_TYPE_CHAT_ROW, NULL);
}

static void
update_time (KoiChatRow *self)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *when = NULL;

  if (self->item == NULL || !koi_chat_get_has_messages (self->item))
    {
      gtk_label_set_label (self->time_label, "");
      return;
    }

  when = koi_ui_format_relative_time (koi_chat_get_last_activity (self->item), now);
  gtk_label_set_label (self->time_label, when);
}

static void
update_preview (KoiChatRow *self)
{
  const char *text = NULL;
  const char *draft;
  g_autofree char *one_line = NULL;
  g_autofree char *preview = NULL;

  if (self->item != NULL)
    text = koi_chat_get_last_text (self->item);

  /* An unsent draft is what the user most needs to be reminded of. */
  draft = self->item != NULL ? koi_chat_get_draft (self->item) : NULL;
  if (draft != NULL && draft[0] == '\0')
    draft = NULL;
  if (draft != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->preview_label), "draft");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->preview_label), "draft");
  if (draft != NULL)
    {
      one_line = g_strdup (draft);
      g_strdelimit (one_line, "\r\n\t", ' ');
      /* TRANSLATORS: chat list preview of a message the user typed and did not send */
      preview = g_strdup_printf (_("Draft: %s"), one_line);
      gtk_label_set_label (self->preview_label, preview);
      return;
    }

  if (self->item == NULL || !koi_chat_get_has_messages (self->item))
    {
      gtk_label_set_label (self->preview_label, self->item != NULL ? _("No messages yet") : "");
      return;
    }

  /* A preview is one line: line breaks would be cut by single-line mode
   * at an odd place, so they become spaces. */
  one_line = g_strdup (text != NULL ? text : "");
  g_strdelimit (one_line, "\r\n\t", ' ');

  {
    const char *arg = NULL;
    int info = koi_chat_get_last_group_info (self->item, &arg);

    /* A group change previews as its info line, in the viewer's language. */
    if (info != 0)
      preview = koi_group_info_format (info, arg, koi_chat_get_last_from (self->item),
                                       koi_chat_get_last_direction (self->item) == KOI_MESSAGE_OUTGOING);
  }

  if (preview == NULL && koi_chat_get_last_direction (self->item) == KOI_MESSAGE_OUTGOING)
    {
      if (koi_chat_get_last_state (self->item) == KOI_MESSAGE_FAILED)
        /* TRANSLATORS: chat list preview of your own message that could not be sent */
        preview = g_strdup_printf (_("Not sent: %s"), one_line);
      else
        /* TRANSLATORS: chat list preview of your own last message */
        preview = g_strdup_printf (_("You: %s"), one_line);
    }
  else if (preview == NULL && koi_chat_get_is_group (self->item) && koi_chat_get_last_from (self->item) != NULL)
    /* TRANSLATORS: chat list preview of a group's last message: "Bob: see you" */
    preview = g_strdup_printf (_("%s: %s"), koi_chat_get_last_from (self->item), one_line);
  else if (preview == NULL)
    preview = g_steal_pointer (&one_line);

  gtk_label_set_label (self->preview_label, preview);
}

static void
update_request (KoiChatRow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->request_label),
                          self->item != NULL && koi_chat_get_request (self->item) == KOI_CHAT_REQUEST);
}

static void
update_unread (KoiChatRow *self)
{
  guint unread = self->item != NULL ? koi_chat_get_unread_count (self->item) : 0;
  g_autofree char *text = NULL;
  g_autofree char *description = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->unread_label), unread > 0);
  if (unread == 0)
    {
      gtk_label_set_label (self->unread_label, "");
      return;
    }

  text = unread > 999 ? g_strdup ("999+") : g_strdup_printf ("%u", unread);
  gtk_label_set_label (self->unread_label, text);

  description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u unread message",
                                              "%u unread messages", unread), unread);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->unread_label), description);
}

static void
update_title (KoiChatRow *self)
{
  const char *title = self->item != NULL ? koi_chat_get_title (self->item) : NULL;
  const char *address = self->item != NULL ? koi_chat_get_peer_address (self->item) : NULL;

  gtk_label_set_label (self->title_label, title != NULL ? title : "");
  /* AdwAvatar takes colour and initials from one text; the address keeps
   * the colour stable when a contact's name is learned later. */
  adw_avatar_set_text (self->avatar, address != NULL ? address : title);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label),
                               g_strcmp0 (title, address) != 0 ? address : NULL);
}

static void
on_item_notify (KoiChatRow *self,
                GParamSpec *pspec,
                KoiChat    *item)
{
  const char *name = pspec->name;

  if (g_str_equal (name, "title") || g_str_equal (name, "peer-address"))
    update_title (self);
  else if (g_str_equal (name, "unread-count"))
    update_unread (self);
  else if (g_str_equal (name, "request"))
    update_request (self);
  else if (g_str_equal (name, "last-activity"))
    update_time (self);
  else if (g_str_equal (name, "last-text") || g_str_equal (name, "last-direction")
           || g_str_equal (name, "last-state") || g_str_equal (name, "has-messages")
           || g_str_equal (name, "draft"))
    {
      update_preview (self);
      update_time (self);
    }
}

KoiChat *
koi_chat_row_get_item (KoiChatRow *self)
{
  g_return_val_if_fail (KOI_IS_CHAT_ROW (self), NULL);

  return self->item;
}

void
koi_chat_row_set_item (KoiChatRow *self,
                       KoiChat    *item)
{
  g_return_if_fail (KOI_IS_CHAT_ROW (self));
  g_return_if_fail (item == NULL || KOI_IS_CHAT (item));

  if (self->item == item)
    return;

  if (self->item != NULL)
    g_signal_handlers_disconnect_by_func (self->item, on_item_notify, self);

  g_set_object (&self->item, item);

  if (self->item != NULL)
    g_signal_connect_object (self->item, "notify", G_CALLBACK (on_item_notify),
                             self, G_CONNECT_SWAPPED);

  update_title (self);
  update_preview (self);
  update_time (self);
  update_unread (self);
  update_request (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

const char *
koi_chat_row_get_title_text (KoiChatRow *self)
{
  return gtk_label_get_label (self->title_label);
}

const char *
koi_chat_row_get_preview_text (KoiChatRow *self)
{
  return gtk_label_get_label (self->preview_label);
}

const char *
koi_chat_row_get_time_text (KoiChatRow *self)
{
  return gtk_label_get_label (self->time_label);
}

const char *
koi_chat_row_get_unread_text (KoiChatRow *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->unread_label))
    ? gtk_label_get_label (self->unread_label) : "";
}

static gboolean
refresh_cb (gpointer user_data)
{
  update_time (KOI_CHAT_ROW (user_data));
  return G_SOURCE_CONTINUE;
}

static void
koi_chat_row_map (GtkWidget *widget)
{
  KoiChatRow *self = KOI_CHAT_ROW (widget);

  GTK_WIDGET_CLASS (koi_chat_row_parent_class)->map (widget);

  update_time (self);
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, refresh_cb, self);
}

static void
koi_chat_row_unmap (GtkWidget *widget)
{
  KoiChatRow *self = KOI_CHAT_ROW (widget);

  g_clear_handle_id (&self->refresh_id, g_source_remove);

  GTK_WIDGET_CLASS (koi_chat_row_parent_class)->unmap (widget);
}

static void
koi_chat_row_dispose (GObject *object)
{
  KoiChatRow *self = KOI_CHAT_ROW (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  koi_chat_row_set_item (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), KOI_TYPE_CHAT_ROW);
  /* GTK 4.8 unparents only the template children that have an id. */
  koi_widget_unparent_children (GTK_WIDGET (object));

  G_OBJECT_CLASS (koi_chat_row_parent_class)->dispose (object);
}

static void
koi_chat_row_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  KoiChatRow *self = KOI_CHAT_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_chat_row_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  KoiChatRow *self = KOI_CHAT_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      koi_chat_row_set_item (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_chat_row_class_init (KoiChatRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_chat_row_dispose;
  object_class->get_property = koi_chat_row_get_property;
  object_class->set_property = koi_chat_row_set_property;
  widget_class->map = koi_chat_row_map;
  widget_class->unmap = koi_chat_row_unmap;

  /* The chat this row shows. */
  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL, KOI_TYPE_CHAT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/koi-chat-row.ui");
  gtk_widget_class_bind_template_child (widget_class, KoiChatRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, KoiChatRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, KoiChatRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, KoiChatRow, preview_label);
  gtk_widget_class_bind_template_child (widget_class, KoiChatRow, request_label);
  gtk_widget_class_bind_template_child (widget_class, KoiChatRow, unread_label);
  gtk_widget_class_set_css_name (widget_class, "koi-chat-row");
}

static void
koi_chat_row_init (KoiChatRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
