/* webhook.c - a JSON notification POSTed over plain HTTP/1.1.
 *
 * Just enough HTTP for a job's `distribution.webhook`: one POST, one
 * status line read back, the connection closed.  No TLS, no redirects,
 * no proxies; libcurl takes over with the HTTP-steps work.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jobs.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/str.h"
#include "util/timeutil.h"

struct url {
	char *host;	/* without brackets */
	char *port;
	char *path;	/* starts with '/' */
	char *authority;	/* host[:port] as written, for Host: */
};

static void url_release(struct url *u)
{
	free(u->host);
	free(u->port);
	free(u->path);
	free(u->authority);
}

static int url_parse(const char *s, struct url *u)
{
	const char *auth = s + 7, *slash, *colon;
	size_t alen;

	if (!str_starts(s, "http://"))
		return -1;
	slash = strchr(auth, '/');
	alen = slash ? (size_t)(slash - auth) : strlen(auth);
	if (!alen)
		return -1;
	u->authority = xstrndup(auth, alen);
	u->path = xstrdup(slash ? slash : "/");
	if (auth[0] == '[') {
		const char *close = memchr(auth, ']', alen);

		if (!close)
			return -1;
		u->host = xstrndup(auth + 1, (size_t)(close - auth - 1));
		colon = close + 1 < auth + alen && close[1] == ':' ? close + 1
								  : NULL;
	} else {
		colon = memchr(auth, ':', alen);
		u->host = xstrndup(auth, colon ? (size_t)(colon - auth) : alen);
	}
	u->port = colon ? xstrndup(colon + 1, (size_t)(auth + alen - colon - 1))
			: xstrdup("80");
	return *u->host && *u->port ? 0 : -1;
}

/* Waits for fd to be ready for events until deadline; 0 or -ETIMEDOUT. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int64_t left = deadline - time_mono_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int connect_one(const struct addrinfo *ai, int64_t deadline)
{
	int fd = socket(ai->ai_family,
			ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	int soerr = 0, rc;
	socklen_t len = sizeof(soerr);

	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	rc = errno == EINPROGRESS ? wait_fd(fd, POLLOUT, deadline) : -errno;
	if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		rc = -errno;
	if (rc == 0 && soerr)
		rc = -soerr;
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

static int dial(const struct url *u, int64_t deadline, struct error *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	int fd = -ECONNREFUSED, g;

	g = getaddrinfo(u->host, u->port, &hints, &res);
	if (g)
		return error_set(err, -EHOSTUNREACH, "cannot resolve '%s': %s",
				 u->host, gai_strerror(g));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = connect_one(ai, deadline);
		if (fd >= 0 || fd == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return error_set(err, fd, "cannot connect to %s: %s",
				 u->authority, fd == -ETIMEDOUT
						       ? "timed out"
						       : strerror(-fd));
	return fd;
}

static int send_all(int fd, const char *p, size_t n, int64_t deadline)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		int rc;

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		rc = wait_fd(fd, POLLOUT, deadline);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Reads until the status line is complete; returns the status code or
 * a negative code. */
static int read_status(int fd, int64_t deadline)
{
	char tmp[1024];
	struct buf b;
	int code = -EPROTO, major, minor, status;

	buf_init(&b, 8192);
	while (!memchr(b.data ? b.data : "", '\n', b.len) && !b.truncated) {
		ssize_t n = recv(fd, tmp, sizeof(tmp), 0);

		if (n > 0) {
			buf_add(&b, tmp, (size_t)n);
			continue;
		}
		if (n == 0)
			break;
		if (errno != EAGAIN && errno != EINTR) {
			code = -errno;
			goto out;
		}
		code = wait_fd(fd, POLLIN, deadline);
		if (code < 0)
			goto out;
		code = -EPROTO;
	}
	if (b.len && sscanf(b.data, "HTTP/%d.%d %3d", &major, &minor,
			    &status) == 3)
		code = status;
out:
	buf_release(&b);
	return code;
}

int job_webhook_post(const char *url, const char *body, int timeout_ms,
		     int *status, struct error *err)
{
	int64_t deadline = time_mono_ms() + timeout_ms;
	struct url u = {0};
	struct buf req;
	int fd = -1, rc;

	buf_init(&req, 0);
	if (url_parse(url, &u) < 0) {
		rc = error_set(err, -EINVAL, "not an http:// URL: '%s'", url);
		goto out;
	}
	fd = dial(&u, deadline, err);
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	buf_addf(&req, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: baton\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n%s", u.path, u.authority,
		 strlen(body), body);
	rc = send_all(fd, req.data, req.len, deadline);
	if (rc == 0)
		rc = read_status(fd, deadline);
	if (rc < 0) {
		error_set(err, rc, "%s: %s", url, rc == -ETIMEDOUT
				   ? "no answer in time"
				   : rc == -EPROTO ? "not an HTTP answer"
						   : strerror(-rc));
		goto out;
	}
	if (rc < 200 || rc > 299) {
		rc = error_set(err, -EPROTO, "%s answered HTTP %d", url, rc);
		goto out;
	}
	*status = rc;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	buf_release(&req);
	url_release(&u);
	return rc;
}
