/*
 * parse_main.c - responder-parse, the parser worker program (worker.h).
 * Not for people: responder starts it, with its limits as arguments and
 * its pipes as standard input and output.
 */
#include "responder/parse/worker.h"

int
main(int argc, char **argv)
{
	worker_run(argc, argv);
}
