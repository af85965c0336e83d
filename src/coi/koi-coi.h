/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The COI wire format in one include: build, parse and classify chat mail. */
#include "koi-coi-error.h"
#include "koi-coi-attachment.h"
#include "koi-coi-builder.h"
#include "koi-coi-group.h"
#include "koi-coi-parser.h"
#include "koi-coi-setup.h"
#include "koi-coi-text.h"
#include "koi-contact-card.h"
#include "koi-vcard.h"
#include "koi-vcard-date.h"
