/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * The sound of a new message: the freedesktop sound theme's
 * "message-new-instant" (sound-theme-freedesktop), played with
 * GtkMediaFile. GNotification cannot ask the desktop for a sound on GLib
 * 2.74, so Koi plays it. Finding the file runs on a worker thread (the
 * data directories may sit on slow disks); GtkMediaFile's GStreamer
 * pipeline plays without blocking the main thread. Without the theme or
 * a media backend it stays silent.
 */
void   koi_notification_sound_play      (void);

/* The theme's file, or NULL when it is not installed. Blocking: for the
 * worker thread and tests. */
char  *koi_notification_sound_find_file (void);

G_END_DECLS
