/* lifecycle.c: fork, exec, wait, and what an exit status says.
 *
 * Six children end in six ways: _exit(0), _exit(3), a program run
 * with exec, a program that cannot be found, a segmentation fault and a
 * SIGKILL.  The parent waits for each and decodes its status. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

// [snippet describe_status]
/* Say how a child ended, from the status waitpid() filled in. */
static void describe(pid_t pid, int status, const char *what)
{
    if (WIFEXITED(status))
        printf("child %d (%s) exited with status %d\n", (int)pid, what,
               WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("child %d (%s) was killed by signal %d (%s)%s\n", (int)pid,
               what, WTERMSIG(status), strsignal(WTERMSIG(status)),
               WCOREDUMP(status) ? ", core dumped" : "");
}
// [end describe_status]

static void crash(void)
{
    volatile int *p = NULL;
    *p = 1;
}

// [snippet fork_exec_wait]
/* Run `how` in a child process, wait for it, and describe its end. */
static void run_child(int how, const char *what)
{
    fflush(stdout); /* see "Flush before you fork" */
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return;
    }
    if (pid == 0) { /* the child: a copy of the parent, from here on */
        switch (how) {
        case 0: _exit(0);
        case 1: _exit(3);
        case 2: execlp("echo", "echo", "  (echo, run by exec, says hello)", (char *)NULL);
                _exit(127); /* only reached if exec failed */
        case 3: execlp("no-such-program", "no-such-program", (char *)NULL);
                _exit(127); /* the shell's code for "command not found" */
        case 4: crash(); break;
        case 5: raise(SIGKILL); break;
        }
        _exit(1);
    }
    int status;
    if (waitpid(pid, &status, 0) == pid) /* the parent: wait, then decode */
        describe(pid, status, what);
}
// [end fork_exec_wait]

int main(void)
{
    /* This demo crashes a child on purpose: no core file, please. */
    setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
    static const char *what[] = {
        "_exit(0)", "_exit(3)", "exec echo", "exec a missing program",
        "a null pointer write", "raise(SIGKILL)",
    };
    for (int how = 0; how < 6; how++)
        run_child(how, what[how]);
    return 0;
}
