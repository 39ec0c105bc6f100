/*
 * outcome.h - the outcome of one complaint (DESIGN.md contract names).
 */
#ifndef RESPONDER_OUTCOME_H
#define RESPONDER_OUTCOME_H

enum outcome {
	OUTCOME_FOUND,
	OUTCOME_AMBIGUOUS,
	OUTCOME_NOT_FOUND,
	OUTCOME_UNAUTHORIZED,
	OUTCOME_IGNORED,
	OUTCOME_ERROR,
	OUTCOME_COUNT
};

static inline const char *
outcome_name(enum outcome o)
{
	static const char *const names[] = {
		"found", "ambiguous", "not_found", "unauthorized", "ignored", "error",
	};
	return (unsigned)o < OUTCOME_COUNT ? names[o] : "error";
}

#endif
