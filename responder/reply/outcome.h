/*
 * outcome.h - the outcome of one complaint (DESIGN.md contract names).
 *
 * Lives in reply/ because reply/ is the lowest folder that needs it (one
 * template per outcome); decide/ produces outcomes and includes reply/.
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
	switch (o) {
	case OUTCOME_FOUND:
		return "found";
	case OUTCOME_AMBIGUOUS:
		return "ambiguous";
	case OUTCOME_NOT_FOUND:
		return "not_found";
	case OUTCOME_UNAUTHORIZED:
		return "unauthorized";
	case OUTCOME_IGNORED:
		return "ignored";
	case OUTCOME_ERROR:
	case OUTCOME_COUNT:
		break;
	}
	return "error";
}

#endif
