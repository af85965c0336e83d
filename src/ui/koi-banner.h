/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KOI_TYPE_BANNER (koi_banner_get_type ())
G_DECLARE_FINAL_TYPE (KoiBanner, koi_banner, KOI, BANNER, GtkWidget)

/*
 * A strip across the top of a pane that says something about the whole
 * window ("Reconnecting: …"), sliding in and out: the legacy widget set's
 * stand-in for AdwBanner (libadwaita 1.3), which libadwaita 1.2 lacks.
 * Its properties carry AdwBanner's names ("title", "revealed", "button-label", "button-clicked") so code
 * and tests read either the same way; koi_compat_banner_new() picks one.
 */
GtkWidget  *koi_banner_new          (void);
const char *koi_banner_get_title    (KoiBanner  *self);
void        koi_banner_set_title    (KoiBanner  *self,
                                     const char *title);
gboolean    koi_banner_get_revealed (KoiBanner  *self);
void        koi_banner_set_revealed (KoiBanner  *self,
                                     gboolean    revealed);
/* A button at the end ("Reconnect Now"), emitting "button-clicked";
 * NULL or "" hides it. */
const char *koi_banner_get_button_label (KoiBanner  *self);
void        koi_banner_set_button_label (KoiBanner  *self,
                                         const char *label);

G_END_DECLS
