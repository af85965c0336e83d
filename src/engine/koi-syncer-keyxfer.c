/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define G_LOG_DOMAIN "koi-syncer"

#include "koi-coi.h"
#include "koi-coi-gmime.h"
#include "koi-engine-error.h"
#include "koi-own-key.h"
#include "koi-pgp-setup.h"
#include "koi-store-crypto.h"
#include "koi-store-keyxfer.h"
#include "koi-syncer-private.h"
#include "koi-syncer.h"

/*
 * The Autocrypt Setup Message on the wire (docs/WIRE.md): the own key,
 * encrypted with a setup code, put into the account's own INBOX, where
 * every device of the user (and Delta Chat, which reads INBOX) finds it.
 * It is APPENDed rather than sent: it never leaves the user's server, and
 * no mail server on the way gets to keep a copy.
 */

char *
koi_syncer_send_setup_message (KoiSyncer     *self,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autoptr (GBytes) payload = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autofree char *armoured = NULL;
  char *code = NULL;
  guint32 uid = 0;

  if (self->imap == NULL)
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           "Not connected");
      return NULL;
    }
  payload = koi_own_key_setup_payload (koi_store_get_path (self->store), self->account->id,
                                       self->account->address, cancellable, error);
  if (payload == NULL)
    return NULL;
  code = koi_pgp_setup_code_new ();
  armoured = koi_pgp_setup_encrypt (payload, code, error);
  if (armoured != NULL)
    message = koi_coi_build_setup_message (self->account->address, armoured, error);
  if (message != NULL)
    raw = koi_coi_message_to_bytes (message);
  if (raw == NULL ||
      !koi_imap_client_append (self->imap, "INBOX", NULL, raw, &uid, cancellable, error))
    {
      koi_pgp_setup_code_free (code);
      return NULL;
    }
  g_message ("Put a setup message for %s into INBOX (UID %u)", self->account->address, uid);
  return code;
}

/* Whether this device lacks the key its own mail shows: no key file, or
 * the own Autocrypt headers from another device name another key. */
gboolean
koi_syncer_needs_setup_code (KoiStore   *store,
                             gint64      account_id,
                             const char *address)
{
  g_autofree char *here = koi_own_key_file_fingerprint (koi_store_get_path (store), account_id);
  g_autoptr (KoiStorePeerKey) seen = koi_store_peer_key_get (store, account_id, address, NULL);

  if (here == NULL)
    return TRUE;
  return seen != NULL && g_ascii_strcasecmp (seen->fingerprint, here) != 0;
}

static char *
import_one (KoiSyncer     *self,
            gint64         message_ref,
            const char    *code,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr (KoiStoreMessage) row = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GBytes) payload = NULL;
  g_autofree char *armour = NULL;

  row = koi_store_message_get (self->store, message_ref, error);
  if (row == NULL)
    return NULL;
  if (row->account_id != self->account->id || row->type != KOI_COI_TYPE_KEY_SETUP ||
      row->from_address == NULL || g_ascii_strcasecmp (row->from_address, self->account->address) != 0)
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           "That message is no setup message of this account");
      return NULL;
    }
  raw = koi_syncer_fetch_source (self, message_ref, cancellable, error);
  if (raw == NULL)
    return NULL;
  {
    gsize length = 0;
    const char *data = g_bytes_get_data (raw, &length);
    g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data, length);
    g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);

    message = g_mime_parser_construct_message (parser, NULL);
  }
  if (message == NULL || !koi_coi_is_setup_message (message) ||
      (armour = koi_coi_setup_message_armour (message)) == NULL)
    {
      g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                           "The setup message on the server holds no key");
      return NULL;
    }
  payload = koi_pgp_setup_decrypt (armour, code, error);
  if (payload == NULL)
    return NULL;
  return koi_own_key_import (koi_store_get_path (self->store), self->account->id,
                             self->account->address, payload, cancellable, error);
}

/* @message_ref 0: the newest of the account's own setup messages that
 * @code opens. Anyone can send mail "from" the user; a newer fake one
 * must not hide the real one (its code would not open it anyway). */
char *
koi_syncer_import_setup_message (KoiSyncer     *self,
                                 gint64         message_ref,
                                 const char    *code,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_autoptr (GArray) refs = NULL;
  g_autoptr (GError) first_error = NULL;

  if (message_ref != 0)
    return import_one (self, message_ref, code, cancellable, error);

  refs = koi_store_setup_message_list (self->store, self->account->id, self->account->address,
                                       error);
  if (refs == NULL)
    return NULL;
  for (guint i = 0; i < refs->len; i++)
    {
      g_autoptr (GError) local_error = NULL;
      char *fingerprint = import_one (self, g_array_index (refs, gint64, i), code, cancellable,
                                      &local_error);

      if (fingerprint != NULL)
        return fingerprint;
      if (first_error == NULL)
        first_error = g_steal_pointer (&local_error);
    }
  if (first_error == NULL)
    g_set_error_literal (error, KOI_ENGINE_ERROR, KOI_ENGINE_ERROR_INVALID,
                         "This account has no setup message");
  else
    g_propagate_error (error, g_steal_pointer (&first_error));
  return NULL;
}
