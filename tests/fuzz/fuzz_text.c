/* sgp32lab fuzz target: the text decoders — hex, base64, ICCID/EID, URLs */
#include "core/buf.h"
#include "core/clock.h"
#include "core/http/http.h"
#include "core/ids.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct sgp_buf b = SGP_BUF_INIT;
	struct http_url u;
	uint8_t bcd[16];
	char text[33];
	uint64_t ms;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	sgp_hex_decode(s, &b);
	sgp_base64_decode(s, size, &b);
	if (sgp_iccid_to_bcd(s, bcd) == 0 && sgp_iccid_from_bcd(bcd, 10, text) != 0)
		__builtin_trap();	/* what encodes must decode */
	sgp_iccid_from_bcd(data, size, text);
	sgp_eid_from_bcd(data, size, text);
	http_url_parse(s, &u);
	sgp_duration_parse(s, &ms);
	sgp_buf_free(&b);
	free(s);
	return 0;
}
