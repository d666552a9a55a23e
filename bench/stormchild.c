/* The exec-storm child: does nothing and exits with the status given as its first argument.
 * Linked -static so that an exec costs the kernel's work only, not the dynamic loader's: the storm then
 * runs as fast as this machine can exec, and each child yields exactly one exec and one exit event.
 * Its file name becomes its comm, which is how bench/run.sh finds the storm's lines in a tracer's output. */
#include <stdlib.h>

int main(int argc, char** argv) {
    if (argc < 2) return 0;
    return (int)strtol(argv[1], NULL, 10) & 0xff;
}
