/* sgp32lab: SM-DP+ — the JSON binding of ES2+ (SGP.22 v2.5 5.3, 6.5.2:
 * operator <-> SM-DP+) and of ES12 (5.8, SM-DP+ -> SM-DS), on the engine of
 * core/es9/json_msg.h.  Requests carry the mandatory header
 * {functionRequesterIdentifier, functionCallIdentifier}. */
#ifndef SGP_SMDP_ES2PLUS_H
#define SGP_SMDP_ES2PLUS_H

#include "core/es9/json_msg.h"

#define ES2_PATH_PREFIX "/gsma/rsp2/es2plus/"
#define ES12_PATH_PREFIX "/gsma/rsp2/es12/"

/* 5.3.1 DownloadOrder */
struct es2_download_order_req {
	struct es_req_header header;
	char *eid, *iccid, *profile_type;	/* all optional */
};
struct es2_download_order_resp {
	struct es_resp_header header;
	char *iccid;
};
/* 5.3.2 ConfirmOrder */
struct es2_confirm_order_req {
	struct es_req_header header;
	char *iccid, *eid, *matching_id, *confirmation_code, *smds_address;
	bool release_flag, has_release_flag;
};
struct es2_confirm_order_resp {
	struct es_resp_header header;
	char *eid, *matching_id, *smdp_address;
};
/* 5.3.3 CancelOrder */
struct es2_cancel_order_req {
	struct es_req_header header;
	char *iccid, *eid, *matching_id, *final_profile_status_indicator;
};
/* 5.3.4 ReleaseProfile */
struct es2_release_profile_req {
	struct es_req_header header;
	char *iccid;
};
/* 5.3.5 HandleDownloadProgressInfo (SM-DP+ -> operator) */
struct es2_download_progress_req {
	struct es_req_header header;
	char *eid, *iccid, *profile_type, *timestamp;
	long notification_point_id;
	bool has_notification_point_id;
	struct es_resp_header notification_point_status;
};
/* ES12 5.8.1 RegisterEvent / 5.8.2 DeleteEvent */
struct es12_register_event_req {
	struct es_req_header header;
	char *eid, *rsp_server_address, *event_id;
};
struct es12_delete_event_req {
	struct es_req_header header;
	char *eid, *event_id;
};

extern const struct json_msg_desc es2_download_order_req_desc;
extern const struct json_msg_desc es2_download_order_resp_desc;
extern const struct json_msg_desc es2_confirm_order_req_desc;
extern const struct json_msg_desc es2_confirm_order_resp_desc;
extern const struct json_msg_desc es2_cancel_order_req_desc;
extern const struct json_msg_desc es2_release_profile_req_desc;
extern const struct json_msg_desc es2_download_progress_req_desc;
extern const struct json_msg_desc es12_register_event_req_desc;
extern const struct json_msg_desc es12_delete_event_req_desc;

#endif
