/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "koi-store.h"

G_BEGIN_DECLS

/* A temporary folder holding one database file, removed afterwards. */
typedef struct {
  char *dir;
  char *path;
} StoreTestDir;

void        store_test_dir_init     (StoreTestDir *dir);
void        store_test_dir_clear    (StoreTestDir *dir);

KoiStore   *store_test_open         (const char   *path);
gint64      store_test_account      (KoiStore     *store,
                                     const char   *address);
/* Inserts an incoming message and asserts it was new. */
gint64      store_test_incoming     (KoiStore     *store,
                                     gint64        account_id,
                                     gint64        chat_id,
                                     const char   *message_id,
                                     const char   *text,
                                     gint64        sort_ms);

G_END_DECLS
