/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-imap-client"

#include "config.h"

#include "koi-imap-client-private.h"

/*
 * Turning COMPRESS=DEFLATE on (RFC 4978). Once self->deflate is set, every
 * byte goes through it in koi-imap-client-io.c; the codec itself is
 * koi-net-deflate.c.
 */

gboolean
koi_imap_client_is_compressed (KoiImapClient *self)
{
  return self->deflate != NULL;
}

/* COMPRESS=DEFLATE (RFC 4978) right after login, before anything else, so
 * every later command and answer is compressed. Not when TLS compresses
 * already (the RFC says so): curl's OpenSSL never does, since OpenSSL
 * turns TLS compression off by default (CRIME) and Debian builds it without.
 * A NO (e.g. compression already active through a proxy) leaves the line
 * uncompressed and usable. */
gboolean
koi_imap_client_start_compression (KoiImapClient  *self,
                                   GCancellable   *cancellable,
                                   GError        **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!koi_imap_client_has_capability (self, "COMPRESS=DEFLATE") ||
      g_strcmp0 (g_getenv ("KOI_IMAP_NO_COMPRESS"), "1") == 0)
    return TRUE;

  if (!koi_imap_client_command_raw (self, "COMPRESS DEFLATE", NULL, NULL, NULL, cancellable,
                                    &local_error))
    {
      if (!self->connected || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("%s refused COMPRESS DEFLATE: %s", self->config->host, local_error->message);
      return TRUE;
    }

  /* The server compresses from the byte after its OK line on. Bytes read
   * with that line were taken for plain ones: nothing can be made of them.
   * (The server has no reason to send any before Koi's next command.) */
  if (koi_imap_parser_get_pending (self->parser) > 0)
    {
      g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_PROTOCOL,
                   "The IMAP server %s sent data together with its answer to COMPRESS",
                   self->config->host);
      return koi_imap_client_broken (self);
    }

  self->deflate = koi_net_deflate_new ();
  g_debug ("%s: COMPRESS=DEFLATE on", self->config->host);
  return TRUE;
}
