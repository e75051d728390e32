/* A racy counter and a locked one, for the race checker's own tests. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static long counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int locked;

static void *add(void *arg)
{
    for (int i = 0; i < 100000; i++) {
        if (locked)
            pthread_mutex_lock(&lock);
        counter++;
        if (locked)
            pthread_mutex_unlock(&lock);
    }
    return arg;
}

int main(int argc, char **argv)
{
    locked = argc > 1 && strcmp(argv[1], "locked") == 0;
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, add, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("%ld\n", counter);
    return 0;
}
