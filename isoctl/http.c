/* http.c - HTTP/1.1 to isod over its Unix socket (libcurl's CURLOPT_UNIX_SOCKET_PATH). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "libisoctl.h"

int iso_connect(struct iso_conn *c, const char *socket, const char *origin, struct iso_err *e)
{
	static int global_done;

	memset(c, 0, sizeof(*c));
	if (strlen(socket) >= sizeof(c->socket) || !*socket)
		return iso_fail(e, "bad socket path (%s)", origin);
	snprintf(c->socket, sizeof(c->socket), "%s", socket);
	snprintf(c->origin, sizeof(c->origin), "%s", origin);
	c->wait_ms = 30000;
	if (!global_done && curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return iso_fail(e, "libcurl would not start");
	global_done = 1;
	if (!(c->curl = curl_easy_init()))
		return iso_fail(e, "libcurl would not start");
	return 0;
}

void iso_disconnect(struct iso_conn *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
}

struct collect {
	char *data;
	size_t len, cap;
	iso_sink sink;
	void *arg;
	CURL *h;
};

/* Replies isod gives whole are small (64 KiB and lists): 16 MiB is far past any and stops a runaway peer. */
#define ISO_REPLY_MAX (16u << 20)

static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct collect *k = arg;
	size_t n = size * nmemb;

	long code = 0;

	/* Only a 200's body streams to the sink; anything else (a refusal's JSON) is collected. */
	if (k->sink && curl_easy_getinfo(k->h, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code == 200)
		return k->sink(p, n, k->arg);
	if (k->len + n + 1 > ISO_REPLY_MAX)
		return 0;
	if (k->len + n + 1 > k->cap) {
		size_t cap = (k->len + n + 1) * 2;
		char *d = realloc(k->data, cap);
		if (!d)
			return 0;
		k->data = d;
		k->cap = cap;
	}
	memcpy(k->data + k->len, p, n);
	k->len += n;
	k->data[k->len] = 0;
	return n;
}

static int transport_error(struct iso_conn *c, CURLcode rc, struct iso_err *e)
{
	if (rc == CURLE_COULDNT_CONNECT)
		return iso_fail(e, "cannot reach isod at %s (%s): is isod running?",
				c->socket, c->origin);
	if (rc == CURLE_WRITE_ERROR)
		return iso_fail(e, "isod's reply from %s is too large or memory ran out", c->socket);
	return iso_fail(e, "isod at %s (%s): %s", c->socket, c->origin, curl_easy_strerror(rc));
}

static void set_request(CURL *h, const char *method, const char *path, const void *body, size_t len,
			struct collect *k)
{
	char url[1024];

	snprintf(url, sizeof(url), "http://isod%s", path);
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, k);
	if (body) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
}

int iso_http(struct iso_conn *c, const char *method, const char *path, const char *ctype, const void *body,
	     size_t len, long *http, char **out, size_t *outlen, iso_sink sink, void *arg, struct iso_err *e)
{
	struct collect k = { .sink = sink, .arg = arg, .h = c->curl };
	struct curl_slist *hdrs = NULL;
	char line[128];
	CURLcode rc;

	set_request(c->curl, method, path, body, len, &k);
	curl_easy_setopt(c->curl, CURLOPT_UNIX_SOCKET_PATH, c->socket);
	snprintf(line, sizeof(line), "Content-Type: %s", ctype ? ctype : "application/json");
	hdrs = curl_slist_append(hdrs, line);
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c->curl);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		free(k.data);
		return transport_error(c, rc, e);
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, http);
	if (!k.data && !(k.data = calloc(1, 1)))
		return iso_fail(e, "out of memory");
	if (out)
		*out = k.data;
	else
		free(k.data);
	if (outlen)
		*outlen = k.len;
	return 0;
}
