/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-autoconfig"

#include "config.h"

#include <string.h>

#include "koi-autoconfig.h"
#include "koi-isp-db.h"
#include "koi-net-fetch.h"
#include "koi-net-probe.h"

#define DEFAULT_TIMEOUT_MS 8000
#define MAX_CONFIG_SIZE (256 * 1024)

G_DEFINE_QUARK (koi-autoconfig-error-quark, koi_autoconfig_error)

struct _KoiAutoconfigOptions {
  char       *ca_file;
  guint16     https_port;
  GPtrArray  *resolve;   /* curl "host:port:address" */
  GHashTable *ports;     /* standard port → port to try instead */
  GResolver  *resolver;
  guint       timeout_ms;
  char       *isp_dir;   /* NULL: the shipped ISP database */
};

KoiAutoconfigOptions *
koi_autoconfig_options_new (void)
{
  KoiAutoconfigOptions *options = g_new0 (KoiAutoconfigOptions, 1);

  options->https_port = 443;
  options->resolve = g_ptr_array_new_with_free_func (g_free);
  options->ports = g_hash_table_new (NULL, NULL);
  options->timeout_ms = DEFAULT_TIMEOUT_MS;
  return options;
}

static KoiAutoconfigOptions *
options_copy (const KoiAutoconfigOptions *options)
{
  KoiAutoconfigOptions *copy = koi_autoconfig_options_new ();
  GHashTableIter iter;
  gpointer key, value;

  if (options == NULL)
    return copy;
  copy->ca_file = g_strdup (options->ca_file);
  copy->https_port = options->https_port;
  for (guint i = 0; i < options->resolve->len; i++)
    g_ptr_array_add (copy->resolve, g_strdup (options->resolve->pdata[i]));
  g_hash_table_iter_init (&iter, options->ports);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy->ports, key, value);
  g_set_object (&copy->resolver, options->resolver);
  copy->timeout_ms = options->timeout_ms;
  copy->isp_dir = g_strdup (options->isp_dir);
  return copy;
}

void
koi_autoconfig_options_free (KoiAutoconfigOptions *options)
{
  if (options == NULL)
    return;
  g_free (options->ca_file);
  g_ptr_array_unref (options->resolve);
  g_hash_table_unref (options->ports);
  g_clear_object (&options->resolver);
  g_free (options->isp_dir);
  g_free (options);
}

void
koi_autoconfig_options_set_ca_file (KoiAutoconfigOptions *options,
                                    const char           *ca_file)
{
  g_free (options->ca_file);
  options->ca_file = g_strdup (ca_file);
}

void
koi_autoconfig_options_set_isp_dir (KoiAutoconfigOptions *options,
                                    const char           *dir)
{
  g_free (options->isp_dir);
  options->isp_dir = g_strdup (dir);
}

void
koi_autoconfig_options_set_https_port (KoiAutoconfigOptions *options,
                                       guint16               port)
{
  options->https_port = port;
}

void
koi_autoconfig_options_map_host (KoiAutoconfigOptions *options,
                                 const char           *host,
                                 const char           *address)
{
  g_ptr_array_add (options->resolve,
                   g_strdup_printf ("%s:%u:%s", host, options->https_port, address));
}

void
koi_autoconfig_options_map_port (KoiAutoconfigOptions *options,
                                 guint16               port,
                                 guint16               actual)
{
  g_hash_table_insert (options->ports, GUINT_TO_POINTER (port), GUINT_TO_POINTER (actual));
}

void
koi_autoconfig_options_set_resolver (KoiAutoconfigOptions *options,
                                     GResolver            *resolver)
{
  g_set_object (&options->resolver, resolver);
}

void
koi_autoconfig_options_set_timeout (KoiAutoconfigOptions *options,
                                    guint                 timeout_ms)
{
  options->timeout_ms = timeout_ms;
}

const char *
koi_autoconfig_source_to_string (KoiAutoconfigSource source)
{
  switch (source)
    {
    case KOI_AUTOCONFIG_SOURCE_PROVIDER: return "provider";
    case KOI_AUTOCONFIG_SOURCE_WELL_KNOWN: return "well-known";
    case KOI_AUTOCONFIG_SOURCE_ISP: return "isp";
    case KOI_AUTOCONFIG_SOURCE_SRV: return "srv";
    case KOI_AUTOCONFIG_SOURCE_GUESS: return "guess";
    case KOI_AUTOCONFIG_SOURCE_NONE:
    default: return "none";
    }
}

void
koi_autoconfig_result_free (KoiAutoconfigResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->imap, koi_server_config_free);
  g_clear_pointer (&result->smtp, koi_server_config_free);
  g_clear_error (&result->imap_error);
  g_clear_error (&result->smtp_error);
  g_free (result);
}

/* ---- probing every candidate at once ------------------------------------ */

typedef struct {
  KoiServerConfig  *config;
  KoiProbeProtocol  protocol;
  guint             order;    /* place in its protocol's list: lower is better */
  gboolean          done;
  gboolean          ok;
  GError           *error;
  GThread          *thread;
} Candidate;

typedef struct {
  GMutex        lock;
  GCond         cond;
  GCancellable *cancel;       /* stops the probes no longer needed */
  guint         timeout_ms;
  GPtrArray    *candidates;   /* Candidate */
} Round;

typedef struct {
  Round     *round;
  Candidate *candidate;
} Job;

static void
candidate_free (Candidate *candidate)
{
  koi_server_config_free (candidate->config);
  g_clear_error (&candidate->error);
  g_free (candidate);
}

static gpointer
probe_thread (gpointer data)
{
  Job *job = data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = koi_net_probe (job->candidate->config, job->candidate->protocol,
                      job->round->timeout_ms, job->round->cancel, &error);
  g_debug ("probe %s %s:%u: %s", job->candidate->protocol == KOI_PROBE_IMAP ? "IMAP" : "SMTP",
           job->candidate->config->host, job->candidate->config->port,
           ok ? "ok" : error->message);

  g_mutex_lock (&job->round->lock);
  job->candidate->done = TRUE;
  job->candidate->ok = ok;
  job->candidate->error = g_steal_pointer (&error);
  g_cond_broadcast (&job->round->cond);
  g_mutex_unlock (&job->round->lock);
  g_free (job);
  return NULL;
}

/* The best verified candidate of `protocol` once it is certain (all better
 * ones finished), -1 while undecided; `*settled` says whether waiting
 * longer could change the answer. */
static int
decide (Round            *round,
        KoiProbeProtocol  protocol,
        gboolean         *settled)
{
  gboolean all_before_done = TRUE;

  for (guint i = 0; i < round->candidates->len; i++)
    {
      Candidate *c = round->candidates->pdata[i];

      if (c->protocol != protocol)
        continue;
      if (c->done && c->ok && all_before_done)
        {
          *settled = TRUE;
          return (int) i;
        }
      if (!c->done)
        all_before_done = FALSE;
    }
  *settled = all_before_done;
  return -1;
}

static void
forward_cancel (GCancellable *outer,
                GCancellable *inner)
{
  g_cancellable_cancel (inner);
}

/* Probes all candidates in parallel and returns the best verified one of
 * each protocol (NULL when none); a slow candidate delays the answer only
 * while a better one is still running. The candidates keep their errors. */
static void
probe_all (GPtrArray     *candidates,
           guint          timeout_ms,
           GCancellable  *cancellable,
           Candidate    **out_imap,
           Candidate    **out_smtp)
{
  Round round = { 0, };
  gulong handler = 0;
  int imap = -1, smtp = -1;

  *out_imap = *out_smtp = NULL;
  if (candidates->len == 0)
    return;

  g_mutex_init (&round.lock);
  g_cond_init (&round.cond);
  round.cancel = g_cancellable_new ();
  round.timeout_ms = timeout_ms;
  round.candidates = candidates;
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (forward_cancel),
                                     g_object_ref (round.cancel), g_object_unref);

  for (guint i = 0; i < candidates->len; i++)
    {
      Job *job = g_new0 (Job, 1);

      job->round = &round;
      job->candidate = candidates->pdata[i];
      job->candidate->thread = g_thread_new ("koi-probe", probe_thread, job);
    }

  g_mutex_lock (&round.lock);
  for (;;)
    {
      gboolean imap_settled = FALSE, smtp_settled = FALSE;

      imap = decide (&round, KOI_PROBE_IMAP, &imap_settled);
      smtp = decide (&round, KOI_PROBE_SMTP, &smtp_settled);
      if (imap_settled && smtp_settled)
        break;
      g_cond_wait (&round.cond, &round.lock);
    }
  g_mutex_unlock (&round.lock);

  /* The rest are no longer needed; curl notices within its progress
   * interval, so the joins below are short. */
  g_cancellable_cancel (round.cancel);
  for (guint i = 0; i < candidates->len; i++)
    {
      Candidate *c = candidates->pdata[i];

      g_thread_join (g_steal_pointer (&c->thread));
    }

  g_cancellable_disconnect (cancellable, handler);
  g_object_unref (round.cancel);
  g_mutex_clear (&round.lock);
  g_cond_clear (&round.cond);

  *out_imap = imap >= 0 ? candidates->pdata[imap] : NULL;
  *out_smtp = smtp >= 0 ? candidates->pdata[smtp] : NULL;
}

/* ---- the sources ---------------------------------------------------------- */

typedef struct {
  const char                 *address;
  const char                 *domain;
  const KoiAutoconfigOptions *options;
  KoiAutoconfigResult        *result;
  gboolean                    have_imap; /* verified */
  gboolean                    have_smtp;
  KoiServerConfig            *likely_imap; /* for the manual form */
  KoiServerConfig            *likely_smtp;
  GError                     *likely_imap_error;
  GError                     *likely_smtp_error;
} Run;

static void
add_candidate (GPtrArray             *candidates,
               const KoiServerConfig *config,
               KoiProbeProtocol       protocol,
               const char            *ca_file)
{
  Candidate *c = g_new0 (Candidate, 1);

  c->config = koi_server_config_copy (config);
  g_free (c->config->ca_file);
  c->config->ca_file = g_strdup (ca_file);
  c->protocol = protocol;
  g_ptr_array_add (candidates, c);
}

static guint16
mapped_port (const KoiAutoconfigOptions *options,
             guint16                     port)
{
  gpointer actual = g_hash_table_lookup (options->ports, GUINT_TO_POINTER (port));

  return actual != NULL ? (guint16) GPOINTER_TO_UINT (actual) : port;
}

/* Probes `candidates` for the protocols still missing and keeps the
 * winners. Returns whether both are now known. */
static gboolean
try_candidates (Run                 *run,
                GPtrArray           *candidates,
                KoiAutoconfigSource  source,
                GCancellable        *cancellable)
{
  g_autoptr(GPtrArray) wanted = g_ptr_array_new ();
  Candidate *imap = NULL, *smtp = NULL;

  for (guint i = 0; i < candidates->len; i++)
    {
      Candidate *c = candidates->pdata[i];

      if ((c->protocol == KOI_PROBE_IMAP && !run->have_imap) ||
          (c->protocol == KOI_PROBE_SMTP && !run->have_smtp))
        g_ptr_array_add (wanted, c);
    }

  probe_all (wanted, run->options->timeout_ms, cancellable, &imap, &smtp);

  /* The first try of each protocol is the likeliest setting: its error is
   * the one worth showing when nothing works. */
  for (guint i = 0; i < wanted->len; i++)
    {
      Candidate *c = wanted->pdata[i];
      KoiServerConfig **likely = c->protocol == KOI_PROBE_IMAP ? &run->likely_imap
                                                              : &run->likely_smtp;
      GError **likely_error = c->protocol == KOI_PROBE_IMAP ? &run->likely_imap_error
                                                           : &run->likely_smtp_error;

      if (*likely == NULL)
        {
          *likely = koi_server_config_copy (c->config);
          if (c->error != NULL)
            *likely_error = g_error_copy (c->error);
        }
    }

  if (imap != NULL)
    {
      run->have_imap = TRUE;
      run->result->imap = koi_server_config_copy (imap->config);
      run->result->source = source;
    }
  if (smtp != NULL)
    {
      run->have_smtp = TRUE;
      run->result->smtp = koi_server_config_copy (smtp->config);
      if (run->result->source == KOI_AUTOCONFIG_SOURCE_NONE)
        run->result->source = source;
    }

  return run->have_imap && run->have_smtp;
}

/* Probes the servers a config-v1.1.xml names (@origin for the log). */
static gboolean
try_config (Run                 *run,
            GBytes              *body,
            const char          *origin,
            KoiAutoconfigSource  source,
            GCancellable        *cancellable)
{
  const KoiAutoconfigOptions *options = run->options;
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  g_autoptr(GPtrArray) imap = NULL;
  g_autoptr(GPtrArray) smtp = NULL;
  g_autoptr(GError) error = NULL;

  if (!koi_autoconfig_parse_xml (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                 run->address, &imap, &smtp, &error))
    {
      g_debug ("%s: %s", origin, error->message);
      return FALSE;
    }

  for (guint i = 0; i < imap->len; i++)
    add_candidate (candidates, imap->pdata[i], KOI_PROBE_IMAP, options->ca_file);
  for (guint i = 0; i < smtp->len; i++)
    add_candidate (candidates, smtp->pdata[i], KOI_PROBE_SMTP, options->ca_file);
  return try_candidates (run, candidates, source, cancellable);
}

static gboolean
try_config_file (Run                 *run,
                 const char          *host,
                 const char          *path,
                 KoiAutoconfigSource  source,
                 GCancellable        *cancellable)
{
  const KoiAutoconfigOptions *options = run->options;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  if (options->https_port != 443)
    url = g_strdup_printf ("https://%s:%u%s", host, options->https_port, path);
  else
    url = g_strdup_printf ("https://%s%s", host, path);

  body = koi_net_fetch_https (url, options->ca_file,
                              (const char * const *) options->resolve->pdata,
                              MAX_CONFIG_SIZE, options->timeout_ms, cancellable, &error);
  if (body == NULL)
    {
      g_debug ("%s: %s", url, error->message);
      return FALSE;
    }
  return try_config (run, body, url, source, cancellable);
}

/* The ISP database shipped with Koi (koi-isp-db.h): no network until the
 * probes, so a known provider is found even where its own files are not. */
static gboolean
try_isp_db (Run          *run,
            GCancellable *cancellable)
{
  g_autoptr(GBytes) body = koi_isp_db_lookup (run->domain, run->options->isp_dir);

  if (body == NULL)
    return FALSE;
  return try_config (run, body, "the ISP database", KOI_AUTOCONFIG_SOURCE_ISP, cancellable);
}

static void
add_srv (Run          *run,
         GPtrArray    *candidates,
         const char   *service,
         KoiProbeProtocol protocol,
         KoiSecurity   security,
         GCancellable *cancellable)
{
  g_autoptr(GResolver) resolver = run->options->resolver != NULL
                                    ? g_object_ref (run->options->resolver)
                                    : g_resolver_get_default ();
  g_autoptr(GError) error = NULL;
  GList *targets;

  targets = g_resolver_lookup_service (resolver, service, "tcp", run->domain, cancellable, &error);
  if (targets == NULL)
    {
      g_debug ("SRV _%s._tcp.%s: %s", service, run->domain, error->message);
      return;
    }

  /* Sorted by priority and weight already (GResolver does that). */
  for (GList *l = targets; l != NULL; l = l->next)
    {
      const char *host = g_srv_target_get_hostname (l->data);
      guint16 port = g_srv_target_get_port (l->data);
      g_autoptr(KoiServerConfig) config = NULL;

      /* "." means: this service is deliberately not offered (RFC 2782). */
      if (host == NULL || strcmp (host, ".") == 0 || host[0] == '\0' || port == 0)
        continue;
      config = koi_server_config_new (host, mapped_port (run->options, port), security,
                                      run->address, NULL, NULL);
      add_candidate (candidates, config, protocol, run->options->ca_file);
    }
  g_list_free_full (targets, (GDestroyNotify) g_srv_target_free);
}

static gboolean
try_srv (Run          *run,
         GCancellable *cancellable)
{
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);

  /* RFC 6186 and RFC 8314: implicit TLS first, then STARTTLS. */
  add_srv (run, candidates, "imaps", KOI_PROBE_IMAP, KOI_SECURITY_TLS, cancellable);
  add_srv (run, candidates, "imap", KOI_PROBE_IMAP, KOI_SECURITY_STARTTLS, cancellable);
  add_srv (run, candidates, "submissions", KOI_PROBE_SMTP, KOI_SECURITY_TLS, cancellable);
  add_srv (run, candidates, "submission", KOI_PROBE_SMTP, KOI_SECURITY_STARTTLS, cancellable);
  if (g_cancellable_is_cancelled (cancellable) || candidates->len == 0)
    return FALSE;
  return try_candidates (run, candidates, KOI_AUTOCONFIG_SOURCE_SRV, cancellable);
}

static gboolean
try_guesses (Run          *run,
             GCancellable *cancellable)
{
  static const struct { guint16 port; KoiSecurity security; } imap_ports[] = {
    { 993, KOI_SECURITY_TLS }, { 143, KOI_SECURITY_STARTTLS },
  }, smtp_ports[] = {
    { 465, KOI_SECURITY_TLS }, { 587, KOI_SECURITY_STARTTLS },
  };
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  const char *imap_prefixes[] = { "imap.", "mail.", "" };
  const char *smtp_prefixes[] = { "smtp.", "mail.", "" };

  for (guint h = 0; h < G_N_ELEMENTS (imap_prefixes); h++)
    for (guint p = 0; p < G_N_ELEMENTS (imap_ports); p++)
      {
        g_autofree char *host = g_strconcat (imap_prefixes[h], run->domain, NULL);
        g_autoptr(KoiServerConfig) config =
          koi_server_config_new (host, mapped_port (run->options, imap_ports[p].port),
                                 imap_ports[p].security, run->address, NULL, NULL);

        add_candidate (candidates, config, KOI_PROBE_IMAP, run->options->ca_file);
      }
  for (guint h = 0; h < G_N_ELEMENTS (smtp_prefixes); h++)
    for (guint p = 0; p < G_N_ELEMENTS (smtp_ports); p++)
      {
        g_autofree char *host = g_strconcat (smtp_prefixes[h], run->domain, NULL);
        g_autoptr(KoiServerConfig) config =
          koi_server_config_new (host, mapped_port (run->options, smtp_ports[p].port),
                                 smtp_ports[p].security, run->address, NULL, NULL);

        add_candidate (candidates, config, KOI_PROBE_SMTP, run->options->ca_file);
      }
  return try_candidates (run, candidates, KOI_AUTOCONFIG_SOURCE_GUESS, cancellable);
}

KoiAutoconfigResult *
koi_autoconfig_run_sync (const char                  *address,
                         const KoiAutoconfigOptions  *options,
                         GCancellable                *cancellable,
                         GError                     **error)
{
  g_autoptr(KoiAutoconfigOptions) defaults = NULL;
  g_autoptr(KoiAutoconfigResult) result = g_new0 (KoiAutoconfigResult, 1);
  g_autofree char *domain = NULL;
  g_autofree char *provider = NULL;
  const char *at;
  Run run = { 0, };
  gboolean done;

  at = address != NULL ? strrchr (address, '@') : NULL;
  if (at == NULL || at == address || at[1] == '\0' ||
      strpbrk (at + 1, "/?#@[]: \t\r\n%") != NULL)
    {
      g_set_error (error, KOI_AUTOCONFIG_ERROR, KOI_AUTOCONFIG_ERROR_INVALID_ADDRESS,
                   "“%s” is not an email address", address != NULL ? address : "");
      return NULL;
    }
  domain = g_ascii_strdown (at + 1, -1);
  if (options == NULL)
    options = defaults = koi_autoconfig_options_new ();

  run.address = address;
  run.domain = domain;
  run.options = options;
  run.result = result;

  provider = g_strconcat ("autoconfig.", domain, NULL);
  done = try_config_file (&run, provider, "/mail/config-v1.1.xml",
                          KOI_AUTOCONFIG_SOURCE_PROVIDER, cancellable);
  if (!done && !g_cancellable_is_cancelled (cancellable))
    done = try_config_file (&run, domain, "/.well-known/autoconfig/mail/config-v1.1.xml",
                            KOI_AUTOCONFIG_SOURCE_WELL_KNOWN, cancellable);
  if (!done && !g_cancellable_is_cancelled (cancellable))
    done = try_isp_db (&run, cancellable);
  if (!done && !g_cancellable_is_cancelled (cancellable))
    done = try_srv (&run, cancellable);
  if (!done && !g_cancellable_is_cancelled (cancellable))
    done = try_guesses (&run, cancellable);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      g_clear_pointer (&run.likely_imap, koi_server_config_free);
      g_clear_pointer (&run.likely_smtp, koi_server_config_free);
      g_clear_error (&run.likely_imap_error);
      g_clear_error (&run.likely_smtp_error);
      return NULL;
    }

  result->verified = done;
  if (result->imap == NULL)
    {
      result->imap = g_steal_pointer (&run.likely_imap);
      result->imap_error = g_steal_pointer (&run.likely_imap_error);
    }
  if (result->smtp == NULL)
    {
      result->smtp = g_steal_pointer (&run.likely_smtp);
      result->smtp_error = g_steal_pointer (&run.likely_smtp_error);
    }
  g_clear_pointer (&run.likely_imap, koi_server_config_free);
  g_clear_pointer (&run.likely_smtp, koi_server_config_free);
  g_clear_error (&run.likely_imap_error);
  g_clear_error (&run.likely_smtp_error);

  return g_steal_pointer (&result);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  KoiAutoconfigOptions *options = task_data;
  const char *address = g_object_get_data (G_OBJECT (task), "address");
  GError *error = NULL;
  KoiAutoconfigResult *result;

  result = koi_autoconfig_run_sync (address, options, cancellable, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) koi_autoconfig_result_free);
}

void
koi_autoconfig_run_async (const char                  *address,
                          const KoiAutoconfigOptions  *options,
                          GCancellable                *cancellable,
                          GAsyncReadyCallback          callback,
                          gpointer                     user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, koi_autoconfig_run_async);
  g_task_set_task_data (task, options_copy (options), (GDestroyNotify) koi_autoconfig_options_free);
  g_object_set_data_full (G_OBJECT (task), "address", g_strdup (address), g_free);
  g_task_run_in_thread (task, run_thread);
}

KoiAutoconfigResult *
koi_autoconfig_run_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
