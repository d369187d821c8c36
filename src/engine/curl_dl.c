/* curl_dl.c - loading libcurl on first use (see curl_dl.h). */
#include <dlfcn.h>
#include <stddef.h>

#include "curl_dl.h"

struct curl_api curl_api;

static const struct {
	const char *name;
	size_t offset;
} symbols[] = {
#define SYM(field, name) {name, offsetof(struct curl_api, field)}
	SYM(global_init, "curl_global_init"),
	SYM(multi_init, "curl_multi_init"),
	SYM(multi_setopt, "curl_multi_setopt"),
	SYM(multi_assign, "curl_multi_assign"),
	SYM(multi_add_handle, "curl_multi_add_handle"),
	SYM(multi_remove_handle, "curl_multi_remove_handle"),
	SYM(multi_info_read, "curl_multi_info_read"),
	SYM(multi_socket_action, "curl_multi_socket_action"),
	SYM(multi_cleanup, "curl_multi_cleanup"),
	SYM(easy_init, "curl_easy_init"),
	SYM(easy_setopt, "curl_easy_setopt"),
	SYM(easy_getinfo, "curl_easy_getinfo"),
	SYM(easy_cleanup, "curl_easy_cleanup"),
	SYM(easy_escape, "curl_easy_escape"),
	SYM(easy_strerror, "curl_easy_strerror"),
	SYM(free, "curl_free"),
	SYM(getdate, "curl_getdate"),
	SYM(slist_append, "curl_slist_append"),
	SYM(slist_free_all, "curl_slist_free_all"),
#undef SYM
};

int curl_dl_load(const char **why)
{
	static int state;	/* 0 not tried, 1 loaded, -1 failed */
	void *h;

	if (state)
		return state > 0 ? 0 : -1;
	state = -1;
	*why = "libcurl is not installed (Debian: apt-get install libcurl4)";
	h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -1;
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *f = dlsym(h, symbols[i].name);

		if (!f) {
			*why = "libcurl is too old (a symbol is missing)";
			return -1;
		}
		*(void **)((char *)&curl_api + symbols[i].offset) = f;
	}
	if (curl_api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*why = "curl_global_init failed";
		return -1;
	}
	state = 1;
	return 0;
}
