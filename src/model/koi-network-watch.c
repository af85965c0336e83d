/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-network-watch"

#include "config.h"

#include "koi-account.h"
#include "koi-network-watch.h"

/* Monitors send a burst of "network-changed" for one change (each route,
 * each address): one reconnect for the burst. */
#define SETTLE_MS 500

struct _KoiNetworkWatch
{
  GListModel      *accounts;     /* not owned */
  GNetworkMonitor *monitor;
  gulong           changed_id;
  guint            settle_id;
  GCancellable    *cancellable;  /* the system bus lookup */
  GDBusConnection *system_bus;
  guint            sleep_id;
};

static void
reconnect_all (KoiNetworkWatch *watch,
               const char      *why)
{
  guint n = g_list_model_get_n_items (watch->accounts);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (KoiAccount) account = g_list_model_get_item (watch->accounts, i);

      /* Not a stopped engine (it waits for the user) and not a first
       * attempt that is under way anyway. */
      switch (koi_account_get_connection_state (account))
        {
        case KOI_CONNECTION_SYNCING:
        case KOI_CONNECTION_ONLINE:
        case KOI_CONNECTION_RECONNECTING:
          g_message ("%s: %s: reconnecting now", koi_account_get_address (account), why);
          koi_account_reconnect_now (account);
          break;
        case KOI_CONNECTION_OFFLINE:
        case KOI_CONNECTION_CONNECTING:
        case KOI_CONNECTION_FAILED:
        default:
          break;
        }
    }
}

static gboolean
settled_cb (gpointer user_data)
{
  KoiNetworkWatch *watch = user_data;

  watch->settle_id = 0;
  reconnect_all (watch, "the network changed");
  return G_SOURCE_REMOVE;
}

static void
on_network_changed (GNetworkMonitor *monitor,
                    gboolean         available,
                    KoiNetworkWatch *watch)
{
  /* Gone: nothing to reconnect to; the engine's own backoff runs. Back or
   * different: the old line is likely dead, the backoff may be long. */
  if (!available)
    return;
  g_clear_handle_id (&watch->settle_id, g_source_remove);
  watch->settle_id = g_timeout_add (SETTLE_MS, settled_cb, watch);
}

static void
on_prepare_for_sleep (GDBusConnection *connection,
                      const char      *sender,
                      const char      *path,
                      const char      *interface,
                      const char      *signal,
                      GVariant        *parameters,
                      gpointer         user_data)
{
  gboolean going = TRUE;

  if (g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    g_variant_get (parameters, "(b)", &going);
  /* Waking up: every line from before the suspend is dead. */
  if (!going)
    reconnect_all (user_data, "woke from suspend");
}

static void
system_bus_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GError) error = NULL;
  GDBusConnection *bus = g_bus_get_finish (result, &error);
  KoiNetworkWatch *watch;

  if (bus == NULL)
    {
      /* No system bus (a container, a test): no word of suspends. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No system bus, so no resume signal: %s", error->message);
      return;
    }
  watch = user_data;
  watch->system_bus = bus;
  watch->sleep_id =
    g_dbus_connection_signal_subscribe (bus, "org.freedesktop.login1",
                                        "org.freedesktop.login1.Manager", "PrepareForSleep",
                                        "/org/freedesktop/login1", NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_prepare_for_sleep, watch, NULL);
}

KoiNetworkWatch *
koi_network_watch_new (GListModel      *accounts,
                       GNetworkMonitor *monitor)
{
  KoiNetworkWatch *watch;

  g_return_val_if_fail (G_IS_LIST_MODEL (accounts), NULL);
  g_return_val_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor), NULL);

  watch = g_new0 (KoiNetworkWatch, 1);
  watch->accounts = accounts;
  watch->monitor = g_object_ref (monitor != NULL ? monitor : g_network_monitor_get_default ());
  watch->changed_id = g_signal_connect (watch->monitor, "network-changed",
                                        G_CALLBACK (on_network_changed), watch);
  watch->cancellable = g_cancellable_new ();
  /* The bus lookup answers on this thread's context: the watch stays
   * until then (freeing cancels it first). */
  g_bus_get (G_BUS_TYPE_SYSTEM, watch->cancellable, system_bus_cb, watch);
  return watch;
}

void
koi_network_watch_free (KoiNetworkWatch *watch)
{
  if (watch == NULL)
    return;

  g_cancellable_cancel (watch->cancellable);
  g_clear_object (&watch->cancellable);
  g_clear_signal_handler (&watch->changed_id, watch->monitor);
  g_clear_object (&watch->monitor);
  g_clear_handle_id (&watch->settle_id, g_source_remove);
  if (watch->system_bus != NULL && watch->sleep_id != 0)
    g_dbus_connection_signal_unsubscribe (watch->system_bus, watch->sleep_id);
  g_clear_object (&watch->system_bus);
  g_free (watch);
}
