/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "koi-store.h"

G_BEGIN_DECLS

/* A throw-away store with one account, fed mail by mail through the apply
 * step, for the arrival-order tests (test-apply.c, test-apply-group.c). */
typedef struct {
  char     *dir;
  KoiStore *store;
  gint64    account_id;
  char     *own_address;
} ApplyStore;

/* The .eml files of tests/engine/@folder, by name; with @only_prefixes,
 * only those whose first two characters appear in it ("01 02 08"). */
GPtrArray *apply_test_load_mails (const char *folder,
                                  const char *only_prefixes);

void       apply_store_open      (ApplyStore *self,
                                  const char *own_address);
void       apply_store_close     (ApplyStore *self);

/* One mail, one batch: as a sync that found only this mail. Asserts that
 * it was stored and that hidden mail announced no bubble of its own. */
void       apply_one             (ApplyStore *self,
                                  GBytes     *mail);

G_END_DECLS
