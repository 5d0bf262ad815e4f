/* sgp32lab: ICCID and EID encodings */
#include "core/ids.h"
#include "core/err.h"

#include <string.h>

int sgp_iccid_to_bcd(const char *text, uint8_t bcd[SGP_ICCID_BCD_LEN])
{
	size_t n = text ? strlen(text) : 0;

	if (n < 18 || n > SGP_ICCID_MAX_DIGITS)
		return SGP_ERR_PARSE;
	memset(bcd, 0xff, SGP_ICCID_BCD_LEN);
	for (size_t i = 0; i < n; i++) {
		uint8_t d;
		if (text[i] < '0' || text[i] > '9')
			return SGP_ERR_PARSE;
		d = (uint8_t)(text[i] - '0');
		if (i % 2 == 0)
			bcd[i / 2] = (uint8_t)((bcd[i / 2] & 0xf0) | d);
		else
			bcd[i / 2] = (uint8_t)((bcd[i / 2] & 0x0f) | d << 4);
	}
	return SGP_OK;
}

int sgp_iccid_from_bcd(const uint8_t *bcd, size_t len, char text[SGP_ICCID_MAX_DIGITS + 1])
{
	size_t o = 0;
	int padded = 0;

	if (len != SGP_ICCID_BCD_LEN)
		return SGP_ERR_PARSE;
	for (size_t i = 0; i < 2 * len; i++) {
		uint8_t d = i % 2 == 0 ? bcd[i / 2] & 0x0f : bcd[i / 2] >> 4;
		if (d == 0xf) {
			padded = 1;
			continue;
		}
		if (d > 9 || padded)
			return SGP_ERR_PARSE;	/* a digit after the padding */
		text[o++] = (char)('0' + d);
	}
	text[o] = '\0';
	return o >= 18 ? SGP_OK : SGP_ERR_PARSE;
}

int sgp_eid_to_bcd(const char *text, uint8_t bcd[SGP_EID_BCD_LEN])
{
	if (!text || strlen(text) != SGP_EID_DIGITS)
		return SGP_ERR_PARSE;
	for (size_t i = 0; i < SGP_EID_DIGITS; i++) {
		if (text[i] < '0' || text[i] > '9')
			return SGP_ERR_PARSE;
		if (i % 2 == 0)
			bcd[i / 2] = (uint8_t)((text[i] - '0') << 4);
		else
			bcd[i / 2] |= (uint8_t)(text[i] - '0');
	}
	return SGP_OK;
}

int sgp_eid_from_bcd(const uint8_t *bcd, size_t len, char text[SGP_EID_DIGITS + 1])
{
	if (len != SGP_EID_BCD_LEN)
		return SGP_ERR_PARSE;
	for (size_t i = 0; i < SGP_EID_BCD_LEN; i++) {
		if ((bcd[i] >> 4) > 9 || (bcd[i] & 0xf) > 9)
			return SGP_ERR_PARSE;
		text[2 * i] = (char)('0' + (bcd[i] >> 4));
		text[2 * i + 1] = (char)('0' + (bcd[i] & 0xf));
	}
	text[SGP_EID_DIGITS] = '\0';
	return SGP_OK;
}
