/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-smtp"

#include "config.h"

#include <string.h>

#include "koi-net-curl.h"
#include "koi-smtp.h"

#define SMTP_TIMEOUT_MS 60000

/* Where in a transaction the server last answered, to tell a refused
 * sender from a refused recipient from a broken connection. */
typedef enum
{
  STAGE_SESSION, /* greeting, EHLO, STARTTLS, AUTH */
  STAGE_MAIL,
  STAGE_RCPT,
  STAGE_DATA,
  STAGE_QUIT,    /* after a failure curl says goodbye: that reply is not the reason */
} Stage;

typedef struct
{
  GBytes  *message;
  gsize    offset;
  Stage    stage;
  GString *reply;      /* the reply being read (multi-line replies are joined) */
  int      code;       /* code of the last complete reply */
  Stage    code_stage; /* what that reply answered */
  char    *last_reply; /* text of the last complete reply */
} Transaction;

void
koi_smtp_recipient_result_free (KoiSmtpRecipientResult *result)
{
  if (result == NULL)
    return;

  g_free (result->address);
  g_free (result->reply);
  g_free (result);
}

static size_t
read_cb (char   *buffer,
         size_t  size,
         size_t  nitems,
         void   *userdata)
{
  Transaction *t = userdata;
  gsize len;
  const char *data = g_bytes_get_data (t->message, &len);
  gsize n = MIN (size * nitems, len - t->offset);

  memcpy (buffer, data + t->offset, n);
  t->offset += n;
  return n;
}

static int
debug_cb (CURL          *handle,
          curl_infotype  type,
          char          *data,
          size_t         size,
          void          *userptr)
{
  Transaction *t = userptr;
  const char *end = data + size;

  if (type == CURLINFO_HEADER_OUT)
    {
      /* Only the verb is looked at: AUTH lines carry the password. */
      if (size >= 4 && g_ascii_strncasecmp (data, "MAIL", 4) == 0)
        t->stage = STAGE_MAIL;
      else if (size >= 4 && g_ascii_strncasecmp (data, "RCPT", 4) == 0)
        t->stage = STAGE_RCPT;
      else if (size >= 4 && g_ascii_strncasecmp (data, "DATA", 4) == 0)
        t->stage = STAGE_DATA;
      else if (size >= 4 && g_ascii_strncasecmp (data, "QUIT", 4) == 0)
        t->stage = STAGE_QUIT;
      return 0;
    }

  if (type != CURLINFO_HEADER_IN || t->stage == STAGE_QUIT)
    return 0;

  while (end > data && (end[-1] == '\n' || end[-1] == '\r'))
    end--;
  if (end - data < 3 || !g_ascii_isdigit (data[0]) || !g_ascii_isdigit (data[1]) ||
      !g_ascii_isdigit (data[2]))
    return 0;

  if (t->reply->len > 0)
    g_string_append_c (t->reply, ' ');
  if (end - data > 4)
    g_string_append_len (t->reply, data + 4, MIN (end - data - 4, 500));

  if (end - data == 3 || data[3] == ' ')
    {
      t->code = (data[0] - '0') * 100 + (data[1] - '0') * 10 + (data[2] - '0');
      t->code_stage = t->stage;
      g_free (t->last_reply);
      t->last_reply = g_string_free (t->reply, FALSE);
      t->reply = g_string_new (NULL);
    }

  return 0;
}

/* The EHLO name: the sender's domain, so the machine's own host name
 * never leaves it. */
static char *
ehlo_name (const char *from)
{
  const char *at = strrchr (from, '@');

  if (at == NULL || at[1] == '\0')
    return g_strdup ("localhost");
  for (const char *p = at + 1; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-')
      return g_strdup ("localhost");

  return g_strdup (at + 1);
}

static gboolean
valid_address (const char *address)
{
  if (address == NULL || address[0] == '\0' || strchr (address, '@') == NULL)
    return FALSE;

  for (const char *p = address; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || *p == '<' || *p == '>' || (guchar) *p == 0x7f)
      return FALSE;

  return TRUE;
}

static KoiSmtpRecipientResult *
result_new (const char *address,
            gboolean    accepted,
            int         code,
            const char *reply,
            gboolean    permanent)
{
  KoiSmtpRecipientResult *result = g_new0 (KoiSmtpRecipientResult, 1);

  result->address = g_strdup (address);
  result->accepted = accepted;
  result->code = code;
  result->reply = g_strdup (reply);
  result->permanent = permanent;
  return result;
}

gboolean
koi_smtp_send (const KoiServerConfig  *config,
               const char             *from,
               const char * const     *recipients,
               GBytes                 *message,
               GPtrArray             **out_results,
               GCancellable           *cancellable,
               GError                **error)
{
  g_autoptr(GPtrArray) results = NULL;
  g_autofree char *host = NULL;
  g_autofree char *url = NULL;
  g_autofree char *helo = NULL;
  g_autofree char *mail_from = NULL;
  char errbuf[CURL_ERROR_SIZE];
  Transaction t = { 0, };
  gboolean reached_server = FALSE;
  CURL *curl;
  gboolean ok = TRUE;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (recipients != NULL, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (out_results != NULL, FALSE);

  *out_results = NULL;

  if (!valid_address (from))
    {
      g_set_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a valid sender address", from != NULL ? from : "");
      return FALSE;
    }
  if (g_bytes_get_size (message) == 0)
    {
      g_set_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_INVALID_ARGUMENT,
                   "Cannot send an empty message");
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  host = koi_net_url_host (config->host, KOI_SMTP_ERROR, error);
  if (host == NULL)
    return FALSE;
  helo = ehlo_name (from);
  url = g_strdup_printf ("%s://%s:%u/%s",
                         config->security == KOI_SECURITY_TLS ? "smtps" : "smtp",
                         host, config->port, helo);
  mail_from = g_strdup_printf ("<%s>", from);

  koi_net_curl_init ();
  curl = curl_easy_init ();
  if (curl == NULL)
    {
      g_set_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_CONNECT_FAILED,
                   "Could not set up a connection (out of memory?)");
      return FALSE;
    }

  t.message = message;
  t.reply = g_string_new (NULL);

  koi_net_curl_setup (curl, config, SMTP_TIMEOUT_MS, cancellable, errbuf);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, mail_from);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt (curl, CURLOPT_READDATA, &t);
  curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) g_bytes_get_size (message));
  /* A server that stops taking data for a minute is gone. */
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt (curl, CURLOPT_LOW_SPEED_TIME, (long) (SMTP_TIMEOUT_MS / 1000));
  /* VERBOSE only feeds debug_cb (nothing reaches stderr): it is how the
   * server's own words for a refused recipient are kept. */
  curl_easy_setopt (curl, CURLOPT_DEBUGFUNCTION, debug_cb);
  curl_easy_setopt (curl, CURLOPT_DEBUGDATA, &t);
  curl_easy_setopt (curl, CURLOPT_VERBOSE, 1L);

  results = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_smtp_recipient_result_free);

  for (guint i = 0; recipients[i] != NULL; i++)
    {
      const char *rcpt = recipients[i];
      struct curl_slist *rcpt_list = NULL;
      g_autofree char *rcpt_arg = NULL;
      CURLcode rc;

      if (!valid_address (rcpt))
        {
          g_ptr_array_add (results, result_new (rcpt, FALSE, 0, "Not a valid email address", TRUE));
          continue;
        }

      /* One transaction per recipient: each gets its own exact answer. */
      rcpt_arg = g_strdup_printf ("<%s>", rcpt);
      rcpt_list = curl_slist_append (NULL, rcpt_arg);
      curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, rcpt_list);

      t.offset = 0;
      t.stage = STAGE_SESSION;
      t.code_stage = STAGE_SESSION;
      t.code = 0;
      g_clear_pointer (&t.last_reply, g_free);
      g_string_truncate (t.reply, 0);
      errbuf[0] = '\0';

      rc = curl_easy_perform (curl);

      curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, NULL);
      curl_slist_free_all (rcpt_list);

      if (rc == CURLE_OK)
        {
          g_ptr_array_add (results, result_new (rcpt, TRUE, t.code, t.last_reply, FALSE));
          reached_server = TRUE;
          continue;
        }

      if (t.code >= 400 && (t.code_stage == STAGE_RCPT || t.code_stage == STAGE_DATA))
        {
          g_ptr_array_add (results, result_new (rcpt, FALSE, t.code, t.last_reply, t.code >= 500));
          reached_server = TRUE;
          continue;
        }

      if (!reached_server)
        {
          /* Nobody got it: the connection, login or sender failed. */
          if (t.code >= 400 && t.code_stage == STAGE_MAIL)
            g_set_error (error, KOI_SMTP_ERROR,
                         t.code >= 500 ? KOI_SMTP_ERROR_PERMANENT : KOI_SMTP_ERROR_TEMPORARY,
                         "%s:%u refused the sender %s: %d %s", config->host, config->port,
                         from, t.code, t.last_reply != NULL ? t.last_reply : "");
          else
            koi_net_set_curl_error (error, KOI_SMTP_ERROR, rc, errbuf, t.last_reply, config,
                                    cancellable);
          ok = FALSE;
          break;
        }

      /* Mid-way: this one and the rest were not sent; retry them later. */
      {
        g_autoptr(GError) local_error = NULL;

        koi_net_set_curl_error (&local_error, KOI_SMTP_ERROR, rc, errbuf, t.last_reply, config,
                                cancellable);
        for (guint j = i; recipients[j] != NULL; j++)
          g_ptr_array_add (results, result_new (recipients[j], FALSE, 0, local_error->message,
                                                !valid_address (recipients[j])));
        break;
      }
    }

  curl_easy_cleanup (curl);
  g_string_free (t.reply, TRUE);
  g_free (t.last_reply);

  if (!ok)
    return FALSE;

  *out_results = g_steal_pointer (&results);
  return TRUE;
}
