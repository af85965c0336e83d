/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-smtp"

#include "config.h"

#include <string.h>

#include "koi-smtp.h"
#include "koi-smtp-session.h"

#define CONNECT_TIMEOUT_MS     60000
/* MAIL, RCPT and DATA are answered at once by any live server. */
#define REPLY_TIMEOUT_MS       60000
/* The reply to the final dot is the one that says whether the message was
 * taken: give up on it too early and the retry is a duplicate. RFC 5321
 * 4.5.3.2.6 asks for 10 minutes. */
#define FINAL_REPLY_TIMEOUT_MS (10 * 60 * 1000)
/* The message goes out in pieces of this size after dot-stuffing. */
#define DATA_CHUNK             (64 * 1024)

G_LOCK_DEFINE_STATIC (bytes_uploaded);
static guint64 bytes_uploaded;

void
koi_smtp_recipient_result_free (KoiSmtpRecipientResult *result)
{
  if (result == NULL)
    return;

  g_free (result->address);
  g_free (result->reply);
  g_free (result);
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

guint64
koi_smtp_get_bytes_uploaded (void)
{
  guint64 n;

  G_LOCK (bytes_uploaded);
  n = bytes_uploaded;
  G_UNLOCK (bytes_uploaded);
  return n;
}

static gboolean
is_positive (int code)
{
  return code >= 200 && code < 300;
}

static gboolean
send_string (KoiSmtpSession  *session,
             const char      *str,
             GCancellable    *cancellable,
             GError         **error)
{
  return koi_smtp_session_send (session, str, strlen (str), cancellable, error);
}

static gboolean
send_rcpt (KoiSmtpSession  *session,
           const char      *address,
           GCancellable    *cancellable,
           GError         **error)
{
  g_autofree char *command = g_strdup_printf ("RCPT TO:<%s>\r\n", address);

  return send_string (session, command, cancellable, error);
}

/* The message, read a block at a time from the caller (as curl's read
 * callback would), with every line that starts with "." given one more
 * (RFC 5321 4.5.2), then the CRLF.CRLF that ends it. The lines already end
 * in CRLF (the caller's contract); a missing last one is added. Only one
 * block and its stuffed copy are held, whatever the message's size. */
static gboolean
send_message_data (KoiSmtpSession  *session,
                   KoiSmtpReadFunc  read_func,
                   gpointer         read_data,
                   GCancellable    *cancellable,
                   GError         **error)
{
  g_autofree char *block = g_malloc (DATA_CHUNK);
  g_autoptr(GByteArray) out = g_byte_array_sized_new (DATA_CHUNK + DATA_CHUNK / 8);
  gboolean line_start = TRUE;
  char last[2] = { 0, 0 };
  guint64 total = 0;

  for (;;)
    {
      gssize n = read_func (read_data, block, DATA_CHUNK, error);
      const char *p = block;
      const char *end;

      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      end = block + n;
      total += n;
      while (p < end)
        {
          const char *nl = memchr (p, '\n', end - p);
          const char *line_end = nl != NULL ? nl + 1 : end;

          if (line_start && *p == '.')
            g_byte_array_append (out, (const guint8 *) ".", 1);
          g_byte_array_append (out, (const guint8 *) p, line_end - p);
          line_start = nl != NULL;
          p = line_end;
        }
      if (n >= 2)
        {
          last[0] = block[n - 2];
          last[1] = block[n - 1];
        }
      else
        {
          last[0] = last[1];
          last[1] = block[0];
        }

      if (out->len >= DATA_CHUNK)
        {
          if (!koi_smtp_session_send (session, (const char *) out->data, out->len,
                                      cancellable, error))
            return FALSE;
          g_byte_array_set_size (out, 0);
        }
    }

  if (total < 2 || last[0] != '\r' || last[1] != '\n')
    g_byte_array_append (out, (const guint8 *) "\r\n", 2);
  g_byte_array_append (out, (const guint8 *) ".\r\n", 3);

  return koi_smtp_session_send (session, (const char *) out->data, out->len, cancellable, error);
}

typedef struct {
  const char *data;
  gsize       len;
  gsize       offset;
} BytesReader;

static gssize
read_bytes (gpointer   user_data,
            char      *buffer,
            gsize      size,
            GError   **error)
{
  BytesReader *reader = user_data;
  gsize n = MIN (size, reader->len - reader->offset);

  memcpy (buffer, reader->data + reader->offset, n);
  reader->offset += n;
  return n;
}

/* The server took the recipients but not the message (or the line broke
 * before it said so): nobody got it. */
static void
unaccept_all (GPtrArray  *results,
              int         code,
              const char *reply,
              gboolean    permanent)
{
  for (guint i = 0; i < results->len; i++)
    {
      KoiSmtpRecipientResult *result = g_ptr_array_index (results, i);

      if (!result->accepted)
        continue;
      result->accepted = FALSE;
      result->code = code;
      g_free (result->reply);
      result->reply = g_strdup (reply);
      result->permanent = permanent;
    }
}

/* After the recipients' replies an error no longer means "nobody was
 * reached": the refused keep their answers, and those accepted are not
 * sent and will be tried again. Cancellation stays an error. */
static gboolean
failed_after_rcpt (GPtrArray  *results,
                   GError     *local_error,
                   GError    **error)
{
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  unaccept_all (results, 0, local_error->message, FALSE);
  g_error_free (local_error);
  return TRUE;
}

/* One transaction for every valid recipient (`slots`: their indexes in
 * `results`). With PIPELINING, MAIL FROM and all RCPT TO go out in one
 * write (RFC 2920) and their replies are read in order; otherwise one
 * command at a time. DATA is sent only once a recipient is accepted: it
 * costs one round trip more than pipelining it too, and a server that
 * wrongly says 354 with nobody accepted is never given the message. */
static gboolean
run_transaction (KoiSmtpSession         *session,
                 const KoiServerConfig  *config,
                 const char             *from,
                 GPtrArray              *results,
                 GArray                 *slots,
                 guint64                 size,
                 KoiSmtpReadFunc         read_func,
                 gpointer                read_data,
                 GCancellable           *cancellable,
                 GError                **error)
{
  gboolean pipelining = koi_smtp_session_has_capability (session, "PIPELINING");
  g_autoptr(GString) commands = g_string_new (NULL);
  g_autofree char *text = NULL;
  GError *local_error = NULL;
  guint n_accepted = 0;
  int code = 0;

  /* RFC 1870: the server refuses an oversized message before the upload. */
  if (koi_smtp_session_has_capability (session, "SIZE"))
    g_string_append_printf (commands, "MAIL FROM:<%s> SIZE=%" G_GUINT64_FORMAT "\r\n", from, size);
  else
    g_string_append_printf (commands, "MAIL FROM:<%s>\r\n", from);
  if (pipelining)
    for (guint i = 0; i < slots->len; i++)
      {
        KoiSmtpRecipientResult *result = results->pdata[g_array_index (slots, guint, i)];

        g_string_append_printf (commands, "RCPT TO:<%s>\r\n", result->address);
      }

  if (!koi_smtp_session_send (session, commands->str, commands->len, cancellable, error) ||
      !koi_smtp_session_read_reply (session, REPLY_TIMEOUT_MS, &code, &text, cancellable, error))
    return FALSE;

  if (!is_positive (code))
    {
      g_set_error (error, KOI_SMTP_ERROR,
                   code >= 500 ? KOI_SMTP_ERROR_PERMANENT : KOI_SMTP_ERROR_TEMPORARY,
                   "%s:%u refused the sender %s: %d %s", config->host, config->port,
                   from, code, text);
      koi_smtp_session_quit (session, cancellable);
      return FALSE;
    }

  for (guint i = 0; i < slots->len; i++)
    {
      KoiSmtpRecipientResult *result = results->pdata[g_array_index (slots, guint, i)];

      /* A failure here still means nobody got the message: no DATA yet. */
      if (!pipelining && !send_rcpt (session, result->address, cancellable, error))
        return FALSE;
      g_clear_pointer (&text, g_free);
      if (!koi_smtp_session_read_reply (session, REPLY_TIMEOUT_MS, &code, &text, cancellable, error))
        return FALSE;

      result->code = code;
      g_free (result->reply);
      result->reply = g_steal_pointer (&text);
      result->accepted = is_positive (code);
      result->permanent = code >= 500;
      if (result->accepted)
        n_accepted++;
    }

  if (n_accepted == 0)
    {
      koi_smtp_session_quit (session, cancellable);
      return TRUE;
    }

  if (!send_string (session, "DATA\r\n", cancellable, &local_error) ||
      !koi_smtp_session_read_reply (session, REPLY_TIMEOUT_MS, &code, &text, cancellable,
                                    &local_error))
    return failed_after_rcpt (results, local_error, error);

  if (code != 354)
    {
      unaccept_all (results, code, text, code >= 500);
      koi_smtp_session_quit (session, cancellable);
      return TRUE;
    }
  g_clear_pointer (&text, g_free);

  if (!send_message_data (session, read_func, read_data, cancellable, &local_error) ||
      !koi_smtp_session_read_reply (session, FINAL_REPLY_TIMEOUT_MS, &code, &text, cancellable,
                                    &local_error))
    return failed_after_rcpt (results, local_error, error);

  if (is_positive (code))
    {
      /* The accepted recipients carry the server's receipt ("queued as ..."). */
      for (guint i = 0; i < results->len; i++)
        {
          KoiSmtpRecipientResult *result = g_ptr_array_index (results, i);

          if (!result->accepted)
            continue;
          result->code = code;
          g_free (result->reply);
          result->reply = g_strdup (text);
        }
    }
  else
    unaccept_all (results, code, text, code >= 500);

  koi_smtp_session_quit (session, cancellable);
  return TRUE;
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
  BytesReader reader = { NULL, 0, 0 };

  g_return_val_if_fail (message != NULL, FALSE);

  reader.data = g_bytes_get_data (message, &reader.len);
  return koi_smtp_send_from_reader (config, from, recipients, reader.len, read_bytes, &reader,
                                    out_results, cancellable, error);
}

gboolean
koi_smtp_send_from_reader (const KoiServerConfig  *config,
                           const char             *from,
                           const char * const     *recipients,
                           guint64                 size,
                           KoiSmtpReadFunc         read_func,
                           gpointer                read_data,
                           GPtrArray             **out_results,
                           GCancellable           *cancellable,
                           GError                **error)
{
  g_autoptr(GPtrArray) results = NULL;
  g_autoptr(GArray) slots = NULL;
  g_autoptr(KoiSmtpSession) session = NULL;
  g_autofree char *helo = NULL;
  gboolean ok;

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (recipients != NULL, FALSE);
  g_return_val_if_fail (read_func != NULL, FALSE);
  g_return_val_if_fail (out_results != NULL, FALSE);

  *out_results = NULL;

  if (!valid_address (from))
    {
      g_set_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_INVALID_ARGUMENT,
                   "“%s” is not a valid sender address", from != NULL ? from : "");
      return FALSE;
    }
  if (size == 0)
    {
      g_set_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_INVALID_ARGUMENT,
                   "Cannot send an empty message");
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  results = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_smtp_recipient_result_free);
  slots = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; recipients[i] != NULL; i++)
    {
      if (valid_address (recipients[i]))
        {
          g_ptr_array_add (results, result_new (recipients[i], FALSE, 0, NULL, FALSE));
          g_array_append_val (slots, i);
        }
      else
        g_ptr_array_add (results, result_new (recipients[i], FALSE, 0,
                                              "Not a valid email address", TRUE));
    }

  if (slots->len > 0)
    {
      helo = ehlo_name (from);
      session = koi_smtp_session_open (config, helo, CONNECT_TIMEOUT_MS, cancellable, error);
      if (session == NULL)
        return FALSE;

      /* Too large for this server: said before anything is sent. */
      if (koi_smtp_session_get_size_limit (session) > 0 &&
          size > koi_smtp_session_get_size_limit (session))
        {
          g_set_error (error, KOI_SMTP_ERROR, KOI_SMTP_ERROR_TOO_LARGE,
                       "The message is %" G_GUINT64_FORMAT " bytes; %s:%u takes at most %"
                       G_GUINT64_FORMAT " bytes", size, config->host, config->port,
                       koi_smtp_session_get_size_limit (session));
          koi_smtp_session_quit (session, cancellable);
          return FALSE;
        }
      ok = run_transaction (session, config, from, results, slots, size, read_func, read_data,
                            cancellable, error);

      G_LOCK (bytes_uploaded);
      bytes_uploaded += koi_smtp_session_get_bytes_sent (session);
      G_UNLOCK (bytes_uploaded);

      if (!ok)
        return FALSE;
    }

  *out_results = g_steal_pointer (&results);
  return TRUE;
}
