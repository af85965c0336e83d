/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-notification-sound"

#include "config.h"

#include <gtk/gtk.h>

#include "koi-notification-sound.h"

/* The sound naming spec's name for "a new instant message arrived"; the
 * freedesktop theme ships it as Ogg Vorbis. */
#define SOUND_PATH "sounds/freedesktop/stereo/message-new-instant.oga"

/* The one sound playing: a second message restarts it rather than
 * stacking copies. */
static GtkMediaStream *playing;

char *
koi_notification_sound_find_file (void)
{
  const char * const *dirs = g_get_system_data_dirs ();
  g_autofree char *user = g_build_filename (g_get_user_data_dir (), SOUND_PATH, NULL);

  if (g_file_test (user, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&user);
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], SOUND_PATH, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

static void
find_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  g_task_return_pointer (task, koi_notification_sound_find_file (), g_free);
}

static void
on_ended (GtkMediaStream *stream,
          GParamSpec     *pspec,
          gpointer        user_data)
{
  /* Seeking back for the next message notifies "ended" too. */
  if (stream != playing ||
      (!gtk_media_stream_get_ended (stream) && gtk_media_stream_get_error (stream) == NULL))
    return;
  g_clear_object (&playing);
}

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autofree char *path = g_task_propagate_pointer (G_TASK (result), NULL);

  if (path == NULL)
    {
      g_debug ("No %s in the data directories: no sound", SOUND_PATH);
      return;
    }
  if (playing != NULL)
    {
      gtk_media_stream_seek (playing, 0);
      gtk_media_stream_play (playing);
      return;
    }
  playing = gtk_media_file_new_for_filename (path);
  g_signal_connect (playing, "notify::ended", G_CALLBACK (on_ended), NULL);
  /* A stream that cannot play (no GStreamer module) says so in "error";
   * a missing sound is no reason to bother the user. */
  g_signal_connect (playing, "notify::error", G_CALLBACK (on_ended), NULL);
  gtk_media_stream_play (playing);
}

void
koi_notification_sound_play (void)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, on_found, NULL);

  g_task_set_source_tag (task, koi_notification_sound_play);
  g_task_run_in_thread (task, find_thread);
}
