/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "koi-account.h"
#include "koi-contact-details.h"

G_BEGIN_DECLS

#define KOI_TYPE_CONTACTS_WINDOW (koi_contacts_window_get_type ())
G_DECLARE_FINAL_TYPE (KoiContactsWindow, koi_contacts_window, KOI, CONTACTS_WINDOW, AdwWindow)

/*
 * The address book (win.contacts, Ctrl+Shift+C): every contact with a
 * card, searchable, with avatars; a click opens the card
 * (KoiContactDetails). Built in code from widgets both widget sets have,
 * like the group details. "Import Contacts…" (the header's button,
 * Ctrl+O) adds the cards of a .vcf file through the engine. Signals:
 * "loaded" after each read of the list, "send-message" (const char
 * *address) from a card, "imported" (guint contacts written, const char
 * *error or NULL) after an import.
 */

GtkWidget         *koi_contacts_window_new             (GtkWindow         *parent,
                                                        KoiAccount        *account);
/* Opens @address's card (also when it has none yet). */
void               koi_contacts_window_show_contact    (KoiContactsWindow *self,
                                                        const char        *address);
/* Imports the cards of @file (what Import does after the file chooser). */
void               koi_contacts_window_import_file     (KoiContactsWindow *self,
                                                        GFile             *file);
/* Back to the list. */
void               koi_contacts_window_show_list       (KoiContactsWindow *self);
/* "list" or "card". */
const char        *koi_contacts_window_get_page_name   (KoiContactsWindow *self);
KoiContactDetails *koi_contacts_window_get_details     (KoiContactsWindow *self);
GtkWidget         *koi_contacts_window_get_search_entry (KoiContactsWindow *self);
/* The titles the list shows now (the search applied), in order. */
GStrv              koi_contacts_window_get_titles      (KoiContactsWindow *self);
/* The row that opens @address's card, or NULL. */
GtkWidget         *koi_contacts_window_get_row         (KoiContactsWindow *self,
                                                        const char        *address);

/* Writes a first card for @address unless it has one: a chat partner
 * added, or "Add to Contacts" on a chat. The card syncs to the user's
 * other devices. @name may be NULL. */
void               koi_contacts_add                    (KoiAccount        *account,
                                                        const char        *address,
                                                        const char        *name);

G_END_DECLS
