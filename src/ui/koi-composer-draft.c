/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-ui"

#include "config.h"

#include "koi-composer-draft.h"

/* Long enough that a typist does not write the store on every key, short
 * enough that a crash right after typing loses at most a few words. */
#define SAVE_DELAY_MS 700

struct _KoiComposerDraft {
  KoiComposer   *composer;   /* not owned: the view owns both */
  GtkTextBuffer *buffer;
  gulong         changed_handler;
  KoiAccount    *account;
  gint64         chat_id;    /* 0: no chat */
  char          *saved;      /* what the store holds for chat_id */
  guint          save_source;
  gboolean       loading;
};

static char *
current_text (KoiComposerDraft *self)
{
  /* The composer holds a sent message's text while editing it: that is
   * not something the user would expect back as a draft. */
  if (koi_composer_get_mode (self->composer) == KOI_COMPOSER_EDITING)
    return NULL;
  return koi_composer_dup_text (self->composer);
}

void
koi_composer_draft_save (KoiComposerDraft *self)
{
  g_autofree char *text = NULL;

  g_return_if_fail (self != NULL);

  g_clear_handle_id (&self->save_source, g_source_remove);
  if (self->account == NULL || self->chat_id == 0)
    return;

  text = current_text (self);
  if (text == NULL || g_strcmp0 (text, self->saved != NULL ? self->saved : "") == 0)
    return;

  koi_account_set_draft (self->account, self->chat_id, text);
  g_free (self->saved);
  self->saved = g_steal_pointer (&text);
}

static gboolean
save_timeout_cb (gpointer user_data)
{
  KoiComposerDraft *self = user_data;

  self->save_source = 0;
  koi_composer_draft_save (self);
  return G_SOURCE_REMOVE;
}

static void
on_buffer_changed (GtkTextBuffer *buffer,
                   gpointer       user_data)
{
  KoiComposerDraft *self = user_data;

  if (self->loading || self->chat_id == 0)
    return;
  g_clear_handle_id (&self->save_source, g_source_remove);
  self->save_source = g_timeout_add (SAVE_DELAY_MS, save_timeout_cb, self);
}

KoiComposerDraft *
koi_composer_draft_new (KoiComposer *composer)
{
  KoiComposerDraft *self;

  g_return_val_if_fail (KOI_IS_COMPOSER (composer), NULL);

  self = g_new0 (KoiComposerDraft, 1);
  self->composer = composer;
  self->buffer = g_object_ref (gtk_text_view_get_buffer (koi_composer_get_text_view (composer)));
  self->changed_handler = g_signal_connect (self->buffer, "changed",
                                            G_CALLBACK (on_buffer_changed), self);
  return self;
}

void
koi_composer_draft_switch (KoiComposerDraft *self,
                           KoiAccount       *account,
                           KoiChat          *chat)
{
  const char *draft = chat != NULL ? koi_chat_get_draft (chat) : NULL;

  g_return_if_fail (self != NULL);

  koi_composer_draft_save (self);

  g_set_object (&self->account, account);
  self->chat_id = chat != NULL ? koi_chat_get_id (chat) : 0;
  g_free (self->saved);
  self->saved = g_strdup (draft);

  self->loading = TRUE;
  koi_composer_set_text (self->composer, draft);
  self->loading = FALSE;
}

void
koi_composer_draft_free (KoiComposerDraft *self)
{
  if (self == NULL)
    return;

  koi_composer_draft_save (self);
  g_clear_signal_handler (&self->changed_handler, self->buffer);
  g_clear_object (&self->buffer);
  g_clear_object (&self->account);
  g_free (self->saved);
  g_free (self);
}
