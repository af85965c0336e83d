/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-net-fetch"

#include "config.h"

#include <curl/curl.h>

#include "koi-net-curl.h"
#include "koi-net-fetch.h"

typedef struct {
  GByteArray *body;
  gsize       max_size;
  gboolean    too_large;
} Sink;

static size_t
write_cb (char   *data,
          size_t  size,
          size_t  nmemb,
          void   *user_data)
{
  Sink *sink = user_data;
  gsize n = size * nmemb;

  if (sink->body->len + n > sink->max_size)
    {
      sink->too_large = TRUE;
      return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
  g_byte_array_append (sink->body, (const guint8 *) data, n);
  return n;
}

static int
progress_cb (void       *clientp,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  return g_cancellable_is_cancelled (clientp) ? 1 : 0;
}

GBytes *
koi_net_fetch_https (const char          *url,
                     const char          *ca_file,
                     const char * const  *resolve,
                     gsize                max_size,
                     guint                timeout_ms,
                     GCancellable        *cancellable,
                     GError             **error)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  struct curl_slist *resolve_list = NULL;
  char errbuf[CURL_ERROR_SIZE] = "";
  Sink sink = { body, max_size, FALSE };
  long status = 0;
  CURLcode rc;
  CURL *curl;

  g_return_val_if_fail (g_str_has_prefix (url, "https://"), NULL);

  koi_net_curl_init ();
  curl = curl_easy_init ();
  if (curl == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not set up a download");
      return NULL;
    }

  for (guint i = 0; resolve != NULL && resolve[i] != NULL; i++)
    resolve_list = curl_slist_append (resolve_list, resolve[i]);

  curl_easy_setopt (curl, CURLOPT_URL, url);
  /* HTTPS only, also after a redirect: a config from plain HTTP could send
   * the password to anyone on the path. */
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt (curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt (curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt (curl, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (ca_file != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, ca_file);
  if (resolve_list != NULL)
    curl_easy_setopt (curl, CURLOPT_RESOLVE, resolve_list);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, (long) timeout_ms);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt (curl, CURLOPT_USERAGENT, "Koi");
  if (cancellable != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
      curl_easy_setopt (curl, CURLOPT_XFERINFODATA, cancellable);
    }

  rc = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (curl);
  curl_slist_free_all (resolve_list);

  if (rc == CURLE_ABORTED_BY_CALLBACK && g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (sink.too_large)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   "%s is larger than %" G_GSIZE_FORMAT " bytes", url, max_size);
      return NULL;
    }
  if (rc == CURLE_OPERATION_TIMEDOUT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s did not answer in time", url);
      return NULL;
    }
  if (rc == CURLE_COULDNT_RESOLVE_HOST)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No such host for %s", url);
      return NULL;
    }
  if (rc != CURLE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not download %s: %s", url,
                   errbuf[0] != '\0' ? errbuf : curl_easy_strerror (rc));
      return NULL;
    }
  if (status != 200)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s answered HTTP %ld", url, status);
      return NULL;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&body));
}
