/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "koi-store-reader.h"

G_BEGIN_DECLS

/*
 * What the window shows of one contact, read from its card on the store
 * reader's thread (parsing a card with a photo is not for the main
 * thread). Shared by the Contacts window, the card, the profile editor
 * and the blocked list in Preferences.
 */
typedef struct
{
  gint64    id;          /* 0: no such contact yet */
  char     *address;
  char     *name;        /* the card's name, else the From name, or NULL */
  char     *status;
  char     *phone;
  char     *note;
  GStrv     emails;      /* further addresses on the card, never NULL */
  GBytes   *photo;       /* as on the card, or NULL */
  char     *fingerprint; /* their OpenPGP key's, in groups of four, or NULL */
  gboolean  has_card;
  gboolean  blocked;
  gboolean  muted;
  gboolean  is_me;
} KoiContactInfo;

void            koi_contact_info_free         (KoiContactInfo *info);
/* The name, else the address. */
const char     *koi_contact_info_get_title    (const KoiContactInfo *info);
/* The photo as a texture for an AdwAvatar, or NULL. */
GdkTexture     *koi_contact_info_get_texture  (const KoiContactInfo *info);

/* One contact (a KoiContactInfo with id 0 when there is none). */
void            koi_contact_info_get_async    (KoiStoreReader      *reader,
                                               gint64               account_id,
                                               const char          *address,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
KoiContactInfo *koi_contact_info_get_finish   (KoiStoreReader      *reader,
                                               GAsyncResult        *result,
                                               GError             **error);

/* The address book: every contact with a card, or with @blocked_only
 * every blocked one; the user's own card left out. KoiContactInfo*, by
 * title. */
void            koi_contact_info_list_async   (KoiStoreReader      *reader,
                                               gint64               account_id,
                                               gboolean             blocked_only,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GPtrArray      *koi_contact_info_list_finish  (KoiStoreReader      *reader,
                                               GAsyncResult        *result,
                                               GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiContactInfo, koi_contact_info_free)

G_END_DECLS
