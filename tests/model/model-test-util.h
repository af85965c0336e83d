/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "koi-store.h"
#include "koi-store-reader.h"

G_BEGIN_DECLS

/* A throw-away profile folder with a real store file. The test fills the
 * store through its own connection (test code, not the model under test). */
typedef struct
{
  char     *dir;
  char     *path;
  KoiStore *store;
  gint64    account_id;
} ModelFixture;

void    model_fixture_set_up      (ModelFixture  *fixture,
                                   gconstpointer  data);
void    model_fixture_tear_down   (ModelFixture  *fixture,
                                   gconstpointer  data);

gint64  model_fixture_add_chat    (ModelFixture  *fixture,
                                   const char    *peer_address,
                                   const char    *peer_name);
/* An incoming chat message in @chat_id at @sort_ms; returns its id. */
gint64  model_fixture_add_message (ModelFixture  *fixture,
                                   gint64         chat_id,
                                   const char    *peer_address,
                                   const char    *text,
                                   gint64         sort_ms);

/* Runs the default main context until *@flag is TRUE (fails the test after
 * 10 s). */
void    model_wait_for            (const gboolean *flag);
/* Runs the default main context until every job queued on @reader, and
 * every job their callbacks queued in turn, has come back: a barrier, not
 * a quiet period. */
void    model_drain               (KoiStoreReader *reader);

G_END_DECLS
