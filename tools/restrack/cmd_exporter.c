// SPDX-License-Identifier: GPL-2.0
/*
 * restrack exporter: the Prometheus text over HTTP, GET /metrics.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"

#define EXPORTER_DEFAULT_PORT	"9808"

const char usage_exporter[] =
"Usage: restrack exporter [OPTIONS] [UNIT|CGROUP...]\n"
"\n"
"Serve restrack status --all --prometheus over HTTP: GET /metrics, a fresh\n"
"snapshot each time, one request at a time (HTTP/1.0 and 1.1, no\n"
"keep-alive).  Given units or cgroups, those and what is below them.\n"
"\n"
"Options:\n"
"  -l, --listen ADDR      where to listen: HOST:PORT, [IPV6]:PORT, or PORT\n"
"                         or :PORT for loopback; default 127.0.0.1:" EXPORTER_DEFAULT_PORT "\n"
"                         (the network only when its address is named,\n"
"                         e.g. 0.0.0.0:" EXPORTER_DEFAULT_PORT "; there is no authentication)\n"
"  -d, --depth N          as restrack status --depth\n"
"  -h, --help             this text\n";

/* exporter: GET /metrics over HTTP */

/*
 * ADDR into a socket address: "PORT", ":PORT", "HOST:PORT" or
 * "[V6]:PORT", HOST a numeric address or localhost (no resolver: the
 * binary may be static).  Without a host, loopback: the network only
 * when named.
 */
static int exporter_addr(const char *addr, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 8] = "127.0.0.1", port[16];
	const char *colon = strrchr(addr, ':');
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	bool v6 = false;
	unsigned long p;
	char *end;
	size_t n;

	if (!colon) {
		snprintf(port, sizeof(port), "%s", addr);
	} else {
		n = colon - addr;
		if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
			addr++;
			n -= 2;
			v6 = true;
		}
		if (n >= sizeof(host) || strlen(colon + 1) >= sizeof(port))
			return -EINVAL;
		if (n) {
			memcpy(host, addr, n);
			host[n] = '\0';
		}
		snprintf(port, sizeof(port), "%s", colon + 1);
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || errno || p > 65535 || !strchr("0123456789", *port))
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	if (!v6 && inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		*len = sizeof(*in);
		return 0;
	}
	if (v6 && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

static void http_reply(int fd, int code, const char *reason,
		       const char *type, const char *body, size_t len,
		       bool head)
{
	char hdr[512];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.1 %d %s\r\n"
			 "Content-Type: %s\r\n"
			 "Content-Length: %zu\r\n"
			 "%s"
			 "Connection: close\r\n\r\n",
			 code, reason, type, len,
			 code == 405 ? "Allow: GET, HEAD\r\n" : "");

	send_all(fd, hdr, n);
	if (!head)
		send_all(fd, body, len);
}

/* One request on FD: read its head, answer, and that is all (close). */
static void exporter_serve(int fd, const struct view *v, const char *mnt)
{
	static const char text[] = "text/plain; charset=utf-8";
	char req[8192], method[16], target[1024], version[16];
	struct timeval tv = { 5, 0 };
	size_t len = 0;
	bool head;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < sizeof(req) - 1) {
		ssize_t n = recv(fd, req + len, sizeof(req) - 1 - len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[len] = '\0';
	if (sscanf(req, "%15s %1023s %15s", method, target, version) != 3 ||
	    (strcmp(version, "HTTP/1.0") && strcmp(version, "HTTP/1.1"))) {
		http_reply(fd, 400, "Bad Request", text, "bad request\n", 12, false);
		return;
	}
	head = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !head) {
		http_reply(fd, 405, "Method Not Allowed", text,
			   "GET or HEAD\n", 12, false);
		return;
	}
	target[strcspn(target, "?#")] = '\0';
	if (!strcmp(target, "/")) {
		static const char body[] =
			"restrack exporter: the metrics are at /metrics\n";

		http_reply(fd, 200, "OK", text, body, sizeof(body) - 1, head);
	} else if (!strcmp(target, "/metrics")) {
		struct restrack_snapshot snap;
		char *buf = NULL;
		size_t blen = 0;
		FILE *m;

		if (view_snapshot(v, mnt, &snap, false)) {
			http_reply(fd, 500, "Internal Server Error", text,
				   "reading the cgroups failed\n", 27, head);
			return;
		}
		m = open_memstream(&buf, &blen);
		if (m) {
			restrack_print_prometheus(m, &snap);
			if (fclose(m))
				m = NULL;
		}
		restrack_snapshot_free(&snap);
		if (!m)
			http_reply(fd, 500, "Internal Server Error", text,
				   "out of memory\n", 14, head);
		else
			http_reply(fd, 200, "OK",
				   "text/plain; version=0.0.4; charset=utf-8",
				   buf, blen, head);
		free(buf);
	} else {
		http_reply(fd, 404, "Not Found", text, "not found: try /metrics\n",
			   24, head);
	}
}

static const struct option exporter_options[] = {
	VIEW_LONGOPTS,
	{ "listen", required_argument, NULL, 'l' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_exporter(int argc, char **argv)
{
	const char *mnt, *listen_addr = "127.0.0.1:" EXPORTER_DEFAULT_PORT;
	char host[INET6_ADDRSTRLEN];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	unsigned int port;
	struct view view;
	int c, fd, one = 1, ret = EXIT_FAILURE;

	if (view_init(&view, argc))
		return EXIT_FAILURE;
	view.sel.all = true;
	opt_start();
	while ((c = getopt_long(argc, argv, ":hl:" VIEW_OPTSTRING,
				exporter_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage_exporter, stdout);
			ret = 0;
			goto out;
		case 'l':
		case ':':
			if (c == 'l' ? !*optarg : optopt == 'l') {
				ret = usage_error("option '%s' needs an address, e.g. 127.0.0.1:" EXPORTER_DEFAULT_PORT,
						  opt_spelling(argv, c));
				goto out;
			}
			if (c == 'l') {
				listen_addr = optarg;
				continue;
			}
		}
		ret = view_opt(&view, c, argv, exporter_options);
		if (ret)
			goto out;
	}
	if (exporter_addr(listen_addr, &ss, &sl)) {
		ret = usage_error("bad address '%s': expected [HOST]:PORT, [IPV6]:PORT or PORT",
				  listen_addr);
		goto out;
	}
	ret = view_resolve(&view, argc, argv, &mnt);
	if (ret)
		goto out;
	ret = EXIT_FAILURE;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 16)) {
		say("listening on %s: %s", listen_addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			  host, sizeof(host));
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
			  host, sizeof(host));
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	say("serving http://%s%s%s:%u/metrics%s", ss.ss_family == AF_INET6 ? "[" : "",
	    host, ss.ss_family == AF_INET6 ? "]" : "", port,
	    is_loopback((struct sockaddr *)&ss) ? "" :
	    " to the network, without authentication");
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EMFILE || errno == ENFILE) {
				if (errno != EINTR && errno != ECONNABORTED)
					sleep_seconds(0.1);
				continue;
			}
			say("accept: %s", strerror(errno));
			break;
		}
		exporter_serve(c, &view, mnt);
		close(c);
	}
	close(fd);
out:
	view_free(&view);
	return ret;
}
