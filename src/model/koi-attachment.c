/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "koi-attachment"

#include "config.h"

#include "koi-attachment.h"

struct _KoiAttachment
{
  GObject             parent_instance;

  gint64              id;
  gint64              message_ref;
  char               *name;
  char               *mime_type;
  gint64              size;
  KoiAttachmentState  state;
  char               *path;
  char               *error;
  gint64              transferred;     /* -1: no transfer under way */
  gint64              transfer_total;
};

G_DEFINE_FINAL_TYPE (KoiAttachment, koi_attachment, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (KoiAttachmentState, koi_attachment_state,
  G_DEFINE_ENUM_VALUE (KOI_ATTACHMENT_PENDING, "pending"),
  G_DEFINE_ENUM_VALUE (KOI_ATTACHMENT_DOWNLOADING, "downloading"),
  G_DEFINE_ENUM_VALUE (KOI_ATTACHMENT_DONE, "done"),
  G_DEFINE_ENUM_VALUE (KOI_ATTACHMENT_FAILED, "failed"))

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_MIME_TYPE,
  PROP_SIZE,
  PROP_STATE,
  PROP_PATH,
  PROP_ERROR,
  PROP_TRANSFERRED,
  PROP_TRANSFER_TOTAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static KoiAttachmentState
state_from_store (int state)
{
  switch (state)
    {
    case KOI_STORE_ATTACHMENT_DOWNLOADING:
      return KOI_ATTACHMENT_DOWNLOADING;
    case KOI_STORE_ATTACHMENT_DONE:
      return KOI_ATTACHMENT_DONE;
    case KOI_STORE_ATTACHMENT_FAILED:
      return KOI_ATTACHMENT_FAILED;
    default:
      return KOI_ATTACHMENT_PENDING;
    }
}

static void
set_string (KoiAttachment  *self,
            char          **field,
            const char     *value,
            guint           prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

KoiAttachment *
koi_attachment_new_from_store (const KoiStoreAttachment *attachment)
{
  KoiAttachment *self = g_object_new (KOI_TYPE_ATTACHMENT, NULL);

  self->id = attachment->id;
  self->message_ref = attachment->message_ref;
  self->name = g_strdup (attachment->filename);
  self->mime_type = g_strdup (attachment->mime_type);
  koi_attachment_update_from_store (self, attachment);
  return self;
}

void
koi_attachment_update_from_store (KoiAttachment            *self,
                                  const KoiStoreAttachment *attachment)
{
  KoiAttachmentState state = state_from_store (attachment->state);

  g_return_if_fail (KOI_IS_ATTACHMENT (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->size != attachment->size)
    {
      self->size = attachment->size;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
    }
  set_string (self, &self->path, state == KOI_ATTACHMENT_DONE ? attachment->path : NULL, PROP_PATH);
  set_string (self, &self->error, attachment->error, PROP_ERROR);
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
koi_attachment_set_progress (KoiAttachment *self,
                             gint64         done,
                             gint64         total)
{
  g_return_if_fail (KOI_IS_ATTACHMENT (self));

  done = done < 0 ? -1 : done;
  g_object_freeze_notify (G_OBJECT (self));
  if (self->transfer_total != total)
    {
      self->transfer_total = total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSFER_TOTAL]);
    }
  if (self->transferred != done)
    {
      self->transferred = done;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSFERRED]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

gint64
koi_attachment_get_transferred (KoiAttachment *self)
{
  g_return_val_if_fail (KOI_IS_ATTACHMENT (self), -1);

  return self->transferred;
}

gint64
koi_attachment_get_transfer_total (KoiAttachment *self)
{
  g_return_val_if_fail (KOI_IS_ATTACHMENT (self), 0);

  return self->transfer_total;
}

gint64
koi_attachment_get_id (KoiAttachment *self)
{
  g_return_val_if_fail (KOI_IS_ATTACHMENT (self), 0);

  return self->id;
}

gint64
koi_attachment_get_message_ref (KoiAttachment *self)
{
  g_return_val_if_fail (KOI_IS_ATTACHMENT (self), 0);

  return self->message_ref;
}

const char *
koi_attachment_get_name (KoiAttachment *self)
{
  g_return_val_if_fail (KOI_IS_ATTACHMENT (self), NULL);

  return self->name;
}

const char *
koi_attachment_get_mime_type (KoiAttachment *self)
{
  g_return_val_if_fail (KOI_IS_ATTACHMENT (self), NULL);

  return self->mime_type;
}

gint64
koi_attachment_get_size (KoiAttachment *self)
{
  g_return_val_if_fail (KOI_IS_ATTACHMENT (self), 0);

  return self->size;
}

KoiAttachmentState
koi_attachment_get_state (KoiAttachment *self)
{
  g_return_val_if_fail (KOI_IS_ATTACHMENT (self), KOI_ATTACHMENT_PENDING);

  return self->state;
}

const char *
koi_attachment_get_path (KoiAttachment *self)
{
  g_return_val_if_fail (KOI_IS_ATTACHMENT (self), NULL);

  return self->path;
}

const char *
koi_attachment_get_error (KoiAttachment *self)
{
  g_return_val_if_fail (KOI_IS_ATTACHMENT (self), NULL);

  return self->error;
}


static void
koi_attachment_finalize (GObject *object)
{
  KoiAttachment *self = KOI_ATTACHMENT (object);

  g_free (self->name);
  g_free (self->mime_type);
  g_free (self->path);
  g_free (self->error);

  G_OBJECT_CLASS (koi_attachment_parent_class)->finalize (object);
}

static void
koi_attachment_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KoiAttachment *self = KOI_ATTACHMENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_MIME_TYPE:
      g_value_set_string (value, self->mime_type);
      break;
    case PROP_SIZE:
      g_value_set_int64 (value, self->size);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_TRANSFERRED:
      g_value_set_int64 (value, self->transferred);
      break;
    case PROP_TRANSFER_TOTAL:
      g_value_set_int64 (value, self->transfer_total);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
koi_attachment_class_init (KoiAttachmentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = koi_attachment_finalize;
  object_class->get_property = koi_attachment_get_property;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_MIME_TYPE] = g_param_spec_string ("mime-type", NULL, NULL, NULL, flags);
  properties[PROP_SIZE] = g_param_spec_int64 ("size", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, KOI_TYPE_ATTACHMENT_STATE,
                                              KOI_ATTACHMENT_PENDING, flags);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, flags);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  /* Bytes of a transfer under way (up or down), -1 when none is. */
  properties[PROP_TRANSFERRED] = g_param_spec_int64 ("transferred", NULL, NULL, -1, G_MAXINT64, -1, flags);
  properties[PROP_TRANSFER_TOTAL] = g_param_spec_int64 ("transfer-total", NULL, NULL, 0, G_MAXINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
koi_attachment_init (KoiAttachment *self)
{
  self->transferred = -1;
}
