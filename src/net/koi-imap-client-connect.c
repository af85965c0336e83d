/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-imap-client"

#include "config.h"

#include <string.h>

#include "koi-imap-client-private.h"

#define LOGOUT_TIMEOUT_MS 5000

/*
 * The connection's start and end: curl opens it and logs in (CONNECT_ONLY,
 * koi-net-curl.c), then Koi asks for the capabilities and turns on what the
 * server offers (COMPRESS, QRESYNC or CONDSTORE, UTF8=ACCEPT); LOGOUT.
 */

static int
debug_cb (CURL          *handle,
          curl_infotype  type,
          char          *data,
          size_t         size,
          void          *userptr)
{
  KoiImapClient *self = userptr;
  const char *p = data;
  const char *end = data + size;

  /* Only the server's lines are kept, to quote its reason on a refused
   * login. What curl sends (HEADER_OUT) carries the password: never look. */
  if (type != CURLINFO_HEADER_IN)
    return 0;

  while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
    end--;
  /* Drop the tag: "A002 NO [AUTHENTICATIONFAILED] ..." -> "NO ..." */
  if (p < end && *p != '*' && *p != '+')
    {
      const char *sp = memchr (p, ' ', end - p);

      if (sp != NULL)
        p = sp + 1;
    }
  g_string_truncate (self->server_line, 0);
  g_string_append_len (self->server_line, p, MIN (end - p, 300));

  return 0;
}

gboolean
koi_imap_client_connect (KoiImapClient  *self,
                         GCancellable   *cancellable,
                         GError        **error)
{
  g_autofree char *host = NULL;
  g_autofree char *url = NULL;
  curl_socket_t sock = CURL_SOCKET_BAD;

  g_return_val_if_fail (self != NULL, FALSE);

  koi_imap_client_close (self);
  g_hash_table_remove_all (self->capabilities);
  g_clear_pointer (&self->bye_text, g_free);
  memset (&self->traffic, 0, sizeof self->traffic);
  self->utf8_enabled = FALSE;
  self->changed = FALSE;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  host = koi_net_url_host (self->config->host, KOI_IMAP_ERROR, error);
  if (host == NULL)
    return FALSE;
  url = g_strdup_printf ("%s://%s:%u/",
                         self->config->security == KOI_SECURITY_TLS ? "imaps" : "imap",
                         host, self->config->port);

  /* debug_cb keeps the server's words of a refused login. */
  g_string_truncate (self->server_line, 0);
  self->curl = koi_net_connect_only (self->config, KOI_IMAP_ERROR, url, self->timeout_ms,
                                     debug_cb, self, self->server_line, self->errbuf, &sock,
                                     cancellable, error);
  if (self->curl == NULL)
    {
      koi_imap_client_close (self);
      return FALSE;
    }

  self->sock = sock;
  self->parser = koi_imap_parser_new ();
  koi_imap_parser_set_spill (self->parser, self->spill_dir, self->spill_threshold);
  self->connected = TRUE;

  /* curl's CAPABILITY from before login is not kept, and the list often
   * grows after login: ask again. */
  if (!koi_imap_client_command_raw (self, "CAPABILITY", NULL, NULL, NULL, cancellable, error) ||
      !koi_imap_client_start_compression (self, cancellable, error))
    {
      koi_imap_client_close (self);
      return FALSE;
    }

  if (!koi_imap_client_enable_qresync (self, cancellable, error))
    {
      koi_imap_client_close (self);
      return FALSE;
    }

  if (koi_imap_client_has_capability (self, "UTF8=ACCEPT") &&
      koi_imap_client_has_capability (self, "ENABLE"))
    {
      g_autoptr(GError) local_error = NULL;

      if (!koi_imap_client_command_raw (self, "ENABLE UTF8=ACCEPT", koi_imap_client_note_enabled,
                                        NULL, NULL, cancellable, &local_error))
        {
          if (!self->connected || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              koi_imap_client_close (self);
              return FALSE;
            }
          /* A server that will not enable it keeps modified UTF-7. */
        }
    }

  return TRUE;
}

gboolean
koi_imap_client_logout (KoiImapClient  *self,
                        GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  guint saved_timeout;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!self->connected)
    return TRUE;

  /* Polite but short: a dead line must not hold up closing. */
  saved_timeout = self->timeout_ms;
  self->timeout_ms = MIN (saved_timeout, LOGOUT_TIMEOUT_MS);
  if (!koi_imap_client_command_raw (self, "LOGOUT", NULL, NULL, NULL, NULL, &local_error))
    g_debug ("LOGOUT on %s: %s", self->config->host, local_error->message);
  self->timeout_ms = saved_timeout;

  koi_imap_client_close (self);
  return TRUE;
}
