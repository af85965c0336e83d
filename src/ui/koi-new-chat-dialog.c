/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-new-chat-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-chat-filter.h"
#include "koi-chat-row.h"
#include "koi-compat.h"
#include "koi-new-chat-dialog.h"
#include "koi-ui-format.h"

struct _KoiNewChatDialog
{
  KoiDialogBase    parent_instance;

  GtkStack        *start_stack;
  GtkWidget       *start_button;
  GtkWidget       *spinner;
  AdwEntryRow     *address_row;
  GtkLabel        *error_label;
  GtkListView     *chat_view;

  KoiChatList     *chats;
  GtkStringFilter *filter;
  GtkSingleSelection *selection;
  GCancellable    *cancellable;
};

G_DEFINE_FINAL_TYPE (KoiNewChatDialog, koi_new_chat_dialog, KOI_TYPE_DIALOG_BASE)

enum {
  SIGNAL_CHAT_CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_error (KoiNewChatDialog *self,
            const char       *message)
{
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);

  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->address_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->address_row), "error");
}

static void
set_busy (KoiNewChatDialog *self,
          gboolean          busy)
{
  gtk_stack_set_visible_child (self->start_stack, busy ? self->spinner : self->start_button);
  gtk_widget_set_sensitive (GTK_WIDGET (self->address_row), !busy);
}

static void
update_start_enabled (KoiNewChatDialog *self)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->address_row)));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "new-chat.start",
                                 *g_strstrip (text) != '\0');
}

static void
choose (KoiNewChatDialog *self,
        KoiChat          *chat)
{
  g_signal_emit (self, signals[SIGNAL_CHAT_CHOSEN], 0, chat);
  koi_compat_dialog_close (self);
}

static void
ensure_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (KoiNewChatDialog) self = user_data;
  g_autoptr (KoiChat) chat = NULL;
  g_autoptr (GError) error = NULL;

  chat = koi_chat_list_ensure_for_peer_finish (KOI_CHAT_LIST (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  set_busy (self, FALSE);

  if (chat == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot start the chat: %s"), error->message);

      show_error (self, message);
      return;
    }

  choose (self, chat);
}

void
koi_new_chat_dialog_start (KoiNewChatDialog *self)
{
  g_autofree char *address = NULL;
  KoiChat *existing;

  g_return_if_fail (KOI_IS_NEW_CHAT_DIALOG (self));

  address = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->address_row)));
  g_strstrip (address);
  if (*address == '\0')
    return;

  if (!koi_ui_address_is_valid (address))
    {
      g_autofree char *message =
        g_strdup_printf (_("“%s” is not an email address. An address looks like name@example.org."),
                         address);

      show_error (self, message);
      return;
    }

  show_error (self, NULL);

  existing = self->chats != NULL ? koi_chat_list_find_by_peer (self->chats, address) : NULL;
  if (existing != NULL)
    {
      choose (self, existing);
      return;
    }

  if (self->chats == NULL)
    {
      show_error (self, _("Add an account before starting a chat."));
      return;
    }

  set_busy (self, TRUE);
  koi_chat_list_ensure_for_peer_async (self->chats, address, self->cancellable,
                                       ensure_done, g_object_ref (self));
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  koi_new_chat_dialog_start (KOI_NEW_CHAT_DIALOG (widget));
}

static void
on_address_changed (KoiNewChatDialog *self,
                    GtkEditable      *editable)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (editable));

  /* The error was about the text as it was; typing is the fix. */
  show_error (self, NULL);
  update_start_enabled (self);
  gtk_string_filter_set_search (self->filter, g_strstrip (text));
}

static void
on_address_activated (KoiNewChatDialog *self,
                      AdwEntryRow      *row)
{
  koi_new_chat_dialog_start (self);
}

static void
on_chat_activated (KoiNewChatDialog *self,
                   guint             position,
                   GtkListView      *view)
{
  g_autoptr (KoiChat) chat = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (chat != NULL)
    choose (self, chat);
}

void
koi_new_chat_dialog_set_address (KoiNewChatDialog *self,
                                 const char       *address)
{
  g_return_if_fail (KOI_IS_NEW_CHAT_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->address_row), address != NULL ? address : "");
}

const char *
koi_new_chat_dialog_get_error (KoiNewChatDialog *self)
{
  g_return_val_if_fail (KOI_IS_NEW_CHAT_DIALOG (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
    ? gtk_label_get_label (self->error_label) : "";
}

GtkWidget *
koi_new_chat_dialog_new (KoiChatList *chats)
{
  KoiNewChatDialog *self;
  GtkFilterListModel *filtered;

  g_return_val_if_fail (chats == NULL || KOI_IS_CHAT_LIST (chats), NULL);

  self = g_object_new (KOI_TYPE_NEW_CHAT_DIALOG, NULL);
  g_set_object (&self->chats, chats);

  filtered = gtk_filter_list_model_new (chats != NULL ? g_object_ref (G_LIST_MODEL (chats)) : NULL,
                                        GTK_FILTER (g_object_ref (self->filter)));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (filtered));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_list_view_set_model (self->chat_view, GTK_SELECTION_MODEL (self->selection));

  return GTK_WIDGET (self);
}

static void
koi_new_chat_dialog_dispose (GObject *object)
{
  KoiNewChatDialog *self = KOI_NEW_CHAT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (object), KOI_TYPE_NEW_CHAT_DIALOG);
  g_clear_object (&self->selection);
  g_clear_object (&self->filter);
  g_clear_object (&self->chats);

  G_OBJECT_CLASS (koi_new_chat_dialog_parent_class)->dispose (object);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  koi_compat_dialog_close (widget);
}

static void
koi_new_chat_dialog_class_init (KoiNewChatDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_new_chat_dialog_dispose;

  /**
   * KoiNewChatDialog::chat-chosen:
   * @chat: the chat to open
   */
  signals[SIGNAL_CHAT_CHOSEN] =
    g_signal_new ("chat-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KOI_TYPE_CHAT);

  g_type_ensure (KOI_TYPE_CHAT_ROW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/koi-new-chat-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, KoiNewChatDialog, start_stack);
  gtk_widget_class_bind_template_child (widget_class, KoiNewChatDialog, start_button);
  gtk_widget_class_bind_template_child (widget_class, KoiNewChatDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, KoiNewChatDialog, address_row);
  gtk_widget_class_bind_template_child (widget_class, KoiNewChatDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, KoiNewChatDialog, chat_view);
  gtk_widget_class_bind_template_callback (widget_class, on_address_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_address_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_chat_activated);

  gtk_widget_class_install_action (widget_class, "new-chat.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "new-chat.cancel", NULL, cancel_action);
  koi_compat_dialog_class_init (widget_class);
}

/* The address is what the user came to type: the dialog opens with the
 * focus there (both widget sets; AdwDialog would otherwise focus its
 * first button). */
static void
on_map (KoiNewChatDialog *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->address_row));
}

static void
koi_new_chat_dialog_init (KoiNewChatDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);

  self->cancellable = g_cancellable_new ();
  self->filter = koi_chat_filter_new ();
  update_start_enabled (self);
}
