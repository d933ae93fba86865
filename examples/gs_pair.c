/* Runs the Getting Started server (gs_server.c) and client (gs_client.c) together on one
 * loopback stack: the server on a thread, the client (given NAME, default "localhost") once
 * the server listens. Each program is included unchanged with its main renamed (gs_server_main,
 * gs_client_main); a client that finds no listener yet (connect refused) is run again. */
#include <pthread.h>
#include <unistd.h>

#define main gs_server_main
#include "gs_server.c"
#undef main
#define main gs_client_main
#include "gs_client.c"
#undef main

static void *server(void *arg)
{
    *(int *)arg = gs_server_main();
    return NULL;
}

int main(int argc, char **argv)
{
    char *name = argc > 1 ? argv[1] : "localhost";
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0)   /* holds the stack while both run */
        return 1;
    int src = -1, crc = 1;
    pthread_t t;
    if (pthread_create(&t, NULL, server, &src) != 0)
        return 1;
    char *cargv[] = {"gs_client", name, NULL};
    for (int attempt = 0; attempt < 50 && crc != 0; attempt++) {
        crc = gs_client_main(2, cargv);
        if (crc)
            usleep(10000);
    }
    if (crc != 0) {               /* the server still waits in accept: end the process */
        printf("server exited -, client exited %d\n", crc);
        return 1;
    }
    pthread_join(t, NULL);
    WSACleanup();
    printf("server exited %d, client exited %d\n", src, crc);
    return src || crc;
}
