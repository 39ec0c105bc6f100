/*
 * test_base64.c - common/base64: RFC 4648 vectors, every length round
 * trip, the cap of the encoder, the decoder's padding modes, garbage and
 * output bounds.
 */
#include "tests/unit/testutil.h"
#include "common/base64.h"
#include "common/buf.h"

#include <stdint.h>
#include <string.h>

static void
test_vectors(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
		{ "\xff\xfe\xfd", "//79" },
		{ "\xfb\xff", "+/8=" },
	};
	struct buf b;
	char out[16];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i].in), k;

		buf_init(&b, 0);
		assert_int_equal(base64_encode(&b, v[i].in, n), 0);
		assert_string_equal(buf_cstr(&b), v[i].out);
		assert_int_equal(b.len, base64_encoded_len(n));
		buf_free(&b);
		for (int pad = 0; pad < 2; pad++) {
			k = base64_decode(v[i].out, strlen(v[i].out), out, sizeof(out),
					  (enum base64_pad)pad);
			assert_int_equal(k, n);
			assert_memory_equal(out, v[i].in, n);
		}
	}
	assert_int_equal(base64_encoded_len(0), 0);
	assert_int_equal(base64_encoded_len(1), 4);
	assert_int_equal(base64_encoded_len(3), 4);
	assert_int_equal(base64_encoded_len(4), 8);
	assert_int_equal(base64_encoded_len(SIZE_MAX), 0); /* does not fit */
}

static void
test_round_trip(void **state)
{
	unsigned char data[300], back[300];
	uint32_t x = 12345;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (unsigned char)(x >> 16);
	}
	for (size_t n = 0; n <= sizeof(data); n++) {
		struct buf b;

		buf_init(&b, 0);
		assert_int_equal(base64_encode(&b, data, n), 0);
		assert_int_equal(b.len, base64_encoded_len(n));
		assert_int_equal(
		    base64_decode(buf_cstr(&b), b.len, back, sizeof(back), BASE64_PAD_ENDS), n);
		assert_memory_equal(back, data, n);
		buf_free(&b);
	}
}

static void
test_encode_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	assert_int_equal(base64_encode(&b, "abcdef", 6), 0); /* 8 chars */
	assert_int_equal(base64_encode(&b, "a", 1), -1);     /* 12 > 10 */
	assert_string_equal(buf_cstr(&b), "YWJjZGVm");	     /* unchanged */
	assert_int_equal(b.len, 8);
	buf_free(&b);
}

static void
test_decode_lenient(void **state)
{
	static const struct {
		const char *in;
		enum base64_pad pad;
		const char *out;
	} v[] = {
		{ "Zm9v\r\nYmFy", BASE64_PAD_ENDS, "foobar" },	      /* line breaks */
		{ " Zm 9v !Y*mFy ", BASE64_PAD_ENDS, "foobar" },      /* garbage */
		{ "Zg==Zm8=", BASE64_PAD_ENDS, "f" },		      /* '=' ends */
		{ "Zm8=Zm9v", BASE64_PAD_SKIPPED, "fo\x19\x9b\xdb" }, /* '=' skipped */
		{ "Zg", BASE64_PAD_ENDS, "f" },			      /* no padding */
		{ "Z", BASE64_PAD_ENDS, "" },			      /* 6 bits: nothing */
		{ "====", BASE64_PAD_SKIPPED, "" },
		{ "\x80\xff\xc3\xa9", BASE64_PAD_ENDS, "" },
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t k = base64_decode(v[i].in, strlen(v[i].in), out, sizeof(out), v[i].pad);

		if (k != strlen(v[i].out) || memcmp(out, v[i].out, k) != 0)
			fail_msg("case %zu: %zu bytes", i, k);
	}
}

static void
test_decode_bounds(void **state)
{
	char out[8];

	(void)state;
	memset(out, 'x', sizeof(out));
	/* "foobar" into 4 bytes: cut, nothing past them written */
	assert_int_equal(base64_decode("Zm9vYmFy", 8, out, 4, BASE64_PAD_ENDS), 4);
	assert_memory_equal(out, "foobxxxx", 8);
	assert_int_equal(base64_decode("Zm9vYmFy", 8, out, 0, BASE64_PAD_ENDS), 0);
	/* n limits the read: the NUL-free tail after n is not looked at */
	assert_int_equal(base64_decode("Zm9vYmFy", 4, out, sizeof(out), BASE64_PAD_ENDS), 3);
	/* every byte value as input: never more than 3/4 of it */
	for (int c = 0; c < 256; c++) {
		char in[64];

		memset(in, c, sizeof(in));
		for (int pad = 0; pad < 2; pad++) {
			char big[64];

			assert_true(base64_decode(in, sizeof(in), big, sizeof(big),
						  (enum base64_pad)pad) <= 48);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),	      cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_encode_cap),    cmocka_unit_test(test_decode_lenient),
		cmocka_unit_test(test_decode_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
