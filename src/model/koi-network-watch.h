/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Reconnects the running engines of a list of KoiAccount at once when the
 * network comes back or changes (GNetworkMonitor "network-changed") and
 * when the computer wakes from suspend (logind's PrepareForSleep, when
 * there is a system bus): the same path as the window's "Reconnect Now".
 * A line through the old network is dead, but TCP would only notice after
 * many minutes; the engine's keepalive is the slower safety net.
 */

typedef struct _KoiNetworkWatch KoiNetworkWatch;

/* @accounts is not referenced: free the watch before it goes. @monitor
 * NULL: the default one. */
KoiNetworkWatch *koi_network_watch_new  (GListModel      *accounts,
                                         GNetworkMonitor *monitor);
void             koi_network_watch_free (KoiNetworkWatch *watch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiNetworkWatch, koi_network_watch_free)

G_END_DECLS
