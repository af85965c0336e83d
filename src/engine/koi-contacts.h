/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "koi-apply.h"
#include "koi-coi.h"
#include "koi-store.h"

G_BEGIN_DECLS

/*
 * The address book in the user's mailbox (docs/ARCHITECTURE.md,
 * "Contacts"): every "Chat: Contact" version is kept in contact_cards;
 * the version that counts (newest Date, then highest UID) becomes the
 * contact.
 */

/**
 * KoiContactEdit:
 * What the user changes on a card. NULL strings and -1 leave a field as
 * it is; "" clears it.
 */
typedef struct {
  char    *name;
  char    *status;
  char    *birthday;      /* raw vCard dates (koi-vcard-date.h) */
  char    *anniversary;
  char    *language;      /* vCard LANG, a language tag */
  int      blocked;       /* -1, 0, 1 */
  int      notify;        /* -1, 0, 1 */
  GBytes  *photo;         /* JPEG, already scaled; NULL: unchanged */
  gboolean clear_photo;
  GStrv    groups;        /* NULL: unchanged */
  char    *vcard;         /* a whole vCard replacing the card's (import) */
  char    *phone;         /* vCard TEL */
  char    *note;          /* vCard NOTE */
  GStrv    emails;        /* further EMAILs beside the card's own address;
                           * NULL: unchanged, empty: only its own */
} KoiContactEdit;

KoiContactEdit *koi_contact_edit_new   (void);
KoiContactEdit *koi_contact_edit_copy  (const KoiContactEdit *edit);
void            koi_contact_edit_free  (KoiContactEdit       *edit);

/* A card arrived (or was written here): records the version and makes the
 * winner the contact. Cards are believed only from the user's own address. */
gboolean koi_contacts_apply_card (KoiStore           *store,
                                  gint64              account_id,
                                  const char         *own_address,
                                  const KoiCoiParsed *parsed,
                                  gint64              message_ref,
                                  KoiApplyChanges    *changes,
                                  GError            **error);

/* Makes the winning version of @address the contact, if it is not yet. */
gboolean koi_contacts_refresh    (KoiStore           *store,
                                  gint64              account_id,
                                  const char         *own_address,
                                  const char         *address,
                                  KoiApplyChanges    *changes,
                                  GError            **error);
gboolean koi_contacts_refresh_all (KoiStore          *store,
                                   gint64             account_id,
                                   const char        *own_address,
                                   KoiApplyChanges   *changes,
                                   GError           **error);

/* The card in use for @address as a KoiContactCard (a new one if none),
 * with @edit applied. */
KoiContactCard *koi_contacts_edited_card (KoiStore             *store,
                                          gint64                account_id,
                                          const char           *own_address,
                                          const char           *address,
                                          const KoiContactEdit *edit,
                                          GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoiContactEdit, koi_contact_edit_free)

G_END_DECLS
