/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * One running Koi per profile folder: the window and `koi-cli watch` each
 * run an engine that syncs, sends the outbox and keeps IDLE open, and two of
 * them on one store would fetch and send everything twice. Whoever runs an
 * engine for a profile holds an exclusive flock on PROFILE/koi.lock for as
 * long as it lives. The kernel drops the lock when the process dies, so a
 * crash never leaves a stale lock behind. One-shot koi-cli commands (send,
 * sync, read ...) do not take it: they are how scripts talk to a profile a
 * running Koi uses, and SQLite serialises their writes.
 */
typedef struct _KoiProfileLock KoiProfileLock;

/* Takes the lock without waiting; when another process holds it, fails
 * with KOI_STORE_ERROR_BUSY and a message naming that process. */
KoiProfileLock *koi_profile_lock_acquire (const char      *profile_dir,
                                          GError         **error);
void            koi_profile_lock_release (KoiProfileLock  *lock);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiProfileLock, koi_profile_lock_release)

G_END_DECLS
