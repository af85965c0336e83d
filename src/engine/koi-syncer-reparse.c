/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-syncer"

#include "config.h"

#include "koi-coi.h"
#include "koi-engine-error.h"
#include "koi-syncer-private.h"

/* Mail the parser could not read is stored as "Unreadable message (UID n
 * …)" and never skipped (koi-syncer.c); so is encrypted mail this device
 * has no key for ("Encrypted message that this device cannot read",
 * koi-syncer-crypto.c). A newer Koi or a new key may read it: the first
 * sync after an upgrade or a change of the account's own key (the store's
 * "parser_version" setting is not KOI_SYNCER_PARSER_VERSION, followed
 * by ":" and the own key's fingerprint when the account encrypts) fetches each such mail again by its
 * location and, if it parses now, hides the unreadable row and stores the
 * mail as it should have been, at the same location. Mail still
 * unreadable stays as it was. Bump the version with any parser change
 * that reads mail an older one refused. */
#define KOI_SYNCER_PARSER_VERSION "2"
#define PARSER_VERSION_KEY "parser_version"

typedef struct {
  KoiSyncer      *self;
  guint32         uid;
  gboolean        seen;
  gboolean        voice;
  KoiCoiParsed   *parsed;
  KoiSyncerCrypto crypto;
  /* KoiSyncerFile: a decrypted mail's files, kept as at the first sync
   * (koi-syncer-encfiles.c), so a placeholder comes back with them. */
  GPtrArray      *files;
} Refetched;

static gboolean
refetch_cb (const KoiImapFetchItem  *item,
            gpointer                 user_data,
            GError                 **error)
{
  Refetched *refetched = user_data;

  if (item->body == NULL || item->uid != refetched->uid)
    return TRUE;
  g_clear_pointer (&refetched->parsed, koi_coi_parsed_free);
  g_ptr_array_set_size (refetched->files, 0);
  refetched->parsed = koi_syncer_parse_files (refetched->self, NULL, item->body, FALSE, item->uid,
                                              item->internal_date_ms, &refetched->crypto,
                                              refetched->files, NULL);
  refetched->voice = koi_syncer_header_says_voice (item->body);
  /* Still not for this device: it stays the placeholder it is. */
  if (refetched->parsed != NULL && refetched->crypto.undecryptable)
    g_clear_pointer (&refetched->parsed, koi_coi_parsed_free);
  if (refetched->parsed != NULL && refetched->parsed->date_ms == 0)
    refetched->parsed->date_ms = item->internal_date_ms;
  refetched->seen = (item->flags & KOI_IMAP_FLAG_SEEN) != 0;
  return TRUE;
}

/* Replaces @ref by what the mail at @location says now. */
static gboolean
replace (KoiSyncer              *self,
         gint64                  ref,
         const KoiStoreLocation *location,
         const Refetched        *refetched,
         GError                **error)
{
  g_autoptr (KoiStoreMessage) placeholder = NULL;
  KoiApplyChanges changes;
  gint64 id;

  if (!koi_store_begin (self->store, error))
    return FALSE;
  koi_apply_changes_init (&changes);
  /* The placeholder leaves its chat while the mail takes a place of its
   * own: the chat's count stays the same, so a window showing the chat
   * learns of it only through this update (koi-message-list.c reloads). */
  placeholder = koi_store_message_get (self->store, ref, NULL);
  if (placeholder != NULL && placeholder->chat_id != 0)
    {
      KoiApplyChange change = { placeholder->chat_id, ref };

      g_array_append_val (changes.updated, change);
    }
  if (!koi_store_location_remove (self->store, self->account->id, location->folder,
                                  location->uidvalidity, location->uid, error) ||
      !koi_store_message_hide (self->store, ref, error) ||
      !koi_message_identity_check (self->store, self->account->id, refetched->parsed, error) ||
      (id = koi_apply_mail (self->store, self->account->id, self->account->address,
                            refetched->parsed, refetched->seen, &changes, error)) == 0 ||
      !koi_syncer_record_crypto (self, id, &refetched->crypto, error) ||
      (!koi_coi_type_is_hidden (refetched->parsed->type) &&
       !koi_syncer_note_files (self, id, refetched->files, refetched->parsed->chat_content,
                               refetched->voice, error)) ||
      !koi_store_location_add (self->store, id, self->account->id, location->folder,
                               location->uidvalidity, location->uid, error) ||
      !koi_store_commit (self->store, error))
    {
      koi_store_rollback (self->store);
      koi_apply_changes_clear (&changes);
      return FALSE;
    }

  koi_syncer_emit_changes (self, &changes);
  koi_apply_changes_clear (&changes);
  return TRUE;
}

/**
 * koi_syncer_reparse_unreadable:
 * @self: a connected syncer
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * After an upgrade of the parser, reads every unreadable mail again (see
 * above). Does nothing when the store has seen this parser already.
 *
 * Returns: %FALSE on an IMAP or store error (tried again on the next sync)
 */
gboolean
koi_syncer_reparse_unreadable (KoiSyncer     *self,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autofree char *version = NULL;
  g_autofree char *wanted = NULL;
  const char *generation;
  g_autoptr (GArray) refs = NULL;
  g_autoptr (GError) local_error = NULL;

  version = koi_store_setting_get (self->store, self->account->id, PARSER_VERSION_KEY, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  generation = koi_syncer_crypto_generation (self);
  wanted = generation != NULL
    ? g_strconcat (KOI_SYNCER_PARSER_VERSION, ":", generation, NULL)
    : g_strdup (KOI_SYNCER_PARSER_VERSION);
  if (g_strcmp0 (version, wanted) == 0)
    return TRUE;

  refs = koi_store_message_list_unreadable (self->store, self->account->id, error);
  if (refs == NULL)
    return FALSE;

  for (guint i = 0; i < refs->len; i++)
    {
      gint64 ref = g_array_index (refs, gint64, i);
      g_autoptr (GPtrArray) locations = koi_store_location_list (self->store, ref, error);
      gboolean replaced = FALSE;

      if (locations == NULL)
        return FALSE;
      for (guint j = 0; j < locations->len && !replaced; j++)
        {
          const KoiStoreLocation *location = g_ptr_array_index (locations, j);
          KoiImapMailboxStatus status = { 0, };
          Refetched refetched = { self, location->uid, FALSE, FALSE, NULL, { 0, }, NULL };
          g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_syncer_file_free);
          g_autofree char *uid_set = g_strdup_printf ("%u", location->uid);

          refetched.files = files;

          if (location->uid == 0)
            continue;
          if (!koi_imap_client_select (self->imap, location->folder, FALSE, &status, cancellable,
                                       error))
            return FALSE;
          /* The server renumbered the folder: the normal sync finds the
           * mail again by its bytes. */
          if (status.uidvalidity != location->uidvalidity)
            continue;
          if (!koi_imap_client_uid_fetch (self->imap, uid_set, "(UID FLAGS INTERNALDATE BODY.PEEK[])",
                                          refetch_cb, &refetched, cancellable, error))
            {
              g_clear_pointer (&refetched.parsed, koi_coi_parsed_free);
              return FALSE;
            }
          if (refetched.parsed != NULL)
            {
              g_message ("UID %u in %s is readable now; replacing the unreadable row",
                         location->uid, location->folder);
              replaced = replace (self, ref, location, &refetched, error);
              g_clear_pointer (&refetched.parsed, koi_coi_parsed_free);
              if (!replaced)
                return FALSE;
            }
        }
    }

  return koi_store_setting_set (self->store, self->account->id, PARSER_VERSION_KEY, wanted,
                                error);
}

typedef struct {
  guint32  uid;
  GBytes  *body;
} Source;

static gboolean
source_cb (const KoiImapFetchItem  *item,
           gpointer                 user_data,
           GError                 **error)
{
  Source *source = user_data;

  if (item->body != NULL && item->uid == source->uid && source->body == NULL)
    source->body = g_bytes_ref (item->body);
  return TRUE;
}

/**
 * koi_syncer_fetch_source:
 * @self: a connected syncer
 * @message_ref: a stored message
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for an error
 *
 * The mail's bytes as the server holds them, from the first of its
 * locations still on the server: what "Show Source" shows, for an
 * unreadable or too-complex mail above all.
 *
 * Returns: (transfer full): the bytes, or %NULL with @error
 *   (%KOI_ENGINE_ERROR_INVALID when no copy is known on the server)
 */
GBytes *
koi_syncer_fetch_source (KoiSyncer     *self,
                         gint64         message_ref,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr (GPtrArray) locations = NULL;

  if (self->imap == NULL)
    {
      g_set_error_literal (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_DISCONNECTED,
                           "Not connected to the IMAP server");
      return NULL;
    }
  locations = koi_store_location_list (self->store, message_ref, error);
  if (locations == NULL)
    return NULL;

  for (guint i = 0; i < locations->len; i++)
    {
      const KoiStoreLocation *location = g_ptr_array_index (locations, i);
      KoiImapMailboxStatus status = { 0, };
      Source source = { location->uid, NULL };
      g_autofree char *uid_set = g_strdup_printf ("%u", location->uid);

      if (location->uid == 0)
        continue;
      if (!koi_imap_client_select (self->imap, location->folder, TRUE, &status, cancellable, error))
        return NULL;
      if (status.uidvalidity != location->uidvalidity)
        continue;
      if (!koi_imap_client_uid_fetch (self->imap, uid_set, "(UID BODY.PEEK[])", source_cb, &source,
                                      cancellable, error))
        {
          g_clear_pointer (&source.body, g_bytes_unref);
          return NULL;
        }
      if (source.body != NULL)
        return source.body;
    }

  g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                       "The message is not on the server (any more)");
  return NULL;
}
