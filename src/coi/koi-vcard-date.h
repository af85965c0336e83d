/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The dates of a card (BDAY, ANNIVERSARY) between what a person types and
 * what vCard 4.0 writes (RFC 6350 4.3.1, the date forms of ISO 8601:2004
 * 4.1.2.2 and the truncated "--MMDD" of 5.2.1.3 for a day without a year).
 */

/* What the user typed ("1990-04-12", "19900412", "04-12", "--04-12",
 * "--0412"; spaces around ignored) as a vCard value ("19900412",
 * "--0412"); "" for an empty text (clears the date); NULL when it is not
 * a real date (31 April, 30 February, a month 13). */
char *koi_vcard_date_from_input (const char *text);
/* A vCard value as the card shows it for editing: "1990-04-12", or
 * "04-12" without a year. A value Koi cannot read (a date-time, text
 * with VALUE=text) comes back unchanged, so saving does not lose it. */
char *koi_vcard_date_to_input   (const char *value);

G_END_DECLS
