/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-net-cert"

#include "config.h"

#include <string.h>

#include "koi-net-cert.h"
#include "koi-net-curl.h"
#include "koi-net-error.h"

void
koi_cert_info_free (KoiCertInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->host);
  g_free (info->subject);
  g_free (info->issuer);
  g_free (info->not_before);
  g_free (info->not_after);
  g_free (info->sha256);
  g_free (info->key_pin);
  g_free (info->problem);
  g_free (info);
}

KoiCertInfo *
koi_cert_info_copy (const KoiCertInfo *info)
{
  KoiCertInfo *copy;

  if (info == NULL)
    return NULL;

  copy = g_new0 (KoiCertInfo, 1);
  copy->host = g_strdup (info->host);
  copy->port = info->port;
  copy->subject = g_strdup (info->subject);
  copy->issuer = g_strdup (info->issuer);
  copy->not_before = g_strdup (info->not_before);
  copy->not_after = g_strdup (info->not_after);
  copy->sha256 = g_strdup (info->sha256);
  copy->key_pin = g_strdup (info->key_pin);
  copy->problem = g_strdup (info->problem);
  return copy;
}

/* ---- DER: just enough to find the SubjectPublicKeyInfo ------------------ */

/* One TLV at *p: its tag and content; *p moves past it. Only what a
 * certificate uses: one-byte tags, definite lengths of up to 4 bytes. */
static gboolean
der_next (const guint8 **p,
          const guint8  *end,
          guint8        *tag,
          const guint8 **content,
          gsize         *len)
{
  const guint8 *q = *p;
  gsize n;

  if (q >= end || end - q < 2)
    return FALSE;
  *tag = *q++;
  if ((*tag & 0x1f) == 0x1f)
    return FALSE;
  n = *q++;
  if (n & 0x80)
    {
      guint bytes = n & 0x7f;

      if (bytes == 0 || bytes > 4 || (gsize) (end - q) < bytes)
        return FALSE;
      n = 0;
      for (guint i = 0; i < bytes; i++)
        n = (n << 8) | *q++;
    }
  if (n > (gsize) (end - q))
    return FALSE;

  *content = q;
  *len = n;
  *p = q + n;
  return TRUE;
}

/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version
 * OPTIONAL, serialNumber, signature, issuer, validity, subject,
 * subjectPublicKeyInfo, … }, … } (RFC 5280 4.1): the key is the sixth
 * element after the optional version. */
static gboolean
der_find_spki (const guint8  *der,
               gsize          len,
               const guint8 **out_spki,
               gsize         *out_len)
{
  const guint8 *p = der, *end = der + len, *content, *tbs_end, *start;
  gsize n;
  guint8 tag;

  if (!der_next (&p, end, &tag, &content, &n) || tag != 0x30)
    return FALSE;
  p = content;
  end = content + n;
  if (!der_next (&p, end, &tag, &content, &n) || tag != 0x30)
    return FALSE;
  p = content;
  tbs_end = content + n;

  start = p;
  if (!der_next (&p, tbs_end, &tag, &content, &n))
    return FALSE;
  if (tag != 0xa0)
    p = start;
  for (guint i = 0; i < 6; i++)
    {
      start = p;
      if (!der_next (&p, tbs_end, &tag, &content, &n))
        return FALSE;
    }
  if (tag != 0x30)
    return FALSE;

  *out_spki = start;
  *out_len = (gsize) (p - start);
  return TRUE;
}

gboolean
koi_cert_der_fingerprints (const guint8  *der,
                           gsize          len,
                           char         **out_sha256,
                           char         **out_key_pin)
{
  g_autoptr (GChecksum) checksum = NULL;
  const guint8 *spki;
  gsize spki_len;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autofree char *b64 = NULL;
  GString *hex;

  if (der == NULL || !der_find_spki (der, len, &spki, &spki_len))
    return FALSE;

  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, der, len);
  g_checksum_get_digest (checksum, digest, &digest_len);
  hex = g_string_sized_new (96);
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf (hex, "%s%02X", i > 0 ? ":" : "", digest[i]);

  g_checksum_reset (checksum);
  g_checksum_update (checksum, spki, spki_len);
  digest_len = sizeof digest;
  g_checksum_get_digest (checksum, digest, &digest_len);
  b64 = g_base64_encode (digest, digest_len);

  if (out_sha256 != NULL)
    *out_sha256 = g_strdup (hex->str);
  if (out_key_pin != NULL)
    *out_key_pin = g_strconcat ("sha256//", b64, NULL);
  g_string_free (hex, TRUE);
  return TRUE;
}

/* ---- Matching a fingerprint the user typed ------------------------------ */

/* Lower-case hex without separators, or NULL if it is not 64 hex digits. */
static char *
normalise_hex (const char *text)
{
  GString *out = g_string_sized_new (64);

  for (const char *c = text; *c != '\0'; c++)
    {
      if (*c == ':' || *c == ' ' || *c == '-')
        continue;
      if (!g_ascii_isxdigit (*c))
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append_c (out, g_ascii_tolower (*c));
    }
  if (out->len != 64)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

static char *
key_pin_hex (const char *key_pin)
{
  g_autofree guint8 *raw = NULL;
  gsize len = 0;
  GString *hex;

  if (key_pin == NULL || !g_str_has_prefix (key_pin, "sha256//"))
    return NULL;
  raw = g_base64_decode (key_pin + strlen ("sha256//"), &len);
  if (len != 32)
    return NULL;
  hex = g_string_sized_new (64);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", raw[i]);
  return g_string_free (hex, FALSE);
}

gboolean
koi_cert_info_matches (const KoiCertInfo *info,
                       const char        *fingerprint)
{
  g_autofree char *given = NULL, *cert = NULL, *key = NULL;
  g_autofree char *trimmed = NULL;

  g_return_val_if_fail (info != NULL, FALSE);

  if (fingerprint == NULL)
    return FALSE;
  trimmed = g_strstrip (g_strdup (fingerprint));
  if (g_ascii_strncasecmp (trimmed, "sha256:", 7) == 0 && !g_str_has_prefix (trimmed + 7, "/"))
    memmove (trimmed, trimmed + 7, strlen (trimmed + 7) + 1);
  if (info->key_pin != NULL && g_strcmp0 (trimmed, info->key_pin) == 0)
    return TRUE;

  given = normalise_hex (trimmed);
  if (given == NULL)
    return FALSE;
  cert = info->sha256 != NULL ? normalise_hex (info->sha256) : NULL;
  key = key_pin_hex (info->key_pin);
  return g_strcmp0 (given, cert) == 0 || g_strcmp0 (given, key) == 0;
}

void
koi_cert_info_pin (const KoiCertInfo *info,
                   KoiServerConfig   *config)
{
  g_return_if_fail (info != NULL && config != NULL);

  koi_server_config_set_pin (config, info->key_pin, info->sha256);
}

/* ---- Reading the certificate from the server ---------------------------- */

#define VERIFY_RESULT "SSL certificate verify result: "

/* curl says why the chain does not verify only as a line of text when it
 * was told not to insist: keep those words for the user. */
static int
debug_cb (CURL          *curl,
          curl_infotype  type,
          char          *data,
          size_t         size,
          void          *user_data)
{
  char **problem = user_data;
  g_autofree char *line = NULL;
  const char *at;

  if (type != CURLINFO_TEXT || *problem != NULL)
    return 0;
  line = g_strndup (data, size);
  at = strstr (line, VERIFY_RESULT);
  if (at != NULL)
    {
      const char *words = at + strlen (VERIFY_RESULT);
      const char *end = strstr (words, ", continuing anyway");

      char *open;

      *problem = end != NULL ? g_strndup (words, end - words) : g_strstrip (g_strdup (words));
      /* OpenSSL's error number means nothing to a user: "… (20)". */
      open = strrchr (*problem, '(');
      if (open != NULL && open > *problem && open[-1] == ' ' &&
          strspn (open + 1, "0123456789") > 0 && g_str_equal (open + 1 + strspn (open + 1, "0123456789"), ")"))
        open[-1] = '\0';
    }
  return 0;
}

static char *
pem_to_der (const char *pem,
            gsize      *out_len)
{
  const char *begin = strstr (pem, "-----BEGIN CERTIFICATE-----");
  const char *end;
  GString *b64;
  guchar *der;

  *out_len = 0;
  if (begin == NULL)
    return NULL;
  begin += strlen ("-----BEGIN CERTIFICATE-----");
  end = strstr (begin, "-----END CERTIFICATE-----");
  if (end == NULL)
    return NULL;

  b64 = g_string_sized_new (end - begin);
  for (const char *c = begin; c < end; c++)
    if (!g_ascii_isspace (*c))
      g_string_append_c (b64, *c);
  der = g_base64_decode (b64->str, out_len);
  g_string_free (b64, TRUE);
  return (char *) der;
}

static char *
certinfo_field (struct curl_slist *fields,
                const char        *name)
{
  gsize len = strlen (name);

  for (struct curl_slist *f = fields; f != NULL; f = f->next)
    if (g_ascii_strncasecmp (f->data, name, len) == 0 && f->data[len] == ':')
      return g_strstrip (g_strdup (f->data + len + 1));
  return NULL;
}

KoiCertInfo *
koi_net_cert_inspect_url (const KoiServerConfig  *config,
                          GQuark                  domain,
                          const char             *url,
                          guint                   timeout_ms,
                          GCancellable           *cancellable,
                          GError                **error)
{
  g_autoptr (KoiServerConfig) anonymous = NULL;
  g_autoptr (KoiCertInfo) info = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *der = NULL;
  struct curl_certinfo *certs = NULL;
  char errbuf[CURL_ERROR_SIZE];
  gsize der_len = 0;
  CURLcode rc;
  CURL *curl;

  g_return_val_if_fail (config != NULL && url != NULL, NULL);

  koi_net_curl_init ();
  curl = curl_easy_init ();
  if (curl == NULL)
    {
      g_set_error (error, domain, 0 /* CONNECT_FAILED */,
                   "Could not set up a connection (out of memory?)");
      return NULL;
    }

  /* No login: curl stops after the greeting and STARTTLS, and nothing
   * secret goes to a server nobody has trusted yet. The CA file only
   * decides whether `problem` is set. */
  anonymous = koi_server_config_new (config->host, config->port, config->security,
                                     NULL, NULL, config->ca_file);
  koi_net_curl_setup (curl, anonymous, timeout_ms, cancellable, errbuf);
  /* The one connection Koi makes without verifying: it only reads the
   * certificate to show it, and sends nothing but the protocol's
   * greeting, capability question and STARTTLS. */
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt (curl, CURLOPT_CERTINFO, 1L);
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
  curl_easy_setopt (curl, CURLOPT_DEBUGFUNCTION, debug_cb);
  curl_easy_setopt (curl, CURLOPT_DEBUGDATA, &problem);
  curl_easy_setopt (curl, CURLOPT_VERBOSE, 1L);

  rc = curl_easy_perform (curl);
  if (rc != CURLE_OK)
    {
      koi_net_set_curl_error (error, domain, rc, errbuf, NULL, anonymous, cancellable);
      curl_easy_cleanup (curl);
      return NULL;
    }

  if (curl_easy_getinfo (curl, CURLINFO_CERTINFO, &certs) != CURLE_OK ||
      certs == NULL || certs->num_of_certs < 1)
    {
      g_set_error (error, domain,
                   domain == KOI_IMAP_ERROR ? KOI_IMAP_ERROR_TLS_FAILED : KOI_SMTP_ERROR_TLS_FAILED,
                   "%s:%u showed no certificate", config->host, config->port);
      curl_easy_cleanup (curl);
      return NULL;
    }

  info = g_new0 (KoiCertInfo, 1);
  info->host = g_strdup (config->host);
  info->port = config->port;
  info->subject = certinfo_field (certs->certinfo[0], "Subject");
  info->issuer = certinfo_field (certs->certinfo[0], "Issuer");
  info->not_before = certinfo_field (certs->certinfo[0], "Start date");
  info->not_after = certinfo_field (certs->certinfo[0], "Expire date");
  pem = certinfo_field (certs->certinfo[0], "Cert");
  info->problem = g_steal_pointer (&problem);

  /* A polite goodbye; whether it arrives changes nothing. */
  {
    const char *bye = domain == KOI_IMAP_ERROR ? "K1 LOGOUT\r\n" : "QUIT\r\n";
    size_t sent = 0;

    curl_easy_send (curl, bye, strlen (bye), &sent);
  }
  curl_easy_cleanup (curl);

  if (pem != NULL)
    der = pem_to_der (pem, &der_len);
  if (der == NULL ||
      !koi_cert_der_fingerprints ((const guint8 *) der, der_len, &info->sha256, &info->key_pin))
    {
      g_set_error (error, domain,
                   domain == KOI_IMAP_ERROR ? KOI_IMAP_ERROR_TLS_FAILED : KOI_SMTP_ERROR_TLS_FAILED,
                   "Koi could not read the certificate of %s:%u", config->host, config->port);
      return NULL;
    }

  return g_steal_pointer (&info);
}

KoiCertInfo *
koi_net_cert_inspect (const KoiServerConfig  *config,
                      KoiProbeProtocol        protocol,
                      guint                   timeout_ms,
                      GCancellable           *cancellable,
                      GError                **error)
{
  GQuark domain = protocol == KOI_PROBE_IMAP ? KOI_IMAP_ERROR : KOI_SMTP_ERROR;
  g_autofree char *host = NULL;
  g_autofree char *url = NULL;
  const char *scheme;

  g_return_val_if_fail (config != NULL, NULL);

  host = koi_net_url_host (config->host, domain, error);
  if (host == NULL)
    return NULL;

  if (protocol == KOI_PROBE_IMAP)
    scheme = config->security == KOI_SECURITY_TLS ? "imaps" : "imap";
  else
    scheme = config->security == KOI_SECURITY_TLS ? "smtps" : "smtp";
  url = g_strdup_printf ("%s://%s:%u/%s", scheme, host, config->port,
                         protocol == KOI_PROBE_SMTP ? "koi.localhost" : "");

  return koi_net_cert_inspect_url (config, domain, url, timeout_ms, cancellable, error);
}
