# SPDX-License-Identifier: GPL-2.0
#
# Turns include/uapi/linux/checkpoint_hdr.h into a table of record
# types: one CKPT_REC(NAME, name) line per CKPT_HDR_NAME enumerator,
# where struct ckpt_hdr_name is the record's fixed part.  The includer
# defines CKPT_REC() to build whatever table it needs.
1i\
/* SPDX-License-Identifier: GPL-2.0 */\
/* Generated from checkpoint_hdr.h by scripts/ckpthdr.sed: do not edit. */
/^[[:space:]]*CKPT_HDR_[A-Z0-9_]*[[:space:]]*=[[:space:]]*[0-9]*,/!d
s/^[[:space:]]*CKPT_HDR_\([A-Z0-9_]*\).*/CKPT_REC(\1, \L\1)/
