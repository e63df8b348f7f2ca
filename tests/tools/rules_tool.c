/*
 * rules_tool.c - `breachwatch rules ...` as a stand-alone program, for
 * working on rules before (or without) the full CLI:
 *   build/tools/rules_tool check|list|test [DIR] [--cases DIR] [-v]
 */
#include "engine.h"

int main(int argc, char **argv)
{
	argv[0] = (char *)"rules";
	return bw_rules_main(argc, argv);
}
