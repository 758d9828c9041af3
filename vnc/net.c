/*
 * Listening sockets.  The bridge binds the RFB socket itself and hands it to
 * libvncserver: so an address given by name or in IPv6 works, port 0 picks a
 * free port, and a bind failure can be reported with its reason.
 */
#include "vnc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct addrinfo *resolve(const char *host, int port, int *rc)
{
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
    };
    struct addrinfo *res = NULL;
    *rc = getaddrinfo(host, service, &hints, &res);
    return *rc == 0 ? res : NULL;
}

static bool is_loopback(const struct sockaddr *a)
{
    if (a->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)a;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (a->sa_family == AF_INET6) {
        const struct in6_addr *in6 = &((const struct sockaddr_in6 *)a)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(in6))
            return true;
        return IN6_IS_ADDR_V4MAPPED(in6) && in6->s6_addr[12] == 127;
    }
    return false;
}

int vnc_host_is_loopback(const char *host)
{
    int rc;
    struct addrinfo *res = resolve(host, 0, &rc);
    if (!res)
        return rc < 0 ? rc : -1;
    int all = 1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        if (!is_loopback(ai->ai_addr))
            all = 0;
    freeaddrinfo(res);
    return all;
}

int vnc_addr_port(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)a)->sin_port);
    if (a->ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
    return 0;
}

void vnc_addr_text(const struct sockaddr *a, socklen_t len, char *out, size_t size)
{
    char host[NI_MAXHOST], port[NI_MAXSERV];
    if (getnameinfo(a, len, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(out, size, "?");
        return;
    }
    if (a->sa_family == AF_INET6)
        snprintf(out, size, "[%s]:%s", host, port);
    else
        snprintf(out, size, "%s:%s", host, port);
}

static int bind_one(const struct addrinfo *ai, struct vnc_listener *out)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return -errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 32) < 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    out->fd = fd;
    out->addrlen = sizeof out->addr;
    getsockname(fd, (struct sockaddr *)&out->addr, &out->addrlen);
    vnc_addr_text((struct sockaddr *)&out->addr, out->addrlen, out->text, sizeof out->text);
    return 0;
}

int vnc_listen(const char *host, int port, struct vnc_listener *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    out->fd = -1;
    int rc;
    struct addrinfo *res = resolve(host, port, &rc);
    if (!res) {
        snprintf(why, whylen, "%s", gai_strerror(rc));
        return -EADDRNOTAVAIL;
    }
    rc = -EADDRNOTAVAIL;
    for (struct addrinfo *ai = res; ai && rc < 0; ai = ai->ai_next)
        rc = bind_one(ai, out);
    freeaddrinfo(res);
    if (rc < 0)
        snprintf(why, whylen, "%s", strerror(-rc));
    return rc;
}

void vnc_listener_target(const struct vnc_listener *l, char *host, size_t size)
{
    const struct sockaddr *a = (const struct sockaddr *)&l->addr;
    if (a->sa_family == AF_INET) {
        struct in_addr in = ((const struct sockaddr_in *)a)->sin_addr;
        if (in.s_addr == htonl(INADDR_ANY))
            in.s_addr = htonl(INADDR_LOOPBACK);
        inet_ntop(AF_INET, &in, host, (socklen_t)size);
        return;
    }
    struct in6_addr in6 = ((const struct sockaddr_in6 *)a)->sin6_addr;
    if (IN6_IS_ADDR_UNSPECIFIED(&in6))
        in6 = in6addr_loopback;
    inet_ntop(AF_INET6, &in6, host, (socklen_t)size);
}
