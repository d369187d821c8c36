/* curl_dl.h - libcurl, loaded on first use.
 *
 * libcurl (with OpenSSL, GnuTLS, Kerberos, LDAP... behind it) costs a
 * few megabytes of memory just by being loaded, which every baton
 * command would pay though most never make a request.  So baton does
 * not link it: http.c calls these pointers, filled by curl_dl_load()
 * the first time an http: step or a webhook runs.  Include this instead
 * of <curl/curl.h>; after curl_dl_load() succeeds the usual names work.
 *
 * Not thread-safe until loaded; the engine loads it on its own thread.
 */
#ifndef BATON_CURL_DL_H
#define BATON_CURL_DL_H

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

struct curl_api {
	CURLcode (*global_init)(long flags);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_setopt)(CURLM *m, CURLMoption opt, ...);
	CURLMcode (*multi_assign)(CURLM *m, curl_socket_t fd, void *p);
	CURLMcode (*multi_add_handle)(CURLM *m, CURL *e);
	CURLMcode (*multi_remove_handle)(CURLM *m, CURL *e);
	CURLMsg *(*multi_info_read)(CURLM *m, int *left);
	CURLMcode (*multi_socket_action)(CURLM *m, curl_socket_t fd, int ev,
					 int *running);
	CURLMcode (*multi_cleanup)(CURLM *m);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *e, CURLoption opt, ...);
	CURLcode (*easy_getinfo)(CURL *e, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *e);
	char *(*easy_escape)(CURL *e, const char *s, int len);
	const char *(*easy_strerror)(CURLcode rc);
	void (*free)(void *p);
	time_t (*getdate)(const char *s, const time_t *unused);
	struct curl_slist *(*slist_append)(struct curl_slist *l,
					   const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

extern struct curl_api curl_api;

/* Loads libcurl and calls curl_global_init once.  Returns 0, or -1 when
 * libcurl cannot be loaded (the message says what to install). */
int curl_dl_load(const char **why);

#undef curl_global_init
#define curl_global_init curl_api.global_init
#undef curl_multi_init
#define curl_multi_init curl_api.multi_init
#undef curl_multi_setopt
#define curl_multi_setopt curl_api.multi_setopt
#undef curl_multi_assign
#define curl_multi_assign curl_api.multi_assign
#undef curl_multi_add_handle
#define curl_multi_add_handle curl_api.multi_add_handle
#undef curl_multi_remove_handle
#define curl_multi_remove_handle curl_api.multi_remove_handle
#undef curl_multi_info_read
#define curl_multi_info_read curl_api.multi_info_read
#undef curl_multi_socket_action
#define curl_multi_socket_action curl_api.multi_socket_action
#undef curl_multi_cleanup
#define curl_multi_cleanup curl_api.multi_cleanup
#undef curl_easy_init
#define curl_easy_init curl_api.easy_init
#undef curl_easy_setopt
#define curl_easy_setopt curl_api.easy_setopt
#undef curl_easy_getinfo
#define curl_easy_getinfo curl_api.easy_getinfo
#undef curl_easy_cleanup
#define curl_easy_cleanup curl_api.easy_cleanup
#undef curl_easy_escape
#define curl_easy_escape curl_api.easy_escape
#undef curl_easy_strerror
#define curl_easy_strerror curl_api.easy_strerror
#undef curl_free
#define curl_free curl_api.free
#undef curl_getdate
#define curl_getdate curl_api.getdate
#undef curl_slist_append
#define curl_slist_append curl_api.slist_append
#undef curl_slist_free_all
#define curl_slist_free_all curl_api.slist_free_all

#endif
