/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-smtp"

#include "config.h"

#include <string.h>

#include "koi-net-curl.h"
#include "koi-smtp.h"
#include "koi-smtp-session.h"

#define SEND_TIMEOUT_MS  60000
#define QUIT_TIMEOUT_MS  5000
#define MAX_REPLY_TEXT   500
#define RECV_BUFFER_SIZE 4096

struct _KoiSmtpSession
{
  KoiServerConfig *config;
  CURL            *curl;         /* NULL once the line is closed */
  curl_socket_t    sock;
  GHashTable      *capabilities; /* upper-case EHLO keywords */
  GString         *server_words; /* curl's last line in, quoted if login fails */
  GByteArray      *pending;      /* read but not yet a whole line */
  guint64          bytes_sent;
  char             errbuf[CURL_ERROR_SIZE];
  char             buffer[RECV_BUFFER_SIZE];
};

void
koi_smtp_session_free (KoiSmtpSession *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->curl, curl_easy_cleanup);
  g_hash_table_unref (self->capabilities);
  g_string_free (self->server_words, TRUE);
  g_byte_array_unref (self->pending);
  koi_server_config_free (self->config);
  g_free (self);
}

static int
debug_cb (CURL          *handle,
          curl_infotype  type,
          char          *data,
          size_t         size,
          void          *userptr)
{
  KoiSmtpSession *self = userptr;
  const char *end = data + size;

  if (type == CURLINFO_HEADER_OUT)
    {
      /* Only the verb is looked at: AUTH lines carry the password. A new
       * EHLO (after STARTTLS) replaces what the server offered before. */
      if (size >= 4 && g_ascii_strncasecmp (data, "EHLO", 4) == 0)
        g_hash_table_remove_all (self->capabilities);
      return 0;
    }
  if (type != CURLINFO_HEADER_IN)
    return 0;

  while (end > data && (end[-1] == '\n' || end[-1] == '\r'))
    end--;
  g_string_truncate (self->server_words, 0);
  g_string_append_len (self->server_words, data, MIN (end - data, 300));

  /* curl does not keep the EHLO keywords ("250-PIPELINING"); only EHLO
   * answers 250 during the login. */
  if (end - data > 4 && strncmp (data, "250", 3) == 0 && (data[3] == '-' || data[3] == ' '))
    {
      const char *word = data + 4;
      const char *word_end = word;

      while (word_end < end && *word_end != ' ')
        word_end++;
      /* The keyword's parameters are kept too ("SIZE 10240000"). */
      if (word_end > word)
        g_hash_table_insert (self->capabilities, g_ascii_strup (word, word_end - word),
                             g_strndup (word_end < end ? word_end + 1 : end,
                                        word_end < end ? end - word_end - 1 : 0));
    }

  return 0;
}

/* The EHLO SIZE of every server seen in this process, keyed by login,
 * host and port: the engine keeps it per account (koi_smtp_get_size_limit)
 * so the window can refuse a file before anything is queued. */
G_LOCK_DEFINE_STATIC (size_limits);
static GHashTable *size_limits;

static char *
size_limit_key (const KoiServerConfig *config)
{
  return g_strdup_printf ("%s@%s:%u", config->login ? config->login : "", config->host, config->port);
}

static void
remember_size_limit (const KoiServerConfig *config,
                     guint64                limit)
{
  G_LOCK (size_limits);
  if (size_limits == NULL)
    size_limits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (size_limits, size_limit_key (config), g_memdup2 (&limit, sizeof limit));
  G_UNLOCK (size_limits);
}

gboolean
koi_smtp_get_size_limit (const KoiServerConfig *config,
                         guint64               *out_limit)
{
  g_autofree char *key = size_limit_key (config);
  const guint64 *limit = NULL;

  G_LOCK (size_limits);
  if (size_limits != NULL)
    limit = g_hash_table_lookup (size_limits, key);
  if (limit != NULL)
    *out_limit = *limit;
  G_UNLOCK (size_limits);
  return limit != NULL;
}

KoiSmtpSession *
koi_smtp_session_open (const KoiServerConfig  *config,
                       const char             *helo,
                       guint                   timeout_ms,
                       GCancellable           *cancellable,
                       GError                **error)
{
  g_autoptr(KoiSmtpSession) self = NULL;
  g_autofree char *host = NULL;
  g_autofree char *url = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (helo != NULL, NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  host = koi_net_url_host (config->host, KOI_SMTP_ERROR, error);
  if (host == NULL)
    return NULL;
  /* The path is the EHLO name: never the machine's host name. */
  url = g_strdup_printf ("%s://%s:%u/%s",
                         config->security == KOI_SECURITY_TLS ? "smtps" : "smtp",
                         host, config->port, helo);

  self = g_new0 (KoiSmtpSession, 1);
  self->config = koi_server_config_copy (config);
  self->sock = CURL_SOCKET_BAD;
  self->capabilities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->server_words = g_string_new (NULL);
  self->pending = g_byte_array_new ();

  self->curl = koi_net_connect_only (config, KOI_SMTP_ERROR, url, timeout_ms, debug_cb, self,
                                     self->server_words, self->errbuf, &self->sock,
                                     cancellable, error);
  if (self->curl == NULL)
    return NULL;

  remember_size_limit (config, koi_smtp_session_get_size_limit (self));
  return g_steal_pointer (&self);
}

gboolean
koi_smtp_session_has_capability (KoiSmtpSession *self,
                                 const char     *keyword)
{
  g_autofree char *upper = g_ascii_strup (keyword, -1);

  return g_hash_table_contains (self->capabilities, upper);
}

guint64
koi_smtp_session_get_size_limit (KoiSmtpSession *self)
{
  const char *value = g_hash_table_lookup (self->capabilities, "SIZE");

  return value != NULL ? g_ascii_strtoull (value, NULL, 10) : 0;
}

static gboolean
not_connected (KoiSmtpSession  *self,
               GError         **error)
{
  g_set_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_DISCONNECTED,
               "The connection to the SMTP server %s is closed", self->config->host);
  return FALSE;
}

/* After any error the line is in an unknown state: never reuse it. */
static gboolean
broken (KoiSmtpSession *self)
{
  g_clear_pointer (&self->curl, curl_easy_cleanup);
  self->sock = CURL_SOCKET_BAD;
  return FALSE;
}

gboolean
koi_smtp_session_send (KoiSmtpSession  *self,
                       const char      *data,
                       gsize            len,
                       GCancellable    *cancellable,
                       GError         **error)
{
  if (self->curl == NULL)
    return not_connected (self, error);

  self->bytes_sent += len;
  if (!koi_net_send_all (self->curl, self->sock, data, len, SEND_TIMEOUT_MS, self->config->host,
                         cancellable, KOI_SMTP_ERROR, error))
    return broken (self);

  return TRUE;
}

static gboolean
protocol_error (KoiSmtpSession  *self,
                const char      *what,
                GError         **error)
{
  g_set_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_DISCONNECTED,
               "The SMTP server %s sent something that is not SMTP (%s)",
               self->config->host, what);
  return broken (self);
}

/* Takes the next whole line out of `pending` (without CRLF), or NULL. */
static char *
take_line (KoiSmtpSession *self)
{
  const guint8 *nl;
  gsize len;
  char *line;

  if (self->pending->len == 0)
    return NULL;
  nl = memchr (self->pending->data, '\n', self->pending->len);
  if (nl == NULL)
    return NULL;

  len = nl - self->pending->data;
  line = g_strndup ((const char *) self->pending->data, len);
  g_byte_array_remove_range (self->pending, 0, len + 1);
  if (len > 0 && line[len - 1] == '\r')
    line[len - 1] = '\0';
  return line;
}

gboolean
koi_smtp_session_read_reply (KoiSmtpSession  *self,
                             guint            timeout_ms,
                             int             *out_code,
                             char           **out_text,
                             GCancellable    *cancellable,
                             GError         **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  g_autoptr(GString) text = g_string_new (NULL);
  guint n_lines = 0;

  *out_code = 0;
  *out_text = NULL;

  if (self->curl == NULL)
    return not_connected (self, error);

  for (;;)
    {
      g_autofree char *line = take_line (self);
      gsize n = 0;

      if (line != NULL)
        {
          gsize len = strlen (line);
          gboolean last;

          if (len > KOI_SMTP_MAX_LINE)
            return protocol_error (self, "a reply line is too long", error);
          if (len < 3 || !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1]) ||
              !g_ascii_isdigit (line[2]) || (len > 3 && line[3] != ' ' && line[3] != '-') ||
              line[0] < '2' || line[0] > '5')
            return protocol_error (self, "a reply without a reply code", error);
          if (++n_lines > KOI_SMTP_MAX_REPLY_LINES)
            return protocol_error (self, "a reply of too many lines", error);

          last = len == 3 || line[3] == ' ';
          if (len > 4 && text->len < MAX_REPLY_TEXT)
            {
              if (text->len > 0)
                g_string_append_c (text, ' ');
              g_string_append_len (text, line + 4, MIN (len - 4, MAX_REPLY_TEXT - text->len));
            }
          if (last)
            {
              *out_code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
              *out_text = g_string_free (g_steal_pointer (&text), FALSE);
              return TRUE;
            }
          continue;
        }

      if (self->pending->len > KOI_SMTP_MAX_LINE)
        return protocol_error (self, "a reply line is too long", error);

      switch (koi_net_recv (self->curl, self->sock, self->buffer, sizeof self->buffer, &n,
                            deadline, self->config->host, cancellable, NULL, KOI_SMTP_ERROR,
                            error))
        {
        case KOI_NET_RECV_DATA:
          g_byte_array_append (self->pending, (const guint8 *) self->buffer, n);
          continue;
        case KOI_NET_RECV_CLOSED:
          if (text->len > 0 || self->pending->len > 0)
            g_set_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_DISCONNECTED,
                         "The SMTP server %s closed the connection in the middle of a reply%s%s",
                         self->config->host, text->len > 0 ? ": " : "", text->str);
          else
            g_set_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_DISCONNECTED,
                         "The SMTP server %s closed the connection", self->config->host);
          return broken (self);
        case KOI_NET_RECV_TIMED_OUT:
          g_set_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_TIMEOUT,
                       "The SMTP server %s did not answer for %u s",
                       self->config->host, timeout_ms / 1000);
          return broken (self);
        case KOI_NET_RECV_WOKEN:
        case KOI_NET_RECV_FAILED:
        default:
          return broken (self);
        }
    }
}

void
koi_smtp_session_quit (KoiSmtpSession *self,
                       GCancellable   *cancellable)
{
  g_autofree char *text = NULL;
  int code = 0;

  if (self->curl == NULL || g_cancellable_is_cancelled (cancellable))
    return;

  if (koi_smtp_session_send (self, "QUIT\r\n", 6, cancellable, NULL))
    koi_smtp_session_read_reply (self, QUIT_TIMEOUT_MS, &code, &text, cancellable, NULL);
  broken (self);
}

guint64
koi_smtp_session_get_bytes_sent (KoiSmtpSession *self)
{
  return self->bytes_sent;
}
