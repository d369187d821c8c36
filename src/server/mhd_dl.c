/* mhd_dl.c - loading libmicrohttpd at run time (see mhd_dl.h). */
#include <dlfcn.h>
#include <stddef.h>

#include "mhd_dl.h"

struct mhd_api mhd_api;

static const struct {
	const char *name;
	size_t offset;
} symbols[] = {
#define SYM(field, name) {name, offsetof(struct mhd_api, field)}
	SYM(start_daemon, "MHD_start_daemon"),
	SYM(stop_daemon, "MHD_stop_daemon"),
	SYM(queue_response, "MHD_queue_response"),
	SYM(create_response_from_buffer, "MHD_create_response_from_buffer"),
	SYM(create_response_from_callback,
	    "MHD_create_response_from_callback"),
	SYM(destroy_response, "MHD_destroy_response"),
	SYM(add_response_header, "MHD_add_response_header"),
	SYM(lookup_connection_value, "MHD_lookup_connection_value"),
	SYM(get_connection_info, "MHD_get_connection_info"),
	SYM(suspend_connection, "MHD_suspend_connection"),
	SYM(resume_connection, "MHD_resume_connection"),
#undef SYM
};

int mhd_dl_load(const char **why)
{
	static int state;	/* 0 not tried, 1 loaded, -1 failed */
	void *h;

	if (state)
		return state > 0 ? 0 : -1;
	state = -1;
	*why = "libmicrohttpd is not installed (Debian: apt-get install "
	       "libmicrohttpd12)";
	h = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return -1;
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *f = dlsym(h, symbols[i].name);

		if (!f) {
			*why = "libmicrohttpd is too old (a symbol is missing)";
			return -1;
		}
		*(void **)((char *)&mhd_api + symbols[i].offset) = f;
	}
	state = 1;
	return 0;
}
