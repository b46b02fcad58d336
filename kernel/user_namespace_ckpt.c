// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the id maps of a user namespace.
 *
 * Included at the end of kernel/user_namespace.c, whose map helpers it
 * uses.  A restart gives the new user namespace of a container the maps
 * of the image as the restarter writing its uid_map, gid_map and
 * setgroups files would, with the same checks, without the files.
 */

#include <linux/checkpoint.h>

/**
 * userns_ckpt_read_map() - copy the uid or gid map of a user namespace
 * @ns: the namespace, not the initial one
 * @gid: the gid map, else the uid map
 * @ext: where, %UID_GID_MAP_MAX_EXTENTS at least; lower ids in the
 *	parent namespace
 *
 * Return: how many extents (0 if the map is not written yet).
 */
unsigned int userns_ckpt_read_map(struct user_namespace *ns, bool gid,
				  struct uid_gid_extent *ext)
{
	struct uid_gid_map *map = gid ? &ns->gid_map : &ns->uid_map;
	struct uid_gid_map *parent = gid ? &ns->parent->gid_map :
					   &ns->parent->uid_map;
	const struct uid_gid_extent *e;
	unsigned int i, nr;

	mutex_lock(&userns_state_mutex);
	nr = map->nr_extents;
	for (i = 0; i < nr; i++) {
		e = nr <= UID_GID_MAP_MAX_BASE_EXTENTS ? &map->extent[i] :
							&map->forward[i];
		ext[i] = *e;
		/* Kernel ids to the parent's, as the map file shows them */
		ext[i].lower_first = map_id_up(parent, e->lower_first);
	}
	mutex_unlock(&userns_state_mutex);
	return nr;
}

/**
 * userns_ckpt_deny_setgroups() - as writing "deny" to its setgroups file
 * @ns: the namespace, its gid map not written yet
 *
 * Return: 0, or -EPERM if its gid map is written.
 */
int userns_ckpt_deny_setgroups(struct user_namespace *ns)
{
	int ret = -EPERM;

	mutex_lock(&userns_state_mutex);
	if (!ns->gid_map.nr_extents) {
		ns->flags &= ~USERNS_SETGROUPS_ALLOWED;
		ret = 0;
	}
	mutex_unlock(&userns_state_mutex);
	return ret;
}

/**
 * userns_ckpt_write_map() - as writing a uid_map or gid_map file
 * @ns: the namespace, a child of @cred's
 * @gid: the gid map, else the uid map
 * @ext: its extents, lower ids in the parent namespace
 * @nr: how many, 1 to %UID_GID_MAP_MAX_EXTENTS
 * @cred: the writer's credentials
 *
 * The checks of map_write(): written once, by a writer with
 * CAP_SYS_ADMIN over @ns, extents that neither wrap nor overlap, and
 * ids the writer may map (new_idmap_permitted()).
 *
 * Return: 0, -EINVAL for bad extents, or -EPERM.
 */
int userns_ckpt_write_map(struct user_namespace *ns, bool gid,
			  const struct uid_gid_extent *ext, unsigned int nr,
			  const struct cred *cred)
{
	struct uid_gid_map *map = gid ? &ns->gid_map : &ns->uid_map;
	struct uid_gid_map *parent = gid ? &ns->parent->gid_map :
					   &ns->parent->uid_map;
	int cap_setid = gid ? CAP_SETGID : CAP_SETUID;
	struct uid_gid_map new_map = {};
	struct uid_gid_extent extent, *e;
	unsigned int i;
	u32 lower;
	int ret;

	if (cred->user_ns != ns->parent || !nr ||
	    nr > UID_GID_MAP_MAX_EXTENTS)
		return -EINVAL;
	mutex_lock(&userns_state_mutex);
	ret = -EPERM;
	if (map->nr_extents ||
	    security_capable(cred, ns, CAP_SYS_ADMIN, CAP_OPT_NONE))
		goto out;
	ret = -EINVAL;
	for (i = 0; i < nr; i++) {
		extent = ext[i];
		if (extent.first == (u32)-1 || extent.lower_first == (u32)-1 ||
		    extent.first + extent.count <= extent.first ||
		    extent.lower_first + extent.count <= extent.lower_first ||
		    mappings_overlap(&new_map, &extent))
			goto out;
		ret = insert_extent(&new_map, &extent);
		if (ret < 0)
			goto out;
		ret = -EINVAL;
	}
	ret = -EPERM;
	if (!new_idmap_permitted(cred, ns, cap_setid, &new_map))
		goto out;
	for (i = 0; i < new_map.nr_extents; i++) {
		e = new_map.nr_extents <= UID_GID_MAP_MAX_BASE_EXTENTS ?
		    &new_map.extent[i] : &new_map.forward[i];
		lower = map_id_range_down(parent, e->lower_first, e->count);
		if (lower == (u32)-1)
			goto out;
		e->lower_first = lower;
	}
	ret = sort_idmaps(&new_map);
	if (ret < 0)
		goto out;
	if (new_map.nr_extents <= UID_GID_MAP_MAX_BASE_EXTENTS) {
		memcpy(map->extent, new_map.extent,
		       new_map.nr_extents * sizeof(new_map.extent[0]));
	} else {
		map->forward = new_map.forward;
		map->reverse = new_map.reverse;
	}
	/* The extents before their count, as map_write() orders them */
	smp_wmb();
	map->nr_extents = new_map.nr_extents;
	ret = 0;
out:
	if (ret < 0 && new_map.nr_extents > UID_GID_MAP_MAX_BASE_EXTENTS) {
		kfree(new_map.forward);
		kfree(new_map.reverse);
	}
	mutex_unlock(&userns_state_mutex);
	return ret;
}
