/* fs.h - directories. */
#ifndef BATON_FS_H
#define BATON_FS_H

/* mkdir -p; returns 0 or -errno. */
int fs_mkdirs(const char *path);
/* rm -rf without following symlinks; returns 0 or -errno. */
int fs_remove_tree(const char *path);

#endif
