/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-autostart"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "koi-autostart.h"

char *
koi_autostart_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", APP_ID ".desktop", NULL);
}

char *
koi_autostart_desktop_entry (const char *command_line)
{
  /* Not translated: the desktop shows the app's own name and icon, and
   * this file is read by the session, not by people. */
  return g_strdup_printf ("[Desktop Entry]\n"
                          "Type=Application\n"
                          "Name=Koi\n"
                          "Comment=Receive chat messages in the background\n"
                          "Icon=" APP_ID "\n"
                          "Exec=%s\n"
                          "Terminal=false\n"
                          "NoDisplay=true\n"
                          "X-GNOME-Autostart-enabled=true\n",
                          command_line);
}

/* A desktop file's Exec quoting (Desktop Entry Specification, "The Exec
 * key"): reserved characters inside double quotes, with \, ", ` and $
 * escaped; "%" doubled. */
static char *
exec_quote (const char *arg)
{
  g_autoptr (GString) out = g_string_new (NULL);

  if (*arg != '\0' && strpbrk (arg, " \t\n\"'\\><~|&;$*?#()`%") == NULL)
    return g_strdup (arg);
  g_string_append_c (out, '"');
  for (const char *p = arg; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '`' || *p == '$' || *p == '\\')
        g_string_append_c (out, '\\');
      if (*p == '%')
        g_string_append_c (out, '%');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
file_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  gboolean ok;

  /* Task data TRUE: the entry was being removed. */
  if (g_task_get_task_data (task) != NULL)
    {
      ok = g_file_delete_finish (G_FILE (source), result, &error);
      /* Already gone is what was wanted. */
      if (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          g_clear_error (&error);
          ok = TRUE;
        }
    }
  else
    ok = g_file_replace_contents_finish (G_FILE (source), result, NULL, &error);

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
portal_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GVariant) reply = NULL;
  GError *error = NULL;

  /* The portal answers with a request handle at once; the user's answer
   * (the desktop may ask) only decides whether the entry is written. */
  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
koi_autostart_set_async (GApplication        *application,
                         gboolean             enabled,
                         const char * const  *argv,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (argv != NULL && argv[0] != NULL);

  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    {
      GDBusConnection *bus = application != NULL ? g_application_get_dbus_connection (application) : NULL;
      GVariantBuilder options;

      if (bus == NULL)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                   "No session bus to ask the desktop to start Koi at login");
          g_object_unref (task);
          return;
        }
      g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&options, "{sv}", "reason",
                             g_variant_new_string (_("Receive messages from the moment you log in")));
      g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (enabled));
      g_variant_builder_add (&options, "{sv}", "commandline", g_variant_new_strv (argv, -1));
      g_dbus_connection_call (bus, "org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                              "org.freedesktop.portal.Background", "RequestBackground",
                              g_variant_new ("(sa{sv})", "", &options), G_VARIANT_TYPE ("(o)"),
                              G_DBUS_CALL_FLAGS_NONE, -1, cancellable, portal_done, task);
      return;
    }

  {
    g_autofree char *path = koi_autostart_path ();
    g_autoptr (GFile) file = g_file_new_for_path (path);
    g_autoptr (GString) command = g_string_new (NULL);
    g_autoptr (GFile) dir = g_file_get_parent (file);
    g_autoptr (GError) mkdir_error = NULL;
    g_autoptr (GBytes) bytes = NULL;

    if (!enabled)
      {
        g_task_set_task_data (task, GINT_TO_POINTER (TRUE), NULL);
        g_file_delete_async (file, G_PRIORITY_DEFAULT, cancellable, file_done, task);
        return;
      }

    for (guint i = 0; argv[i] != NULL; i++)
      {
        g_autofree char *quoted = exec_quote (argv[i]);

        if (i > 0)
          g_string_append_c (command, ' ');
        g_string_append (command, quoted);
      }
    /* A small local directory: creating it waits on nothing that could
     * hang, unlike a write, which goes async. */
    if (!g_file_make_directory_with_parents (dir, NULL, &mkdir_error) &&
        !g_error_matches (mkdir_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
      {
        g_task_return_error (task, g_steal_pointer (&mkdir_error));
        g_object_unref (task);
        return;
      }
    {
      char *entry = koi_autostart_desktop_entry (command->str);

      bytes = g_bytes_new_take (entry, strlen (entry));
    }
    g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                         cancellable, file_done, task);
  }
}

gboolean
koi_autostart_set_finish (GAsyncResult  *result,
                          GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
