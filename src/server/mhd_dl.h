/* mhd_dl.h - libmicrohttpd, loaded when `baton serve` starts.
 *
 * Only the server needs libmicrohttpd (and the GnuTLS stack behind it),
 * so baton does not link it: loading it would cost every command a few
 * megabytes.  The server calls these pointers, filled by mhd_dl_load().
 * Include this instead of <microhttpd.h>.
 */
#ifndef BATON_MHD_DL_H
#define BATON_MHD_DL_H

#include <microhttpd.h>

struct mhd_api {
	struct MHD_Daemon *(*start_daemon)(unsigned int flags,
					   uint16_t port,
					   MHD_AcceptPolicyCallback apc,
					   void *apc_cls,
					   MHD_AccessHandlerCallback dh,
					   void *dh_cls, ...);
	void (*stop_daemon)(struct MHD_Daemon *d);
	enum MHD_Result (*queue_response)(struct MHD_Connection *c,
					  unsigned int status,
					  struct MHD_Response *r);
	struct MHD_Response *(*create_response_from_buffer)(
		size_t size, void *buffer, enum MHD_ResponseMemoryMode mode);
	struct MHD_Response *(*create_response_from_callback)(
		uint64_t size, size_t block_size, MHD_ContentReaderCallback crc,
		void *crc_cls, MHD_ContentReaderFreeCallback crfc);
	void (*destroy_response)(struct MHD_Response *r);
	enum MHD_Result (*add_response_header)(struct MHD_Response *r,
					       const char *header,
					       const char *content);
	const char *(*lookup_connection_value)(struct MHD_Connection *c,
					       enum MHD_ValueKind kind,
					       const char *key);
	const union MHD_ConnectionInfo *(*get_connection_info)(
		struct MHD_Connection *c, enum MHD_ConnectionInfoType type,
		...);
	void (*suspend_connection)(struct MHD_Connection *c);
	void (*resume_connection)(struct MHD_Connection *c);
};

extern struct mhd_api mhd_api;

/* Loads libmicrohttpd.  Returns 0, or -1 with *why saying what to
 * install. */
int mhd_dl_load(const char **why);

#undef MHD_start_daemon
#define MHD_start_daemon mhd_api.start_daemon
#undef MHD_stop_daemon
#define MHD_stop_daemon mhd_api.stop_daemon
#undef MHD_queue_response
#define MHD_queue_response mhd_api.queue_response
#undef MHD_create_response_from_buffer
#define MHD_create_response_from_buffer mhd_api.create_response_from_buffer
#undef MHD_create_response_from_callback
#define MHD_create_response_from_callback \
	mhd_api.create_response_from_callback
#undef MHD_destroy_response
#define MHD_destroy_response mhd_api.destroy_response
#undef MHD_add_response_header
#define MHD_add_response_header mhd_api.add_response_header
#undef MHD_lookup_connection_value
#define MHD_lookup_connection_value mhd_api.lookup_connection_value
#undef MHD_get_connection_info
#define MHD_get_connection_info mhd_api.get_connection_info
#undef MHD_suspend_connection
#define MHD_suspend_connection mhd_api.suspend_connection
#undef MHD_resume_connection
#define MHD_resume_connection mhd_api.resume_connection

#endif
