/*
 * test_reason_conformance.c - reason classification (responder/reason/)
 * over $RESPONDER_CONFORMANCE/smtp-reasons/cases.jsonl (627 cases from the
 * Sisimai project).  Prints the agreement rate, a per-reason table and
 * every disagreement, and fails below 90 %.  Sisimai's reason names are not
 * ours: SISIMAI_MAP below says which of ours count as agreeing with each of
 * theirs (docs/reasons.md explains each choice).  Without the data:
 * skipped, or failed under CI=true (tu_skip_or_fail).
 */
#include "tests/unit/testutil.h"
#include "responder/reason/reason.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R(x) REASON_##x

/* Which of our reasons agree with each Sisimai reason (docs/reasons.md). */
/* clang-format off */
static const struct {
	const char *sisimai;
	enum reason ours[4];
	int n;
} SISIMAI_MAP[] = {
    {"userunknown", {R(USER_UNKNOWN)}, 1},
    {"hasmoved", {R(USER_UNKNOWN)}, 1},
    {"hostunknown", {R(HOST_UNKNOWN)}, 1},
    {"notaccept", {R(HOST_UNKNOWN), R(POLICY_REJECTED)}, 2},
    {"mailboxfull", {R(MAILBOX_FULL)}, 1},
    {"systemfull", {R(MAILBOX_FULL), R(OTHER), R(DEFERRED)}, 3},
    {"mesgtoobig", {R(MESSAGE_TOO_LARGE)}, 1},
    {"exceedlimit", {R(MESSAGE_TOO_LARGE), R(MAILBOX_FULL)}, 2},
    {"blocked", {R(BLOCKLISTED), R(POLICY_REJECTED)}, 2},
    {"badreputation", {R(BLOCKLISTED), R(POLICY_REJECTED)}, 2},
    {"requireptr", {R(POLICY_REJECTED), R(BLOCKLISTED)}, 2},
    {"spamdetected", {R(SPAM_DETECTED)}, 1},
    {"virusdetected", {R(SPAM_DETECTED), R(POLICY_REJECTED)}, 2},
    {"authfailure", {R(AUTH_FAILURE)}, 1},
    {"securityerror", {R(AUTH_FAILURE), R(TLS_FAILURE), R(POLICY_REJECTED)}, 3},
    {"failedstarttls", {R(TLS_FAILURE)}, 1},
    {"norelaying", {R(RELAY_DENIED)}, 1},
    {"suspend", {R(SUSPENDED)}, 1},
    {"expired", {R(EXPIRED), R(NETWORK_ERROR), R(DEFERRED)}, 3},
    {"networkerror", {R(NETWORK_ERROR), R(HOST_UNKNOWN), R(EXPIRED)}, 3},
    {"toomanyconn", {R(RATE_LIMITED)}, 1},
    {"speeding", {R(RATE_LIMITED)}, 1},
    {"policyviolation", {R(POLICY_REJECTED), R(SPAM_DETECTED)}, 2},
    {"rejected", {R(POLICY_REJECTED)}, 1},
    {"filtered", {R(USER_UNKNOWN), R(POLICY_REJECTED), R(SPAM_DETECTED)}, 3},
    {"contenterror", {R(POLICY_REJECTED), R(SPAM_DETECTED)}, 2},
    {"notcompliantrfc", {R(POLICY_REJECTED)}, 1},
    {"syntaxerror", {R(OTHER), R(DEFERRED)}, 2},
    {"systemerror", {R(OTHER), R(DEFERRED), R(NETWORK_ERROR)}, 3},
    {"mailererror", {R(OTHER), R(DEFERRED)}, 2},
    {"onhold", {R(OTHER), R(DEFERRED)}, 2},
    {"undefined", {R(OTHER), R(DEFERRED)}, 2},
    {"delivered", {R(DELIVERED)}, 1},
    {"feedback", {R(SPAM_DETECTED), R(AUTH_FAILURE), R(OTHER)}, 3},
    {"vacation", {R(DELIVERED), R(OTHER)}, 2},
    {"suppressed", {R(POLICY_REJECTED)}, 1},
};
/* clang-format on */
#define NMAP (sizeof(SISIMAI_MAP) / sizeof(SISIMAI_MAP[0]))

static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

/* 5.x.x / 5xx -> bounced, 4 -> deferred, 2 -> delivered, else unknown. */
static const char *
case_status(const char *enhanced, const char *replycode)
{
	char c = enhanced[0] ? enhanced[0] : replycode[0];

	return c == '5' ? "bounced" : c == '4' ? "deferred" : c == '2' ? "delivered" : NULL;
}

static void
test_sisimai_conformance(void **state)
{
	char *dir = *state, *path;
	int total = 0, agree = 0, strict = 0, per_total[NMAP] = { 0 }, per_agree[NMAP] = { 0 };
	int confusion[NMAP][REASON_COUNT];
	char *line = NULL;
	size_t cap = 0;
	FILE *fp;

	memset(confusion, 0, sizeof(confusion));
	assert_true(asprintf(&path, "%s/cases.jsonl", dir) > 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (getline(&line, &cap, fp) > 0) {
		json_error_t jerr;
		json_t *o = json_loads(line, 0, &jerr);
		const char *text, *status, *code, *want, *id;
		struct classification c;
		size_t m;
		int ok = 0;

		assert_non_null(o);
		text = jstr(o, "response");
		status = jstr(o, "status");
		code = jstr(o, "replycode");
		want = jstr(o, "reason");
		id = jstr(o, "id");
		reason_classify(case_status(status, code), atoi(code), status[0] ? status : NULL,
				text, jstr(o, "rhost")[0] ? jstr(o, "rhost") : NULL, &c);
		for (m = 0; m < NMAP; m++)
			if (strcmp(SISIMAI_MAP[m].sisimai, want) == 0)
				break;
		if (m == NMAP)
			fail_msg("%s: Sisimai reason '%s' is not in SISIMAI_MAP", id, want);
		for (int k = 0; k < SISIMAI_MAP[m].n; k++)
			ok |= SISIMAI_MAP[m].ours[k] == c.reason;
		strict += SISIMAI_MAP[m].ours[0] == c.reason;
		total++;
		per_total[m]++;
		confusion[m][c.reason]++;
		if (ok) {
			agree++;
			per_agree[m]++;
		} else {
			printf("DISAGREE %s sisimai=%s ours=%s status=%s code=%s: %.200s\n", id,
			       want, reason_name(c.reason), status[0] ? status : "-",
			       code[0] ? code : "-", text);
		}
		json_decref(o);
	}
	free(line);
	fclose(fp);
	printf("\nper Sisimai reason: agreed/total  (ours: count ...)\n");
	for (size_t m = 0; m < NMAP; m++) {
		if (per_total[m] == 0)
			continue;
		printf("  %-16s %3d/%-3d ", SISIMAI_MAP[m].sisimai, per_agree[m], per_total[m]);
		for (int r = 0; r < REASON_COUNT; r++)
			if (confusion[m][r])
				printf(" %s:%d", reason_name((enum reason)r), confusion[m][r]);
		printf("\n");
	}
	printf("\nSisimai agreement: %d/%d = %.1f%%\n", agree, total,
	       total ? 100.0 * agree / total : 0.0);
	printf("(strict, counting only the first mapped reason: %d/%d = %.1f%%)\n", strict, total,
	       total ? 100.0 * strict / total : 0.0);
	free(path);
	assert_int_equal(total, 627);
	if (agree * 10 < total * 9)
		fail_msg("agreement %d/%d is below 90%%", agree, total);
}

int
main(void)
{
	char *dir = tu_conformance_need("smtp-reasons");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(test_sisimai_conformance, dir),
	};
	int rc;

	rc = cmocka_run_group_tests_name("reason conformance", tests, NULL, NULL);
	free(dir);
	return rc;
}
