// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the table of record types.
 *
 * ckpt_names.h is generated from include/uapi/linux/checkpoint_hdr.h by
 * scripts/ckpthdr.sed, one CKPT_REC(NAME, name) line per record type,
 * so adding a type to the header is enough to make it known here.
 */

#include <linux/checkpoint.h>
#include <linux/kernel.h>

#include "checkpoint.h"

/**
 * struct ckpt_rec_def - what the core knows of a record type
 * @type: CKPT_HDR_* type
 * @size: size of its fixed part, struct ckpt_hdr_<name>
 * @name: its name, for the log
 */
struct ckpt_rec_def {
	u32 type;
	u32 size;
	const char *name;
};

#define CKPT_REC(up, lc)						\
	{ .type = CKPT_HDR_##up, .size = sizeof(struct ckpt_hdr_##lc),	\
	  .name = #up },

static const struct ckpt_rec_def ckpt_rec_defs[] = {
#include "ckpt_names.h"
};

#undef CKPT_REC

static const struct ckpt_rec_def *ckpt_rec_def(u32 type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_rec_defs); i++)
		if (ckpt_rec_defs[i].type == type)
			return &ckpt_rec_defs[i];
	return NULL;
}

/**
 * ckpt_rec_name() - name of a record type, for the log
 * @type: CKPT_HDR_* type
 *
 * Return: the name, or "unknown".
 */
const char *ckpt_rec_name(u32 type)
{
	const struct ckpt_rec_def *def = ckpt_rec_def(type);

	return def ? def->name : "unknown";
}

/* Size of the fixed part of a record type, 0 if the type is unknown */
size_t ckpt_rec_size(u32 type)
{
	const struct ckpt_rec_def *def = ckpt_rec_def(type);

	return def ? def->size : 0;
}
