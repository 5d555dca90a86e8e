#include "pod_schema.h"

#include "log.h"

#include <string.h>

/*
 * Same names and order as Esup-Pod's export_data_from_v3_to_v4 so that files
 * are interchangeable. Some only exist in later 3.8.x releases: they are
 * skipped with a notice when the source lacks them.
 */
const char *const pod_v3_tables[] = {
	"ai_enhancement_aienhancement",
	"authentication_accessgroup",
	"authentication_accessgroup_sites",
	"authentication_accessgroup_users",
	"authentication_groupsite",
	"authentication_groupsite_sites",
	"authentication_owner",
	"authentication_owner_accessgroups",
	"authentication_owner_sites",
	"authtoken_token",
	"auth_group",
	"auth_group_permissions",
	"auth_permission",
	"auth_user",
	"auth_user_groups",
	"auth_user_user_permissions",
	"captcha_captchastore",
	"chapter_chapter",
	"completion_contributor",
	"completion_document",
	"completion_enrichmodelqueue",
	"completion_overlay",
	"completion_track",
	"cut_cutvideo",
	"django_admin_log",
	"django_content_type",
	"django_flatpage",
	"django_flatpage_sites",
	"django_site",
	"dressing_dressing",
	"dressing_dressing_allow_to_groups",
	"dressing_dressing_owners",
	"dressing_dressing_users",
	"dressing_dressing_videos",
	"enrichment_enrichment",
	"enrichment_enrichmentgroup",
	"enrichment_enrichmentgroup_groups",
	"enrichment_enrichmentvtt",
	"import_video_externalrecording",
	"live_broadcaster",
	"live_broadcaster_manage_groups",
	"live_building",
	"live_building_sites",
	"live_event",
	"live_event_additional_owners",
	"live_event_restrict_access_to_groups",
	"live_event_videos",
	"live_event_viewers",
	"live_heartbeat",
	"live_livetranscriptrunningtask",
	"main_additionalchanneltab",
	"main_block",
	"main_block_sites",
	"main_configuration",
	"main_customfilemodel",
	"main_customimagemodel",
	"main_linkfooter",
	"main_linkfooter_sites",
	"meeting",
	"meeting_additional_owners",
	"meeting_internalrecording",
	"meeting_livegateway",
	"meeting_livestream",
	"meeting_meetingsessionlog",
	"meeting_restrict_access_to_groups",
	"playlist_playlist",
	"playlist_playlistcontent",
	"playlist_playlist_additional_owners",
	"podfile_customfilemodel",
	"podfile_customimagemodel",
	"podfile_userfolder",
	"podfile_userfolder_access_groups",
	"podfile_userfolder_users",
	"quiz_multiplechoicequestion",
	"quiz_quiz",
	"quiz_shortanswerquestion",
	"quiz_singlechoicequestion",
	"quiz_truefalsequestion",
	"recorder_recorder",
	"recorder_recorder_additional_users",
	"recorder_recorder_channel",
	"recorder_recorder_discipline",
	"recorder_recorder_restrict_access_to_groups",
	"recorder_recorder_sites",
	"recorder_recorder_theme",
	"recorder_recording",
	"recorder_recordingfile",
	"recorder_recordingfiletreatment",
	"speaker_job",
	"speaker_jobvideo",
	"speaker_speaker",
	"thumbnail_kvstore",
	"video_advancednotes",
	"video_category",
	"video_category_video",
	"video_channel",
	"video_channel_add_channels_tab",
	"video_channel_allow_to_groups",
	"video_channel_owners",
	"video_channel_users",
	"video_comment",
	"video_discipline",
	"video_encode_transcript_encodingaudio",
	"video_encode_transcript_encodinglog",
	"video_encode_transcript_encodingstep",
	"video_encode_transcript_encodingvideo",
	"video_encode_transcript_playlistvideo",
	"video_encode_transcript_videorendition",
	"video_encode_transcript_videorendition_sites",
	"video_notecomments",
	"video_notes",
	"video_theme",
	"video_type",
	"video_type_sites",
	"video_updateowner",
	"video_usermarkertime",
	"video_video",
	"video_videoaccesstoken",
	"video_videotodelete",
	"video_videotodelete_video",
	"video_videoversion",
	"video_video_additional_owners",
	"video_video_channel",
	"video_video_discipline",
	"video_video_restrict_access_to_groups",
	"video_video_sites",
	"video_video_theme",
	"video_viewcount",
	"video_vote",
	"webpush_group",
	"webpush_pushinformation",
	"webpush_subscriptioninfo",
};

const size_t pod_v3_table_count = sizeof(pod_v3_tables) / sizeof(pod_v3_tables[0]);

const PodTagSource pod_tag_sources[] = {
	{"video_tagging_tag_2_tagulous", "video_id", "video", "video", "video_video",
	 "video_tagulous_video_tags", "video_video_tags", "video_id", "tagulous_video_tags_id"},
	{"recorder_tagging_tag_2_tagulous", "recorder_id", "recorder", "recorder", "recorder_recorder",
	 "recorder_tagulous_recorder_tags", "recorder_recorder_tags", "recorder_id", "tagulous_recorder_tags_id"},
};

const size_t pod_tag_source_count = sizeof(pod_tag_sources) / sizeof(pod_tag_sources[0]);

const PodTagSource *pod_tag_source_of_relation(const char *table)
{
	for (size_t i = 0; i < pod_tag_source_count; i++)
		if (strcmp(table, pod_tag_sources[i].relation_table) == 0)
			return &pod_tag_sources[i];
	return NULL;
}

const PodTagSource *pod_tag_source_find(const char *table)
{
	for (size_t i = 0; i < pod_tag_source_count; i++)
		if (strcmp(table, pod_tag_sources[i].table) == 0)
			return &pod_tag_sources[i];
	return NULL;
}

/* From the v4.0.3 models (tests/data/DIFF.md): the NOT NULL columns with a model default. */
static const struct {
	const char *table, *column, *value;
} v4_defaults[] = {
	{"video_tagulous_video_tags", "count", "0"},
	{"video_tagulous_video_tags", "protected", "0"},
	{"recorder_tagulous_recorder_tags", "count", "0"},
	{"recorder_tagulous_recorder_tags", "protected", "0"},
};

const char *pod_v4_model_default(const char *table, const char *column)
{
	for (size_t i = 0; i < sizeof(v4_defaults) / sizeof(v4_defaults[0]); i++)
		if (!strcmp(v4_defaults[i].table, table) && !strcmp(v4_defaults[i].column, column))
			return v4_defaults[i].value;
	return NULL;
}

const char *pod_v4_dropped_column(const char *table, const char *column)
{
	if (!strcmp(column, "tags") && (!strcmp(table, "video_video") || !strcmp(table, "recorder_recorder")))
		return "v4 keeps tags in tagulous tables, built from the tag pseudo-tables";
	return NULL;
}

/* No problem, or one said: a warning with force, else an error that stops the command. */
static bool verdict(const char *problem, bool force, const char *side, const char *version, const char *doing,
                    const char *force_hint)
{
	if (!problem)
		return true;
	if (force) {
		log_warn("the %s does not look like a Pod %s database: %s; %s anyway (--force)", side, version, problem,
		         doing);
		return true;
	}
	log_error("the %s does not look like a Pod %s database: %s. Check --db, or use --force%s", side, version,
	          problem, force_hint);
	return false;
}

/* Refuses what is not a Pod v3.8 schema: wrong database, or already migrated to v4. */
bool pod_check_v3(const StrList *tables, bool force)
{
	const char *problem = NULL;
	if (!strlist_contains(tables, "video_video"))
		problem = "it has no video_video table";
	else if (strlist_contains(tables, "video_tagulous_video_tags"))
		problem = "it has Pod v4's tagulous tables (video_tagulous_video_tags): it is already a v4 database";
	else if (!strlist_contains(tables, "tagging_taggeditem") || !strlist_contains(tables, "tagging_tag"))
		problem = "it has no django-tagging tables (tagging_tag, tagging_taggeditem)";
	return verdict(problem, force, "source", "v3.8", "exporting", " to export anyway");
}

/* Refuses a target that is not a Pod v4 schema: wrong database, or still v3. */
bool pod_check_v4(const StrList *tables, bool force)
{
	const char *problem = NULL;
	if (!strlist_contains(tables, "video_video"))
		problem = tables->count == 0 ? "it has no tables (run Pod v4's 'make createDB' first)"
		                             : "it has no video_video table";
	else if (!strlist_contains(tables, "video_tagulous_video_tags"))
		problem = "it has no tagulous tables (video_tagulous_video_tags): it is not a Pod v4 database";
	return verdict(problem, force, "target", "v4", "importing", "");
}

static bool pod_v4_keeps_own_rows(const char *table)
{
	return !strcmp(table, "django_content_type") || !strcmp(table, "auth_permission");
}

bool pod_v4_model_has_table(const char *app_label, size_t app_len, const char *model, size_t model_len,
                            const StrList *v4_tables)
{
	StrBuf name = STRBUF_INIT;
	sb_append(&name, app_label, app_len);
	sb_putc(&name, '_');
	sb_append(&name, model, model_len);
	bool found = strlist_contains(v4_tables, name.data);
	sb_free(&name);
	return found;
}

bool pod_v4_own_row(const char *table, const DbColumns *columns, const DbValue *values, const StrList *v4_tables)
{
	if (strcmp(table, "django_content_type") != 0)
		return pod_v4_keeps_own_rows(table);
	int app = db_column_index(columns, "app_label", 9), model = db_column_index(columns, "model", 5);
	return app >= 0 && model >= 0 && values[app].data && values[model].data &&
	       pod_v4_model_has_table(values[app].data, values[app].len, values[model].data, values[model].len,
	                              v4_tables);
}
