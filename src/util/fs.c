#include "fs.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"

int fs_mkdirs(const char *path)
{
	char *tmp;
	int rc = 0;

	/* Usually only the last component is missing. */
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	tmp = xstrdup(path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			rc = -errno;
		*p = '/';
	}
	if (!rc && mkdir(tmp, 0755) < 0 && errno != EEXIST)
		rc = -errno;
	free(tmp);
	return rc;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

int fs_remove_tree(const char *path)
{
	if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return errno == ENOENT ? 0 : -errno;
	return 0;
}
