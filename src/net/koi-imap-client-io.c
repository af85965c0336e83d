/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-imap-client"

#include "config.h"

#include <string.h>

#include "koi-imap-client-private.h"

/*
 * The client's byte path: commands out and responses in over curl's
 * connection (koi-net-curl.c waits and moves the bytes), through
 * COMPRESS=DEFLATE when it is on (koi-imap-client-compress.c turns it on),
 * and counted for koi_imap_client_get_traffic.
 */

void
koi_imap_client_get_traffic (KoiImapClient  *self,
                             KoiImapTraffic *traffic)
{
  *traffic = self->traffic;
}

gboolean
koi_imap_client_send_all (KoiImapClient  *self,
                          const char     *data,
                          gsize           len,
                          GCancellable   *cancellable,
                          GError        **error)
{
  g_autoptr(GByteArray) compressed = NULL;

  self->traffic.plain_out += len;
  if (self->deflate != NULL)
    {
      /* Flushed per write, so a command (or the end of a literal) reaches
       * the server whole: it must not wait for bytes Koi has not sent. */
      compressed = g_byte_array_sized_new (len / 2 + 64);
      if (!koi_net_deflate_compress (self->deflate, data, len, compressed, error))
        return koi_imap_client_broken (self);
      data = (const char *) compressed->data;
      len = compressed->len;
    }
  self->traffic.wire_out += len;

  if (!koi_net_send_all (self->curl, self->sock, data, len, self->timeout_ms, self->config->host,
                         cancellable, KOI_IMAP_ERROR, error))
    return koi_imap_client_broken (self);

  return TRUE;
}

gboolean
koi_imap_client_send_string (KoiImapClient  *self,
                             const char     *str,
                             GCancellable   *cancellable,
                             GError        **error)
{
  return koi_imap_client_send_all (self, str, strlen (str), cancellable, error);
}

/* Reads the next response. With allow_timeout, a quiet server is
 * KOI_IMAP_READ_TIMED_OUT rather than an error (IDLE waits on purpose). */
KoiImapReadResult
koi_imap_client_read (KoiImapClient    *self,
                      gint64            deadline,
                      gboolean          allow_timeout,
                      GCancellable     *cancellable,
                      GCancellable     *wake,
                      KoiImapResponse **out_response,
                      GError          **error)
{
  for (;;)
    {
      KoiImapResponse *response = koi_imap_parser_pop (self->parser);
      gsize n = 0;

      if (response != NULL)
        {
          *out_response = response;
          return KOI_IMAP_READ_RESPONSE;
        }

      /* Inflate a buffer at a time and parse it before inflating more: a
       * few compressed bytes may stand for gigabytes, and only the parser
       * knows how much of that it may keep. */
      if (self->deflate != NULL && koi_net_deflate_has_pending (self->deflate))
        {
          gssize plain = koi_net_deflate_pull (self->deflate, self->buffer, sizeof self->buffer,
                                               error);

          if (plain < 0)
            {
              g_prefix_error (error, "%s: ", self->config->host);
              koi_imap_client_broken (self);
              return KOI_IMAP_READ_FAILED;
            }
          if (plain > 0)
            {
              self->traffic.plain_in += plain;
              if (!koi_imap_parser_feed (self->parser, self->buffer, plain, error))
                {
                  koi_imap_client_broken (self);
                  return KOI_IMAP_READ_FAILED;
                }
              continue;
            }
        }

      switch (koi_net_recv (self->curl, self->sock, self->buffer, sizeof self->buffer, &n,
                            deadline, self->config->host, cancellable, wake, KOI_IMAP_ERROR,
                            error))
        {
        case KOI_NET_RECV_DATA:
          self->traffic.wire_in += n;
          if (self->deflate != NULL)
            {
              koi_net_deflate_push (self->deflate, self->buffer, n);
              continue;
            }
          self->traffic.plain_in += n;
          if (!koi_imap_parser_feed (self->parser, self->buffer, n, error))
            {
              koi_imap_client_broken (self);
              return KOI_IMAP_READ_FAILED;
            }
          continue;
        case KOI_NET_RECV_CLOSED:
          if (self->bye_text != NULL)
            g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_DISCONNECTED,
                         "The IMAP server %s closed the connection: %s",
                         self->config->host, self->bye_text);
          else
            g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_DISCONNECTED,
                         "The IMAP server %s closed the connection", self->config->host);
          koi_imap_client_broken (self);
          return KOI_IMAP_READ_FAILED;
        case KOI_NET_RECV_WOKEN:
          return KOI_IMAP_READ_WOKEN;
        case KOI_NET_RECV_TIMED_OUT:
          if (allow_timeout)
            return KOI_IMAP_READ_TIMED_OUT;
          g_set_error (error, KOI_IMAP_ERROR, KOI_IMAP_ERROR_TIMEOUT,
                       "The IMAP server %s did not answer for %u s",
                       self->config->host, self->timeout_ms / 1000);
          koi_imap_client_broken (self);
          return KOI_IMAP_READ_FAILED;
        case KOI_NET_RECV_FAILED:
        default:
          koi_imap_client_broken (self);
          return KOI_IMAP_READ_FAILED;
        }
    }
}

gint64
koi_imap_client_deadline (KoiImapClient *self)
{
  return g_get_monotonic_time () + (gint64) self->timeout_ms * 1000;
}
