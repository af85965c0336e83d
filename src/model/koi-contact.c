/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-contact"

#include "config.h"

#include "koi-contact.h"

struct _KoiContact
{
  GObject  parent_instance;

  char    *address;
  char    *display_name;
};

G_DEFINE_FINAL_TYPE (KoiContact, koi_contact, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_DISPLAY_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

KoiContact *
koi_contact_new (const char *address,
                 const char *display_name)
{
  g_return_val_if_fail (address != NULL, NULL);

  return g_object_new (KOI_TYPE_CONTACT,
                       "address", address,
                       "display-name", display_name,
                       NULL);
}

const char *
koi_contact_get_address (KoiContact *self)
{
  g_return_val_if_fail (KOI_IS_CONTACT (self), NULL);
  return self->address;
}

const char *
koi_contact_get_display_name (KoiContact *self)
{
  g_return_val_if_fail (KOI_IS_CONTACT (self), NULL);
  return self->display_name;
}

const char *
koi_contact_get_title (KoiContact *self)
{
  g_return_val_if_fail (KOI_IS_CONTACT (self), NULL);

  if (self->display_name != NULL && self->display_name[0] != '\0')
    return self->display_name;
  return self->address;
}

void
koi_contact_set_display_name (KoiContact *self,
                              const char *display_name)
{
  g_return_if_fail (KOI_IS_CONTACT (self));

  if (g_strcmp0 (self->display_name, display_name) == 0)
    return;

  g_free (self->display_name);
  self->display_name = g_strdup (display_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
}

static void
koi_contact_finalize (GObject *object)
{
  KoiContact *self = KOI_CONTACT (object);

  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->display_name, g_free);

  G_OBJECT_CLASS (koi_contact_parent_class)->finalize (object);
}

static void
koi_contact_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  KoiContact *self = KOI_CONTACT (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_contact_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  KoiContact *self = KOI_CONTACT (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      self->address = g_value_dup_string (value);
      break;
    case PROP_DISPLAY_NAME:
      koi_contact_set_display_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_contact_class_init (KoiContactClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = koi_contact_finalize;
  object_class->get_property = koi_contact_get_property;
  object_class->set_property = koi_contact_set_property;

  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* The name the person gave, NULL if unknown. */
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
koi_contact_init (KoiContact *self)
{
}
