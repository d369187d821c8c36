/* web_assets.h - the web UI's files, compiled into the binary.
 * web_assets.c is generated from web/ (a placeholder until the UI is
 * built). */
#ifndef BATON_WEB_ASSETS_H
#define BATON_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path;		/* "/index.html" */
	const char *mime;
	const unsigned char *data;
	size_t size;
};

/* The asset served at path, or NULL.  "/" is not mapped here: callers
 * ask for "/index.html". */
const struct web_asset *web_asset_find(const char *path);

#endif
