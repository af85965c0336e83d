/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-window"

#include "config.h"

#include <glib/gi18n.h>

#include "koi-cert-review.h"
#include "koi-chat-filter.h"
#include "koi-coi-offer.h"
#include "koi-chat-row.h"
#include "koi-compat.h"
#include "koi-password-prompt.h"
#include "koi-window-private.h"

G_DEFINE_FINAL_TYPE (KoiWindow, koi_window, ADW_TYPE_APPLICATION_WINDOW)

KoiWindow *
koi_window_new (KoiApplication *application)
{
  KoiWindow *self = g_object_new (KOI_TYPE_WINDOW, "application", application, NULL);

  if (application != NULL)
    koi_window_set_session (self, koi_application_get_session (application));

  return self;
}

void
koi_window_show_toast (KoiWindow  *self,
                       const char *message)
{
  AdwToast *toast;

  g_return_if_fail (KOI_IS_WINDOW (self));

  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static const char *
connection_text (KoiAccount *account)
{
  switch (koi_account_get_connection_state (account))
    {
    case KOI_CONNECTION_CONNECTING:
      return _("Connecting…");
    case KOI_CONNECTION_SYNCING:
      return _("Updating…");
    case KOI_CONNECTION_ONLINE:
      return NULL;
    case KOI_CONNECTION_RECONNECTING:
      return _("Reconnecting…");
    case KOI_CONNECTION_FAILED:
      return _("Not connected");
    case KOI_CONNECTION_OFFLINE:
    default:
      return _("Offline — messages will be sent when the connection is back");
    }
}

/* Why the engine is not connected, in words a user can act on. */
static const char *
problem_text (KoiConnectionProblem problem)
{
  switch (problem)
    {
    case KOI_CONNECTION_PROBLEM_HOST_NOT_FOUND:
      return _("the mail server’s name was not found. Check the internet connection.");
    case KOI_CONNECTION_PROBLEM_REFUSED:
      return _("the mail server refused the connection. It may be down.");
    case KOI_CONNECTION_PROBLEM_TLS:
      return _("no secure connection to the mail server could be made.");
    case KOI_CONNECTION_PROBLEM_LOGIN:
      return _("the mail server refused the login.");
    case KOI_CONNECTION_PROBLEM_TIMEOUT:
      return _("the mail server did not answer in time.");
    case KOI_CONNECTION_PROBLEM_DISCONNECTED:
      return _("the connection to the mail server broke.");
    case KOI_CONNECTION_PROBLEM_NONE:
    case KOI_CONNECTION_PROBLEM_OTHER:
    default:
      return NULL;
    }
}

/* The engine stopped because the server refused the saved password. */
static gboolean
password_refused (KoiWindow *self)
{
  return koi_account_get_connection_state (self->account) == KOI_CONNECTION_FAILED
    && koi_account_get_connection_problem (self->account) == KOI_CONNECTION_PROBLEM_LOGIN
    && koi_account_get_engine (self->account) != NULL;
}

const char *
koi_window_get_connection_text (KoiWindow *self)
{
  g_return_val_if_fail (KOI_IS_WINDOW (self), NULL);

  return adw_window_title_get_subtitle (self->account_title);
}

/* The header's subtitle says how the connection is, and is the address
 * once all is well: quiet when nothing needs attention. Where there is a
 * banner, it says so too while the account is cut off (not while it is
 * only starting up). */
static void
update_connection (KoiWindow *self)
{
  const char *text = NULL;
  const char *banner = NULL;
  const char *button = NULL;
  g_autofree char *with_reason = NULL;

  if (self->account != NULL)
    {
      KoiConnectionState state = koi_account_get_connection_state (self->account);
      const char *reason = koi_account_get_last_error (self->account);
      const char *problem = problem_text (koi_account_get_connection_problem (self->account));

      text = connection_text (self->account);
      if (state == KOI_CONNECTION_RECONNECTING || state == KOI_CONNECTION_FAILED
          || state == KOI_CONNECTION_OFFLINE)
        banner = text;
      /* The banner has room for why: the server's own words. */
      /* The engine's kind of trouble says more than its last words. */
      if (problem != NULL && state == KOI_CONNECTION_RECONNECTING)
        /* TRANSLATORS: in the window's banner; %s is why, e.g. "the mail
         * server refused the connection. It may be down." */
        banner = with_reason = g_strdup_printf (_("Reconnecting: %s"), problem);
      else if (reason != NULL && *reason != '\0' && state == KOI_CONNECTION_RECONNECTING)
        /* TRANSLATORS: in the window's banner; %s is why the connection was lost */
        banner = with_reason = g_strdup_printf (_("Reconnecting: %s"), reason);
      else if (reason != NULL && *reason != '\0' && state == KOI_CONNECTION_FAILED)
        /* TRANSLATORS: in the window's banner; %s is why Koi cannot connect */
        banner = with_reason = g_strdup_printf (_("Not connected: %s"), reason);
      /* Waiting out a backoff: the user can cut it short (the network
       * is back, the server restarted). */
      if (state == KOI_CONNECTION_RECONNECTING && koi_account_get_engine (self->account) != NULL)
        button = _("Reconnect Now");
      /* A refused password: only the user knows the right one. The
       * engine has stopped (retrying gets accounts locked), so the button
       * asks for it and starts it again. */
      if (state == KOI_CONNECTION_FAILED && password_refused (self))
        {
          text = _("Not connected: the password was not accepted");
          banner = _("Not connected: the mail server did not accept the password.");
          button = _("_Enter Password…");
        }
      /* A refused certificate is the user's to judge: the same review as
       * Preferences → Server Certificates, one click away. */
      if (state == KOI_CONNECTION_FAILED && koi_account_get_certificate_refused (self->account))
        {
          text = _("Not connected: review the server certificate");
          button = _("_Review…");
        }
      /* No engine could start, and none will until the user acts: the
       * keyring lost the password (a reset, a new keyring), or could not
       * be read (locked). Without this the window looked merely offline. */
      switch (koi_account_get_stopped (self->account))
        {
        case KOI_ACCOUNT_STOPPED_NO_PASSWORD:
          text = _("Not connected: no saved password");
          banner = _("Not connected: the keyring has no password for this account.");
          button = _("_Enter Password…");
          break;
        case KOI_ACCOUNT_STOPPED_KEYRING:
          text = _("Not connected: the keyring could not be read");
          banner = _("Not connected: the keyring could not be read. Unlock it, then try again.");
          button = _("_Try Again");
          break;
        case KOI_ACCOUNT_STOPPED_NONE:
        default:
          break;
        }
      /* Receiving works, sending does not: the sending server wants
       * another password (or the saved one changed there). Messages wait
       * in the outbox meanwhile. */
      if (koi_account_get_sending_refused (self->account) && state != KOI_CONNECTION_FAILED
          && koi_account_get_stopped (self->account) == KOI_ACCOUNT_STOPPED_NONE)
        {
          const KoiAccountConfig *servers = koi_account_get_servers (self->account);

          text = _("Not sending: the password was not accepted");
          /* TRANSLATORS: in the window's banner; %s is the sending (SMTP)
           * server's name, e.g. "smtp.example.org" */
          g_free (with_reason);
          banner = with_reason = g_strdup_printf (_("Not sending: the sending server %s did not accept the password."),
                                                  servers != NULL ? servers->smtp->host : "");
          button = _("_Enter Password…");
        }
      /* Above the connection: new mail is lost to the user until there
       * is room, and only they can make it. */
      if (koi_account_get_disk_full (self->account))
        {
          text = banner = _("Disk full: new messages cannot be saved. Free some space; Koi retries.");
          /* Reconnect Now does it, but it is no connection that failed:
           * the user freed space and wants Koi to look now. */
          button = _("_Try Again");
        }
      if (text == NULL)
        text = koi_account_get_address (self->account);
    }

  adw_window_title_set_subtitle (self->account_title, text != NULL ? text : "");
  if (self->connection_banner != NULL)
    {
      koi_compat_banner_set_title (self->connection_banner, banner);
      koi_compat_banner_set_button_label (self->connection_banner, banner != NULL ? button : NULL);
    }
}

static void
on_banner_button_clicked (KoiWindow *self)
{
  if (self->account == NULL)
    return;
  /* The banner's one button: Enter Password… for a refused password,
   * Review… for a refused certificate, Reconnect Now while waiting out a
   * backoff. */
  if (koi_account_get_stopped (self->account) == KOI_ACCOUNT_STOPPED_KEYRING && self->session != NULL)
    koi_session_retry_account (self->session, self->account);
  else if ((password_refused (self)
            || koi_account_get_stopped (self->account) == KOI_ACCOUNT_STOPPED_NO_PASSWORD
            || koi_account_get_sending_refused (self->account))
           && self->session != NULL)
    koi_password_prompt_run (self->session, self->account, GTK_WIDGET (self));
  else if (koi_account_get_certificate_refused (self->account))
    koi_cert_review_run (self->account, GTK_WIDGET (self));
  else
    koi_account_reconnect_now (self->account);
}

static void
on_coi_server_offered (KoiWindow  *self,
                       KoiAccount *account)
{
  koi_coi_offer_ask (account, GTK_WIDGET (self));
}

GtkWidget *
koi_window_get_connection_banner (KoiWindow *self)
{
  g_return_val_if_fail (KOI_IS_WINDOW (self), NULL);

  return self->connection_banner;
}

static void
on_account_connection_changed (KoiWindow  *self,
                               GParamSpec *pspec,
                               KoiAccount *account)
{
  update_connection (self);
}

/* TRUE when the banner states the account's trouble and what to do about
 * it, for as long as it lasts: a toast would only repeat it once in the
 * server's or SQLite's words ("535 5.7.8", "SQLite error 13"). */
static gboolean
banner_explains_trouble (KoiWindow *self)
{
  return self->connection_banner != NULL &&
         (koi_account_get_disk_full (self->account) ||
          koi_account_get_sending_refused (self->account) ||
          koi_account_get_certificate_refused (self->account) ||
          password_refused (self));
}

static void
on_account_error_changed (KoiWindow  *self,
                          GParamSpec *pspec,
                          KoiAccount *account)
{
  const char *error = koi_account_get_last_error (account);

  if (error != NULL && *error != '\0' && !banner_explains_trouble (self))
    koi_window_show_toast (self, error);
  update_connection (self);
}

static void
update_chat_list_page (KoiWindow *self)
{
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  gboolean searching = search != NULL && *search != '\0';
  guint n = self->filtered != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) : 0;
  guint found = koi_search_results_get_n_results (self->search_results);
  gboolean busy = koi_search_results_get_busy (self->search_results);
  gboolean show_messages = searching && found > 0;

  if (n > 0)
    gtk_stack_set_visible_child_name (self->chat_list_stack, "list");
  else if (searching)
    gtk_stack_set_visible_child_name (self->chat_list_stack, "no-results");
  else
    gtk_stack_set_visible_child_name (self->chat_list_stack, "empty");

  /* While searching, the chats whose names match sit above the messages
   * whose text does, the chats taking only what they need; "Nothing
   * Found" only once neither has anything (not while the messages are
   * still being looked up). */
  gtk_widget_set_visible (GTK_WIDGET (self->chat_list_stack),
                          !searching || n > 0 || (found == 0 && !busy));
  gtk_widget_set_visible (GTK_WIDGET (self->search_results), show_messages);
  gtk_widget_set_vexpand (GTK_WIDGET (self->chat_list_stack), !show_messages);
  /* A homogeneous stack would be as tall as its tallest page (the empty
   * state), not as the chats found. */
  gtk_stack_set_vhomogeneous (self->chat_list_stack, !show_messages);
  gtk_scrolled_window_set_propagate_natural_height (self->chat_list_scroller, show_messages);
  gtk_scrolled_window_set_max_content_height (self->chat_list_scroller, show_messages ? 200 : -1);
}

/* The open chat stays marked in the list whenever both are on screen: a
 * search that hid its row, or folding (which unselects, so a click opens
 * it again), would otherwise leave no row marked once the list shows it
 * beside the conversation again. */
static void
reselect_open_chat (KoiWindow *self)
{
  KoiChat *open = koi_conversation_view_get_chat (self->conversation_view);
  guint n;

  if (self->selection == NULL || open == NULL ||
      koi_compat_split_get_collapsed (self->split_view) ||
      gtk_single_selection_get_selected_item (self->selection) == open)
    return;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiChat) item = g_list_model_get_item (G_LIST_MODEL (self->selection), i);

      if (item == open)
        {
          gtk_single_selection_set_selected (self->selection, i);
          break;
        }
    }
}

static void
on_filtered_items_changed (KoiWindow  *self,
                           guint       position,
                           guint       removed,
                           guint       added,
                           GListModel *model)
{
  update_chat_list_page (self);
  koi_window_update_actions (self);
  reselect_open_chat (self);
}

/* A message that arrives in the chat the user is looking at is read.
 * "Looking at" is strict, because marking read also sends the read
 * receipts the messages asked for: the chat is open, on screen (not folded
 * away) and the window is the active one. A window in the background keeps
 * its messages unread, and they are read when the user comes back to it. */
static void
mark_open_chat_read (KoiWindow *self)
{
  if (self->open_chat == NULL || self->account == NULL ||
      koi_chat_get_unread_count (self->open_chat) == 0)
    return;

  if (!gtk_widget_get_mapped (GTK_WIDGET (self)) || !gtk_window_is_active (GTK_WINDOW (self)))
    return;

  /* Folded with the list in front, the conversation is not on screen. */
  if (!koi_compat_split_get_content_shown (self->split_view))
    return;

  koi_chat_list_mark_read (koi_account_get_chats (self->account), koi_chat_get_id (self->open_chat));
}

static void
watch_open_chat (KoiWindow *self,
                 KoiChat   *chat)
{
  if (self->open_chat == chat)
    return;

  if (self->open_chat != NULL)
    g_clear_signal_handler (&self->open_chat_unread_id, self->open_chat);
  g_set_object (&self->open_chat, chat);
  if (chat != NULL)
    self->open_chat_unread_id = g_signal_connect_object (chat, "notify::unread-count",
                                                         G_CALLBACK (mark_open_chat_read), self,
                                                         G_CONNECT_SWAPPED);
}

/* The application's preferences; NULL in a window without KoiApplication
 * (tests), which then follows the defaults. */
static GSettings *
app_settings (KoiWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return KOI_IS_APPLICATION (app) ? koi_application_get_settings (KOI_APPLICATION (app)) : NULL;
}

/* The title the taskbar shows: the account, and how many messages wait
 * unread in all its chats, as "(3) Koi — alice@example.org". Chats the
 * list does not show (a deleted request, hidden email) do not count. */
static void
update_window_title (KoiWindow *self)
{
  GListModel *chats;
  g_autofree char *title = NULL;
  KoiOrdinaryEmail mode;
  guint unread = 0;

  if (self->account == NULL)
    return;
  mode = koi_ordinary_email_setting (app_settings (self));
  chats = G_LIST_MODEL (koi_account_get_chats (self->account));
  for (guint i = 0; i < g_list_model_get_n_items (chats); i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (chats, i);

      if (koi_chat_is_listed (chat, mode))
        unread += koi_chat_get_unread_count (chat);
    }

  /* TRANSLATORS: window title: the app and the account's address */
  title = g_strdup_printf (_("Koi — %s"), koi_account_get_address (self->account));
  if (unread > 0)
    {
      g_autofree char *plain = g_steal_pointer (&title);

      title = g_strdup_printf ("(%u) %s", unread, plain);
    }
  gtk_window_set_title (GTK_WINDOW (self), title);
}

static void
on_chats_changed (KoiWindow  *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *chats)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (chats, i);

      /* A chat that moves comes back as the same object: connect once. */
      if (g_object_get_data (G_OBJECT (chat), "koi-window-title") == self)
        continue;
      g_object_set_data (G_OBJECT (chat), "koi-window-title", self);
      g_signal_connect_object (chat, "notify::unread-count", G_CALLBACK (update_window_title), self,
                               G_CONNECT_SWAPPED);
    }
  update_window_title (self);
}

/* The header names the open chat; a 1:1 chat's name follows its contact
 * card when that is edited (here or on another device). */
static void
update_chat_title (KoiWindow  *self,
                   GParamSpec *pspec,
                   KoiChat    *chat)
{
  const char *title, *address;

  if (chat != self->open_chat)
    return;
  title = koi_chat_get_title (chat);
  address = koi_chat_get_peer_address (chat);
  adw_window_title_set_title (self->chat_title, title);
  adw_window_title_set_subtitle (self->chat_title,
                                 address != NULL && g_strcmp0 (title, address) != 0 ? address : "");
}

/* The header's padlock: the next message in the open chat goes end-to-end
 * encrypted. That is what the engine decides when sending
 * (koi-syncer-encrypt.c): every other member's key is known and the user
 * lets it encrypt. It follows both, so it appears as a key arrives. */
static void
update_chat_lock (KoiWindow *self)
{
  GSettings *settings = app_settings (self);
  gboolean allowed = settings == NULL || g_settings_get_boolean (settings, "encrypt-when-possible");

  if (settings != NULL && !self->watching_encrypt)
    {
      self->watching_encrypt = TRUE;
      g_signal_connect_object (settings, "changed::encrypt-when-possible",
                               G_CALLBACK (update_chat_lock), self, G_CONNECT_SWAPPED);
    }
  gtk_widget_set_visible (self->chat_lock_image,
                          allowed && self->open_chat != NULL &&
                          koi_chat_get_keys_known (self->open_chat) &&
                          !koi_chat_get_not_member (self->open_chat));
}

static void
on_chat_keys_known (KoiWindow  *self,
                    GParamSpec *pspec,
                    KoiChat    *chat)
{
  if (chat == self->open_chat)
    update_chat_lock (self);
}

static void
show_chat (KoiWindow *self,
           KoiChat   *chat)
{
  KoiChat *current = koi_conversation_view_get_chat (self->conversation_view);

  watch_open_chat (self, chat);
  /* Group details, or the chat partner's contact card. */
  gtk_widget_set_visible (self->details_button, chat != NULL);
  if (chat != NULL)
    gtk_widget_set_tooltip_text (self->details_button,
                                 koi_chat_get_is_group (chat) ? _("Group Details") : _("Contact"));
  if (chat != NULL && g_object_get_data (G_OBJECT (chat), "koi-window-chat-title") != self)
    {
      g_object_set_data (G_OBJECT (chat), "koi-window-chat-title", self);
      g_signal_connect_object (chat, "notify::title", G_CALLBACK (update_chat_title), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (chat, "notify::keys-known", G_CALLBACK (on_chat_keys_known), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (chat, "notify::not-member", G_CALLBACK (on_chat_keys_known), self,
                               G_CONNECT_SWAPPED);
    }
  koi_window_update_actions (self);
  update_chat_lock (self);

  if (chat == NULL)
    {
      koi_conversation_view_set_chat (self->conversation_view, NULL);
      adw_window_title_set_title (self->chat_title, "");
      adw_window_title_set_subtitle (self->chat_title, "");
      gtk_stack_set_visible_child_name (self->conversation_stack, "none");
      return;
    }

  if (current != chat)
    {
      const char *title = koi_chat_get_title (chat);
      const char *address = koi_chat_get_peer_address (chat);

      koi_conversation_view_set_chat (self->conversation_view, chat);
      adw_window_title_set_title (self->chat_title, title);
      adw_window_title_set_subtitle (self->chat_title,
                                     g_strcmp0 (title, address) != 0 ? address : "");
      gtk_stack_set_visible_child_name (self->conversation_stack, "chat");
    }

  mark_open_chat_read (self);
}

static void
on_selection_changed (KoiWindow          *self,
                      GParamSpec         *pspec,
                      GtkSingleSelection *selection)
{
  KoiChat *chat = gtk_single_selection_get_selected_item (selection);

  /* An unselect (folded, back at the list) keeps the open chat. */
  if (chat == NULL)
    return;

  show_chat (self, chat);
  koi_compat_split_show_content (self->split_view, TRUE);
  koi_window_update_actions (self);
}

static void
on_chat_activated (KoiWindow   *self,
                   guint        position,
                   GtkListView *view)
{
  gtk_single_selection_set_selected (self->selection, position);
  koi_compat_split_show_content (self->split_view, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->conversation_view));
}

/* Folded and back at the list: nothing is "selected" any more, so a click
 * on the same chat opens it again. */
static void
on_split_view_changed (KoiWindow  *self,
                       GParamSpec *pspec,
                       GtkWidget  *split_view)
{
  if (self->selection != NULL && !koi_compat_split_get_content_shown (split_view))
    gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

static void
set_account (KoiWindow  *self,
             KoiAccount *account)
{

  if (self->account == account)
    return;

  if (self->account != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->account, self);
      g_signal_handlers_disconnect_by_data (koi_account_get_chats (self->account), self);
      if (self->filtered != NULL)
        g_signal_handlers_disconnect_by_data (self->filtered, self);
      if (self->selection != NULL)
        g_signal_handlers_disconnect_by_data (self->selection, self);
    }

  show_chat (self, NULL);
  gtk_list_view_set_model (self->chat_list_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->filtered);
  g_set_object (&self->account, account);
  koi_account_switcher_set_current (self->account_switcher, account);
  koi_conversation_view_set_account (self->conversation_view, account);
  koi_search_results_set_account (self->search_results, account);
  koi_search_results_set_chats (self->search_results,
                                account != NULL ? G_LIST_MODEL (koi_account_get_chats (account)) : NULL);

  if (account == NULL)
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Koi"));
      adw_window_title_set_title (self->account_title, _("Koi"));
      update_connection (self);
      update_chat_list_page (self);
      koi_window_keyxfer_watch (self);
      return;
    }

  on_chats_changed (self, 0, 0, g_list_model_get_n_items (G_LIST_MODEL (koi_account_get_chats (account))),
                    G_LIST_MODEL (koi_account_get_chats (account)));
  g_signal_connect_object (koi_account_get_chats (account), "items-changed",
                           G_CALLBACK (on_chats_changed), self, G_CONNECT_SWAPPED);
  adw_window_title_set_title (self->account_title, koi_account_get_title (account));

  {
    GSettings *settings = app_settings (self);
    GtkEveryFilter *both = gtk_every_filter_new ();

    /* What the user searches for, among the chats the list shows at all. */
    gtk_multi_filter_append (GTK_MULTI_FILTER (both), koi_chat_listed_filter_new (settings));
    gtk_multi_filter_append (GTK_MULTI_FILTER (both), GTK_FILTER (g_object_ref (self->filter)));
    self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (koi_account_get_chats (account))),
                                                GTK_FILTER (both));
  }
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->filtered)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  gtk_list_view_set_model (self->chat_list_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (self->filtered, "items-changed",
                           G_CALLBACK (on_filtered_items_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (on_selection_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (account, "notify::connection-state",
                           G_CALLBACK (on_account_connection_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (account, "notify::connection-problem",
                           G_CALLBACK (on_account_connection_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (account, "notify::last-error",
                           G_CALLBACK (on_account_error_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (account, "notify::disk-full",
                           G_CALLBACK (on_account_connection_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (account, "notify::sending-refused",
                           G_CALLBACK (on_account_connection_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (account, "notify::stopped",
                           G_CALLBACK (on_account_connection_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (account, "coi-server-offered",
                           G_CALLBACK (on_coi_server_offered), self, G_CONNECT_SWAPPED);

  update_connection (self);
  update_chat_list_page (self);
  on_account_error_changed (self, NULL, account);
  koi_window_keyxfer_watch (self);
  koi_window_update_actions (self);
  /* Offered while another account was shown: asked now. */
  koi_coi_offer_ask (account, GTK_WIDGET (self));
}

/* The account to show: the one shown, while it exists; else the one the
 * user chose last time ("selected-account"); else the first. */
static KoiAccount *
choose_account (KoiWindow  *self,
                GListModel *accounts)
{
  GSettings *settings = app_settings (self);
  g_autofree char *chosen = settings != NULL ? g_settings_get_string (settings, "selected-account") : NULL;
  guint n = g_list_model_get_n_items (accounts);

  for (guint i = 0; i < n && self->account != NULL; i++)
    {
      g_autoptr (KoiAccount) account = g_list_model_get_item (accounts, i);

      if (account == self->account)
        return g_steal_pointer (&account);
    }
  for (guint i = 0; i < n && chosen != NULL && *chosen != '\0'; i++)
    {
      g_autoptr (KoiAccount) account = g_list_model_get_item (accounts, i);

      if (g_strcmp0 (koi_account_get_address (account), chosen) == 0)
        return g_steal_pointer (&account);
    }
  return n > 0 ? g_list_model_get_item (accounts, 0) : NULL;
}

void
koi_window_show_account (KoiWindow  *self,
                         KoiAccount *account)
{
  GSettings *settings;

  g_return_if_fail (KOI_IS_WINDOW (self));
  g_return_if_fail (KOI_IS_ACCOUNT (account));

  settings = app_settings (self);
  if (settings != NULL)
    g_settings_set_string (settings, "selected-account", koi_account_get_address (account));
  set_account (self, account);
  koi_compat_split_show_content (self->split_view, FALSE);
}

static void
on_account_activated (KoiWindow          *self,
                      KoiAccount         *account,
                      KoiAccountSwitcher *switcher)
{
  koi_window_show_account (self, account);
}

static void
update_page (KoiWindow *self)
{
  GListModel *accounts;
  g_autoptr (KoiAccount) first = NULL;

  if (self->session == NULL)
    {
      set_account (self, NULL);
      gtk_stack_set_visible_child_name (self->main_stack, "welcome");
      return;
    }

  if (!koi_session_get_loaded (self->session))
    {
      koi_compat_spinner_set_spinning (self->loading_spinner, TRUE);
      gtk_stack_set_visible_child_name (self->main_stack, "loading");
      return;
    }

  koi_compat_spinner_set_spinning (self->loading_spinner, FALSE);
  accounts = koi_session_get_accounts (self->session);
  first = choose_account (self, accounts);

  set_account (self, first);
  /* Adding another account shows the welcome form until it is done. */
  if (first != NULL && self->adding_account)
    {
      koi_window_update_actions (self);
      return;
    }
  /* The welcome form's entry that had the focus goes off screen with its
   * page: hand the focus to the page that comes instead, so no hidden
   * entry keeps it (GTK warns about a text that never lost its focus). */
  if (first != NULL &&
      g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "chats") != 0)
    {
      gtk_window_set_focus (GTK_WINDOW (self), NULL);
      gtk_stack_set_visible_child_name (self->main_stack, "chats");
      gtk_widget_child_focus (gtk_stack_get_visible_child (self->main_stack), GTK_DIR_TAB_FORWARD);
    }
  else
    gtk_stack_set_visible_child_name (self->main_stack, first != NULL ? "chats" : "welcome");
  koi_window_update_actions (self);
}

static void
on_session_loaded (KoiWindow  *self,
                   GParamSpec *pspec,
                   KoiSession *session)
{
  update_page (self);
}

static void
on_accounts_changed (KoiWindow  *self,
                     guint       position,
                     guint       removed,
                     guint       added,
                     GListModel *accounts)
{
  update_page (self);
}

void
koi_window_set_session (KoiWindow  *self,
                        KoiSession *session)
{
  g_return_if_fail (KOI_IS_WINDOW (self));

  if (self->session == session)
    return;

  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_signal_handlers_disconnect_by_data (koi_session_get_accounts (self->session), self);
    }

  g_set_object (&self->session, session);
  koi_account_switcher_set_accounts (self->account_switcher,
                                     session != NULL ? koi_session_get_accounts (session) : NULL,
                                     app_settings (self));
  koi_welcome_page_set_session (self->welcome_page, session);

  if (session != NULL)
    {
      g_signal_connect_object (session, "notify::loaded", G_CALLBACK (on_session_loaded),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (koi_session_get_accounts (session), "items-changed",
                               G_CALLBACK (on_accounts_changed), self, G_CONNECT_SWAPPED);
    }

  update_page (self);
}

KoiSession *
koi_window_get_session (KoiWindow *self)
{
  g_return_val_if_fail (KOI_IS_WINDOW (self), NULL);

  return self->session;
}

KoiAccount *
koi_window_get_account (KoiWindow *self)
{
  g_return_val_if_fail (KOI_IS_WINDOW (self), NULL);

  return self->account;
}

void
koi_window_open_chat (KoiWindow *self,
                      KoiChat   *chat)
{
  guint n;

  g_return_if_fail (KOI_IS_WINDOW (self));
  g_return_if_fail (KOI_IS_CHAT (chat));

  /* A search that hides the chat would leave it unselectable. The focus
   * leaves the search first: a hidden entry must not keep it. */
  if (gtk_search_bar_get_search_mode (self->search_bar))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->chat_list_view));
      g_clear_weak_pointer (&self->search_return_focus);
    }
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);

  n = self->selection != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->selection)) : 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiChat) item = g_list_model_get_item (G_LIST_MODEL (self->selection), i);

      if (item == chat)
        {
          gtk_single_selection_set_selected (self->selection, i);
          break;
        }
    }

  show_chat (self, chat);
  koi_compat_split_show_content (self->split_view, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->conversation_view));
}

static void
on_account_added (KoiWindow      *self,
                  KoiAccount     *account,
                  KoiWelcomePage *page)
{
  self->adding_account = FALSE;
  gtk_widget_set_visible (self->welcome_cancel, FALSE);
  if (account != NULL)
    koi_window_show_account (self, account);
  update_page (self);
}

static void
on_search_changed (KoiWindow      *self,
                   GtkSearchEntry *entry)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  gtk_string_filter_set_search (self->filter, text);
  koi_search_results_set_query (self->search_results, text);
  update_chat_list_page (self);
}

static void
on_search_results_updated (KoiWindow        *self,
                           KoiSearchResults *results)
{
  update_chat_list_page (self);
}

/* Where the focus goes back to when the search closes: where it was when
 * it opened, if that is still on screen, else the chat list. The focus
 * moves before the search bar hides, so no hidden entry keeps it. */
static void
restore_focus (KoiWindow *self)
{
  GtkWidget *target = self->search_return_focus;

  if (target == NULL || !gtk_widget_get_mapped (target) ||
      gtk_widget_is_ancestor (target, GTK_WIDGET (self->search_bar)) ||
      gtk_widget_is_ancestor (target, GTK_WIDGET (self->search_results)))
    target = GTK_WIDGET (self->chat_list_view);
  if (!gtk_widget_grab_focus (target))
    gtk_widget_grab_focus (GTK_WIDGET (self->chat_list_view));
  g_clear_weak_pointer (&self->search_return_focus);
}

static void
on_stop_search (KoiWindow      *self,
                GtkSearchEntry *entry)
{
  /* The chats come back first, so the one that had the focus is there
   * to take it. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  restore_focus (self);
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
}

void
koi_window_open_search (KoiWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  g_return_if_fail (KOI_IS_WINDOW (self));

  if (focus != NULL && !gtk_widget_is_ancestor (focus, GTK_WIDGET (self->search_bar)))
    g_set_weak_pointer (&self->search_return_focus, focus);
  koi_compat_split_show_content (self->split_view, FALSE);
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* Enter in the search opens the first chat that matches by name, else the
 * newest message that matches by text. */
static void
on_search_activate (KoiWindow      *self,
                    GtkSearchEntry *entry)
{
  g_autoptr (KoiChat) chat = NULL;

  if (self->filtered == NULL || g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) == 0)
    {
      koi_search_results_activate_first (self->search_results);
      return;
    }

  chat = g_list_model_get_item (G_LIST_MODEL (self->filtered), 0);
  koi_window_open_chat (self, chat);
}

/* A search result: its chat, scrolled to it. */
static void
on_search_message_activated (KoiWindow        *self,
                             gint64            chat_id,
                             gint64            message_id,
                             KoiSearchResults *results)
{
  GListModel *chats;
  guint n;

  if (self->account == NULL)
    return;
  chats = G_LIST_MODEL (koi_account_get_chats (self->account));
  n = g_list_model_get_n_items (chats);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiChat) chat = g_list_model_get_item (chats, i);

      if (koi_chat_get_id (chat) == chat_id)
        {
          koi_window_open_chat (self, chat);
          koi_conversation_view_show_message (self->conversation_view, message_id);
          return;
        }
    }
}

static void
on_conversation_error (KoiWindow           *self,
                       const char          *message,
                       KoiConversationView *view)
{
  g_autofree char *text = g_strdup_printf (_("Message not sent: %s"), message);

  koi_window_show_toast (self, text);
}

GtkWidget *
koi_window_get_search_entry (KoiWindow *self)
{
  return GTK_WIDGET (self->search_entry);
}

GtkWidget *
koi_window_get_search_results (KoiWindow *self)
{
  return GTK_WIDGET (self->search_results);
}

GtkListView *
koi_window_get_chat_list_view (KoiWindow *self)
{
  return self->chat_list_view;
}

KoiConversationView *
koi_window_get_conversation_view (KoiWindow *self)
{
  return self->conversation_view;
}

KoiWelcomePage *
koi_window_get_welcome_page (KoiWindow *self)
{
  return self->welcome_page;
}

const char *
koi_window_get_page_name (KoiWindow *self)
{
  return gtk_stack_get_visible_child_name (self->main_stack);
}

static void
koi_window_dispose (GObject *object)
{
  KoiWindow *self = KOI_WINDOW (object);

  /* Nothing keeps the focus into its own disposal (GTK 4.18 warns about
   * an entry that never saw its focus go when the window was not the
   * active one). */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  watch_open_chat (self, NULL);
  set_account (self, NULL);
  koi_window_set_session (self, NULL);
  g_clear_weak_pointer (&self->search_return_focus);
  gtk_widget_dispose_template (GTK_WIDGET (object), KOI_TYPE_WINDOW);
  g_clear_object (&self->filter);

  G_OBJECT_CLASS (koi_window_parent_class)->dispose (object);
}

/* ------------------------------------------------------------------ */
/* KOI_DEBUG_EXIT_AFTER_FIRST_FRAME=1: the start-up benchmark's probe
 * (tests/bench/bench-startup.c). Prints, on stdout, the monotonic clock
 * (shared by every process on the machine, so the benchmark can subtract
 * its own spawn time) at the first frame drawn and at the first frame that
 * shows the chat list with its chats, then quits. */

static void
debug_after_paint (KoiWindow     *self,
                   GdkFrameClock *clock)
{
  gboolean chats_shown = g_strcmp0 (koi_window_get_page_name (self), "chats") == 0
    && g_strcmp0 (gtk_stack_get_visible_child_name (self->chat_list_stack), "list") == 0;

  /* Kept on the object, not in the struct: a debug probe only. */
  if (g_object_get_data (G_OBJECT (self), "koi-debug-first-frame") == NULL)
    {
      g_object_set_data (G_OBJECT (self), "koi-debug-first-frame", GINT_TO_POINTER (TRUE));
      g_print ("koi-debug: first-frame %" G_GINT64_FORMAT " us (page %s)\n",
               g_get_monotonic_time (), koi_window_get_page_name (self));
    }

  /* This frame drew the rows: it is the one the user sees them in. */
  if (!chats_shown)
    return;

  g_print ("koi-debug: chats-frame %" G_GINT64_FORMAT " us (%u chats)\n",
           g_get_monotonic_time (), g_list_model_get_n_items (G_LIST_MODEL (self->filtered)));
  g_signal_handlers_disconnect_by_func (clock, debug_after_paint, self);

  if (gtk_window_get_application (GTK_WINDOW (self)) != NULL)
    g_application_quit (G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))));
  else
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
debug_on_realize (KoiWindow *self)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (GTK_WIDGET (self)), "after-paint",
                           G_CALLBACK (debug_after_paint), self, G_CONNECT_SWAPPED);
}

static void
on_chat_title_clicked (KoiWindow *self)
{
  if (self->open_chat != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.group-details", NULL);
}

static void
koi_window_class_init (KoiWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = koi_window_dispose;

  g_type_ensure (KOI_TYPE_ACCOUNT_SWITCHER);
  g_type_ensure (KOI_TYPE_CHAT_ROW);
  g_type_ensure (KOI_TYPE_CONVERSATION_VIEW);
  g_type_ensure (KOI_TYPE_SEARCH_RESULTS);
  g_type_ensure (KOI_TYPE_WELCOME_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/koi-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, split_view);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, content);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, account_title);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, banner_bin);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, key_banner_bin);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, account_switcher);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, welcome_cancel);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, chat_list_stack);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, chat_list_view);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, chat_list_scroller);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, search_results);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, chat_title);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, chat_lock_image);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, details_button);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, conversation_stack);
  gtk_widget_class_bind_template_child (widget_class, KoiWindow, conversation_view);
  gtk_widget_class_bind_template_callback (widget_class, on_account_added);
  gtk_widget_class_bind_template_callback (widget_class, on_account_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_search_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_search_results_updated);
  gtk_widget_class_bind_template_callback (widget_class, on_search_message_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_chat_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_split_view_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_conversation_error);

  koi_window_class_install_actions (widget_class);
}

static void
koi_window_init (KoiWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->connection_banner = koi_compat_banner_new ();
  if (self->connection_banner != NULL)
    {
      adw_bin_set_child (self->banner_bin, self->connection_banner);
      g_signal_connect_swapped (self->connection_banner, "button-clicked",
                                G_CALLBACK (on_banner_button_clicked), self);
    }
  koi_window_keyxfer_init (self);
  self->filter = koi_chat_filter_new ();
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  koi_window_search_keys_init (self);

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  g_signal_connect (self, "notify::is-active", G_CALLBACK (mark_open_chat_read), NULL);

  /* A click on the chat's name opens the partner's card (or the group's
   * details), as in other messengers. */
  {
    GtkGesture *click = gtk_gesture_click_new ();

    g_signal_connect_swapped (click, "released", G_CALLBACK (on_chat_title_clicked), self);
    gtk_widget_add_controller (GTK_WIDGET (self->chat_title), GTK_EVENT_CONTROLLER (click));
  }
  koi_compat_split_connect_content_shown (self->split_view, G_CALLBACK (mark_open_chat_read), self);
  koi_compat_split_connect_content_shown (self->split_view, G_CALLBACK (reselect_open_chat), self);

  if (g_getenv ("KOI_DEBUG_EXIT_AFTER_FIRST_FRAME") != NULL)
    g_signal_connect (self, "realize", G_CALLBACK (debug_on_realize), NULL);

  update_page (self);
}
