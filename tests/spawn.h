/*
 * spawn: child processes and ports for the tests and the benchmarks.
 *
 * Without Criterion, so that bench/ can use it too: these return -1 where
 * the test helpers built on them (testdaemon.h) assert.
 */
#ifndef MINUTESD_SPAWN_H
#define MINUTESD_SPAWN_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Closes every descriptor from 3 up except keep (in a child, before exec). */
static inline void spawn_close_from_3(int keep)
{
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = 3; fd < max; fd++)
        if (fd != keep)
            close(fd);
}

/*
 * Runs "sh script cmd dir"; its stdout (the port, for start) into out.
 * Forked with nothing open but stdio: a server lives on after its script,
 * and must hold neither the caller's database socket nor a test runner's
 * pipes.  Returns the wait status, or -1 when the child could not be made.
 */
static inline int spawn_script(const char *script, const char *cmd, const char *dir, char *out, size_t outlen)
{
    int p[2], st;
    if (pipe(p) < 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(p[1], 1);
        spawn_close_from_3(-1);
        execl("/bin/sh", "sh", script, cmd, dir, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < outlen && ((r = read(p[0], out + n, outlen - 1 - n)) > 0 || (r < 0 && errno == EINTR)))
        if (r > 0)
            n += (size_t)r;
    out[n] = '\0';
    close(p[0]);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return st;
}

/* A loopback port free a moment ago: bound to 0 by a probe socket and
 * released.  Another process can take it in between, so callers that
 * listen on it retry.  -1 when no socket could be had. */
static inline int spawn_free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

#endif
