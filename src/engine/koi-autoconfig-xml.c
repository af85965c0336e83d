/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-autoconfig"

#include "config.h"

#include <string.h>

#include "koi-autoconfig.h"

/* Thunderbird's config-v1.1.xml (the format the provider's autoconfig host
 * and the ISP database serve), read with GMarkup: only the elements
 * below are used, everything else is skipped. */

typedef struct {
  gboolean  is_imap;     /* incomingServer type="imap" or outgoingServer type="smtp" */
  char     *hostname;
  char     *port;
  char     *socket_type;
  char     *username;
  gboolean  any_auth;    /* saw an <authentication> at all */
  gboolean  password_ok; /* one of them is a password method curl can do */
} Server;

typedef struct {
  const char *address;
  gboolean    saw_root;
  int         depth_in_provider; /* > 0 inside <emailProvider> */
  Server     *server;            /* the server being read, or NULL */
  GString    *text;
  GPtrArray  *imap;
  GPtrArray  *smtp;
} Parse;

static void
server_free (Server *server)
{
  if (server == NULL)
    return;
  g_free (server->hostname);
  g_free (server->port);
  g_free (server->socket_type);
  g_free (server->username);
  g_free (server);
}

static void
replace (char       **field,
         const char  *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static char *
expand (const char *template,
        const char *address)
{
  const char *at = strrchr (address, '@');
  g_autofree char *local = g_strndup (address, at - address);
  g_autoptr(GString) out = g_string_new (template);

  g_string_replace (out, "%EMAILADDRESS%", address, 0);
  g_string_replace (out, "%EMAILLOCALPART%", local, 0);
  g_string_replace (out, "%EMAILDOMAIN%", at + 1, 0);
  return g_strstrip (g_string_free (g_steal_pointer (&out), FALSE));
}

static void
finish_server (Parse  *parse,
               Server *server)
{
  g_autofree char *host = NULL;
  g_autofree char *login = NULL;
  KoiSecurity security;
  guint64 port = 0;

  if (server->hostname == NULL || server->port == NULL || server->socket_type == NULL)
    return;
  /* Plain text never: a password never crosses the network unencrypted. */
  if (g_ascii_strcasecmp (server->socket_type, "SSL") == 0)
    security = KOI_SECURITY_TLS;
  else if (g_ascii_strcasecmp (server->socket_type, "STARTTLS") == 0)
    security = KOI_SECURITY_STARTTLS;
  else
    return;
  if (!g_ascii_string_to_unsigned (server->port, 10, 1, 65535, &port, NULL))
    return;
  /* OAuth2 or client certificates only: Koi has the password, nothing else. */
  if (server->any_auth && !server->password_ok)
    return;

  host = expand (server->hostname, parse->address);
  if (host[0] == '\0' || strpbrk (host, "/?#@ \t\r\n%") != NULL)
    return;
  login = server->username != NULL ? expand (server->username, parse->address)
                                   : g_strdup (parse->address);

  g_ptr_array_add (server->is_imap ? parse->imap : parse->smtp,
                   koi_server_config_new (host, (guint16) port, security, login, NULL, NULL));
}

static void
start_element (GMarkupParseContext  *context,
               const char           *name,
               const char          **attr_names,
               const char          **attr_values,
               gpointer              user_data,
               GError              **error)
{
  Parse *parse = user_data;
  const GSList *stack = g_markup_parse_context_get_element_stack (context);
  guint depth = g_slist_length ((GSList *) stack);

  if (depth == 1)
    {
      if (strcmp (name, "clientConfig") != 0)
        {
          g_set_error (error, KOI_AUTOCONFIG_ERROR, KOI_AUTOCONFIG_ERROR_INVALID_CONFIG,
                       "The file is not a mail client configuration (it starts with <%s>)", name);
          return;
        }
      parse->saw_root = TRUE;
      return;
    }

  if (depth == 2 && strcmp (name, "emailProvider") == 0)
    {
      parse->depth_in_provider = 1;
      return;
    }

  if (depth == 3 && parse->depth_in_provider > 0 &&
      (strcmp (name, "incomingServer") == 0 || strcmp (name, "outgoingServer") == 0))
    {
      const char *type = NULL;
      gboolean incoming = name[0] == 'i';

      for (guint i = 0; attr_names[i] != NULL; i++)
        if (strcmp (attr_names[i], "type") == 0)
          type = attr_values[i];
      if (type == NULL)
        return;
      if ((incoming && strcmp (type, "imap") == 0) || (!incoming && strcmp (type, "smtp") == 0))
        {
          parse->server = g_new0 (Server, 1);
          parse->server->is_imap = incoming;
        }
      return;
    }

  if (depth == 4 && parse->server != NULL)
    g_string_truncate (parse->text, 0);
}

static void
end_element (GMarkupParseContext  *context,
             const char           *name,
             gpointer              user_data,
             GError              **error)
{
  Parse *parse = user_data;
  guint depth = g_slist_length ((GSList *) g_markup_parse_context_get_element_stack (context));
  Server *server = parse->server;

  if (depth == 2 && strcmp (name, "emailProvider") == 0)
    parse->depth_in_provider = 0;

  if (server == NULL)
    return;

  if (depth == 3)
    {
      finish_server (parse, server);
      g_clear_pointer (&parse->server, server_free);
      return;
    }

  if (depth != 4)
    return;

  {
    g_autofree char *value = g_strstrip (g_strdup (parse->text->str));

    if (strcmp (name, "hostname") == 0)
      replace (&server->hostname, value);
    else if (strcmp (name, "port") == 0)
      replace (&server->port, value);
    else if (strcmp (name, "socketType") == 0)
      replace (&server->socket_type, value);
    else if (strcmp (name, "username") == 0)
      replace (&server->username, value);
    else if (strcmp (name, "authentication") == 0)
      {
        server->any_auth = TRUE;
        if (g_str_has_prefix (value, "password-") || strcmp (value, "plain") == 0 ||
            strcmp (value, "secure") == 0)
          server->password_ok = TRUE;
      }
  }
}

static void
text (GMarkupParseContext  *context,
      const char           *text,
      gsize                 text_len,
      gpointer              user_data,
      GError              **error)
{
  Parse *parse = user_data;

  if (parse->server != NULL)
    g_string_append_len (parse->text, text, text_len);
}

static const GMarkupParser parser = {
  start_element, end_element, text, NULL, NULL,
};

gboolean
koi_autoconfig_parse_xml (const char  *xml,
                          gssize       length,
                          const char  *address,
                          GPtrArray  **out_imap,
                          GPtrArray  **out_smtp,
                          GError     **error)
{
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GPtrArray) imap = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_server_config_free);
  g_autoptr(GPtrArray) smtp = g_ptr_array_new_with_free_func ((GDestroyNotify) koi_server_config_free);
  g_autoptr(GString) buffer = g_string_new (NULL);
  g_autoptr(GError) local_error = NULL;
  Parse parse = { 0, };

  g_return_val_if_fail (xml != NULL, FALSE);
  g_return_val_if_fail (address != NULL && strchr (address, '@') != NULL, FALSE);

  parse.address = address;
  parse.text = buffer;
  parse.imap = imap;
  parse.smtp = smtp;

  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &parse, NULL);
  if (!g_markup_parse_context_parse (context, xml, length, &local_error) ||
      !g_markup_parse_context_end_parse (context, &local_error))
    {
      g_clear_pointer (&parse.server, server_free);
      if (local_error->domain == KOI_AUTOCONFIG_ERROR)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, KOI_AUTOCONFIG_ERROR, KOI_AUTOCONFIG_ERROR_INVALID_CONFIG,
                     "The mail configuration file is not valid XML: %s", local_error->message);
      return FALSE;
    }
  g_clear_pointer (&parse.server, server_free);

  if (!parse.saw_root)
    {
      g_set_error_literal (error, KOI_AUTOCONFIG_ERROR, KOI_AUTOCONFIG_ERROR_INVALID_CONFIG,
                           "The mail configuration file is empty");
      return FALSE;
    }
  if (imap->len == 0 || smtp->len == 0)
    {
      g_set_error (error, KOI_AUTOCONFIG_ERROR, KOI_AUTOCONFIG_ERROR_NO_SERVER,
                   "The mail configuration names no %s server Koi can use securely",
                   imap->len == 0 ? "IMAP" : "SMTP");
      return FALSE;
    }

  *out_imap = g_steal_pointer (&imap);
  *out_smtp = g_steal_pointer (&smtp);
  return TRUE;
}
