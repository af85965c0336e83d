/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-syncer"

#include "koi-own-key.h"
#include "koi-peer-keys.h"
#include "koi-store-crypto.h"
#include "koi-syncer-private.h"

/*
 * Encrypted mail of a chunk is decrypted on a second thread while the
 * syncer's thread goes on reading the next mail from the server.
 * Decrypting, checking the signature and parsing the decrypted mail is
 * about 1 ms of CPU per mail, ten times a plain mail's parse; in one
 * thread it came on top of the server's time instead of beside it
 * (docs/PERFORMANCE.md, section 16).
 *
 * Only the syncer's thread touches the store: what a mail needs from it
 * (the peers' keys for the signatures, the auto-download size) is read
 * once per chunk before anything is queued, and the thread gets a copy.
 * The thread has its own KoiRnpContext (librnp is not thread-safe), and
 * gmime objects never cross threads: a job takes raw bytes and gives back
 * a KoiCoiParsed. Results are taken in the order the mail came, and the
 * chunk's one transaction is written afterwards exactly as before.
 *
 * Anything unexpected on the thread (the key cannot be opened there, a
 * key change since the chunk started, a mail the parser refuses) gives the
 * mail back unread, and the syncer's thread reads it the ordinary way.
 */

/* A chunk with fewer mail reads inline: opening the key on the second
 * thread (Secret Service, key derivation) costs as much as ~100 mails. */
#define PIPELINE_MIN_MAILS 16

typedef struct _KoiSyncerDecrypt {
  GThread       *thread;
  GAsyncQueue   *queue;       /* Job, or &stop */
  /* Used on the thread only. */
  KoiRnpContext *crypto;
  char          *failed;      /* the fingerprint that did not open here */
  char          *store_path;
  gint64         account_id;
  char          *address;
} KoiSyncerDecrypt;

struct _KoiSyncerBatch {
  KoiSyncer  *self;
  gboolean    large;         /* enough mail for the thread to pay off */
  char       *fingerprint;   /* the own key the chunk started with */
  GHashTable *keys;          /* the chunk's peer keys, shared read-only */
  gint64      store_max;
  GPtrArray  *jobs;          /* Job, in the order added */
  GMutex      lock;
  GCond       cond;
  guint       pending;
};

typedef struct {
  KoiSyncerBatch  *batch;
  guint            index;
  GBytes          *raw;
  guint32          uid;
  gint64           internal_date_ms;
  GPtrArray       *files;
  KoiCoiParsed    *parsed;   /* NULL: read it on the syncer's thread */
  KoiSyncerCrypto  state;
  gboolean         on_thread; /* read by the second thread */
} Job;

static int stop;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_bytes_unref (job->raw);
  g_clear_pointer (&job->files, g_ptr_array_unref);
  g_clear_pointer (&job->parsed, koi_coi_parsed_free);
  g_free (job);
}

/* ---- the chunk's copy of what the store says ------------------------- */

static GHashTable *
read_keys (KoiSyncer *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = koi_store_peer_key_list (self->store, self->account->id, &error);
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_bytes_unref);

  if (list == NULL)
    g_message ("No peer keys for %s: %s", self->account->address, error->message);
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      KoiStorePeerKey *key = list->pdata[i];

      /* The column compares without case; senders come lower-cased. */
      g_hash_table_replace (keys, g_ascii_strdown (key->address, -1), g_bytes_ref (key->keydata));
    }
  return keys;
}

static GHashTable *
batch_keys (KoiSyncer *self)
{
  if (self->batch_keys == NULL)
    self->batch_keys = read_keys (self);
  return self->batch_keys;
}

/* While a chunk is read nothing writes peer_keys (its mail is applied
 * after all of it is read), so one copy answers like the store would. */
GBytes *
koi_syncer_sender_key (KoiSyncer  *self,
                       const char *address)
{
  GBytes *keydata;

  if (!self->batch_active)
    return koi_peer_keys_lookup (self->store, self->account->id, address);
  keydata = g_hash_table_lookup (batch_keys (self), address);
  return keydata != NULL ? g_bytes_ref (keydata) : NULL;
}

gint64
koi_syncer_store_max (KoiSyncer *self)
{
  if (!self->batch_active)
    return koi_syncer_auto_download_max (self);
  if (self->batch_store_max < 0)
    self->batch_store_max = koi_syncer_auto_download_max (self);
  return self->batch_store_max;
}

/* ---- the thread ------------------------------------------------------- */

/* The thread's own context for the key the chunk started with. */
static KoiRnpContext *
thread_crypto (KoiSyncerDecrypt *decrypt,
               const char       *fingerprint)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  if (decrypt->crypto != NULL &&
      g_strcmp0 (koi_rnp_context_get_own_fingerprint (decrypt->crypto), fingerprint) == 0)
    return decrypt->crypto;
  g_clear_object (&decrypt->crypto);
  /* Tried once per key: a Secret Service that failed here is not asked
   * again for every mail. */
  if (g_strcmp0 (decrypt->failed, fingerprint) == 0)
    return NULL;
  /* Never makes a key: only one the syncer's thread has open already. */
  path = koi_own_key_path (decrypt->store_path, decrypt->account_id);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    decrypt->crypto = koi_own_key_open (decrypt->store_path, decrypt->account_id,
                                        decrypt->address, NULL, &error);
  if (decrypt->crypto == NULL && error != NULL)
    g_message ("Decrypting on the syncer's thread only: %s", error->message);
  if (decrypt->crypto != NULL &&
      g_strcmp0 (koi_rnp_context_get_own_fingerprint (decrypt->crypto), fingerprint) != 0)
    g_clear_object (&decrypt->crypto);
  if (decrypt->crypto == NULL)
    {
      g_free (decrypt->failed);
      decrypt->failed = g_strdup (fingerprint);
    }
  return decrypt->crypto;
}

/* Reads one job's mail with @crypto; a failed parse leaves it to the
 * syncer's thread, which records why (parse_fetched). */
static void
job_run (Job           *job,
         KoiRnpContext *crypto)
{
  KoiSyncerBatch *batch = job->batch;
  KoiSyncerParseEnv env = { crypto, batch->keys, batch->store_max };

  if (crypto != NULL)
    job->parsed = koi_syncer_parse_with (batch->self, &env, job->raw, job->uid,
                                         job->internal_date_ms, &job->state, job->files, NULL);
  if (job->parsed == NULL && job->files != NULL)
    g_ptr_array_set_size (job->files, 0);
}

static void
job_done (Job *job)
{
  KoiSyncerBatch *batch = job->batch;

  g_mutex_lock (&batch->lock);
  batch->pending--;
  g_cond_broadcast (&batch->cond);
  g_mutex_unlock (&batch->lock);
}

static gpointer
decrypt_thread (gpointer data)
{
  KoiSyncerDecrypt *decrypt = data;

  for (;;)
    {
      Job *job = g_async_queue_pop (decrypt->queue);

      if (job == (gpointer) &stop)
        break;
      job_run (job, thread_crypto (decrypt, job->batch->fingerprint));
      job->on_thread = job->parsed != NULL;
      job_done (job);
    }
  g_clear_object (&decrypt->crypto);
  return NULL;
}

static KoiSyncerDecrypt *
decrypt_get (KoiSyncer *self)
{
  KoiSyncerDecrypt *decrypt;

  if (self->decrypt != NULL)
    return self->decrypt;
  decrypt = g_new0 (KoiSyncerDecrypt, 1);
  decrypt->queue = g_async_queue_new ();
  decrypt->store_path = g_strdup (koi_store_get_path (self->store));
  decrypt->account_id = self->account->id;
  decrypt->address = g_strdup (self->account->address);
  decrypt->thread = g_thread_new ("koi-decrypt", decrypt_thread, decrypt);
  self->decrypt = decrypt;
  return decrypt;
}

void
koi_syncer_decrypt_free (KoiSyncerDecrypt *decrypt)
{
  if (decrypt == NULL)
    return;
  g_async_queue_push (decrypt->queue, &stop);
  g_thread_join (decrypt->thread);
  g_async_queue_unref (decrypt->queue);
  g_free (decrypt->failed);
  g_free (decrypt->store_path);
  g_free (decrypt->address);
  g_free (decrypt);
}

/* ---- a chunk ---------------------------------------------------------- */

/**
 * koi_syncer_batch_new:
 * @n_mails: how many mail bodies the chunk fetches
 *
 * Starts reading a chunk: from now until koi_syncer_batch_free() the
 * peers' keys and the auto-download size come from one read of the
 * store. Free it before the chunk's mail is applied.
 */
KoiSyncerBatch *
koi_syncer_batch_new (KoiSyncer *self,
                      guint      n_mails)
{
  KoiSyncerBatch *batch = g_new0 (KoiSyncerBatch, 1);

  batch->self = self;
  batch->large = n_mails >= PIPELINE_MIN_MAILS;
  batch->jobs = g_ptr_array_new_with_free_func (job_free);
  g_mutex_init (&batch->lock);
  g_cond_init (&batch->cond);
  self->batch_active = TRUE;
  self->batch_store_max = -1;
  g_clear_pointer (&self->batch_keys, g_hash_table_unref);
  return batch;
}

/**
 * koi_syncer_batch_add:
 *
 * Queues an encrypted mail (@raw and @files are kept until it is read).
 * Returns: FALSE when the syncer's thread must read it itself.
 */
gboolean
koi_syncer_batch_add (KoiSyncerBatch *batch,
                      guint           index,
                      GBytes         *raw,
                      guint32         uid,
                      gint64          internal_date_ms,
                      GPtrArray      *files)
{
  KoiSyncer *self = batch->self;
  Job *job;

  if (!batch->large)
    return FALSE;
  if (batch->keys == NULL)
    {
      /* At the first encrypted mail, so plain mail never opens the key.
       * Only with a key on this device: without one every encrypted mail
       * is a cheap placeholder. */
      KoiRnpContext *crypto = koi_syncer_existing_crypto (self);

      if (crypto == NULL)
        {
          batch->large = FALSE;
          return FALSE;
        }
      batch->fingerprint = g_strdup (koi_rnp_context_get_own_fingerprint (crypto));
      batch->keys = g_hash_table_ref (batch_keys (self));
      batch->store_max = koi_syncer_store_max (self);
    }

  job = g_new0 (Job, 1);
  job->batch = batch;
  job->index = index;
  job->raw = g_bytes_ref (raw);
  job->uid = uid;
  job->internal_date_ms = internal_date_ms;
  job->files = files != NULL ? g_ptr_array_ref (files) : NULL;
  g_ptr_array_add (batch->jobs, job);

  g_mutex_lock (&batch->lock);
  batch->pending++;
  g_mutex_unlock (&batch->lock);
  g_async_queue_push (decrypt_get (self)->queue, job);
  return TRUE;
}

/* The syncer's thread reads what the second thread has not started, then
 * waits for the rest: at the end of a chunk both threads decrypt. */
static void
batch_wait (KoiSyncerBatch *batch)
{
  KoiSyncer *self = batch->self;
  Job *job;

  if (batch->jobs->len == 0)
    return;
  while ((job = g_async_queue_try_pop (self->decrypt->queue)) != NULL)
    {
      KoiRnpContext *crypto = koi_syncer_existing_crypto (self);

      /* Only this chunk's jobs are queued: one chunk at a time. */
      g_assert (job->batch == batch);
      if (crypto != NULL &&
          g_strcmp0 (koi_rnp_context_get_own_fingerprint (crypto), batch->fingerprint) != 0)
        crypto = NULL;
      job_run (job, crypto);
      job_done (job);
    }
  g_mutex_lock (&batch->lock);
  while (batch->pending > 0)
    g_cond_wait (&batch->cond, &batch->lock);
  g_mutex_unlock (&batch->lock);
}

/**
 * koi_syncer_batch_finish:
 *
 * Waits for every queued mail and hands each result to @result, in the
 * order they were added. A NULL parsed result means "read it yourself".
 */
void
koi_syncer_batch_finish (KoiSyncerBatch       *batch,
                         KoiSyncerBatchResult  result,
                         gpointer              user_data)
{
  guint n_thread = 0;

  batch_wait (batch);
  /* Said in the log, so a test can tell the thread did the work (and its
   * fallback when it did none). */
  for (guint i = 0; i < batch->jobs->len; i++)
    n_thread += ((Job *) batch->jobs->pdata[i])->on_thread;
  if (batch->jobs->len > 0)
    g_debug ("Read %u of a chunk's %u encrypted mails on the decrypt thread",
             n_thread, batch->jobs->len);
  for (guint i = 0; i < batch->jobs->len; i++)
    {
      Job *job = batch->jobs->pdata[i];

      result (job->index, job->raw, g_steal_pointer (&job->parsed), &job->state, user_data);
    }
  g_ptr_array_set_size (batch->jobs, 0);
}

void
koi_syncer_batch_free (KoiSyncerBatch *batch)
{
  KoiSyncer *self;

  if (batch == NULL)
    return;
  self = batch->self;
  batch_wait (batch);
  self->batch_active = FALSE;
  g_clear_pointer (&self->batch_keys, g_hash_table_unref);
  g_clear_pointer (&batch->keys, g_hash_table_unref);
  g_ptr_array_unref (batch->jobs);
  g_mutex_clear (&batch->lock);
  g_cond_clear (&batch->cond);
  g_free (batch->fingerprint);
  g_free (batch);
}
