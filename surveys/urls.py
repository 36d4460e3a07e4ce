from django.urls import path

from . import document_views, review_views, round_views, views

app_name = "surveys"

urlpatterns = [
    path("", views.round_list, name="round-list"),
    path("my-school/", views.my_school, name="my-school"),
    path("<int:round_id>/", views.round_completeness, name="round-completeness"),
    path("<int:round_id>/reminders/", views.round_remind, name="round-remind"),
    path("<int:round_id>/form/", views.submission_form, name="submission-form"),
    path("<int:round_id>/form/autosave/", views.submission_autosave, name="submission-autosave"),
    path("submissions/<int:submission_id>/", views.submission_review, name="submission-review"),
    path("answers/<int:answer_id>/file/", views.answer_file, name="answer-file"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence-file"),
    path("new/", round_views.round_create_view, name="round-create"),
    path("joinable/", round_views.round_joinable_view, name="round-joinable"),
    path("<int:round_id>/manage/", round_views.round_manage, name="round-manage"),
    path("<int:round_id>/participants/", round_views.round_participants_view, name="round-participants"),
    path("<int:round_id>/participants/<int:school_id>/remove/", round_views.round_participant_remove, name="round-participant-remove"),
    path("<int:round_id>/participants/join-all/", round_views.round_join_all, name="round-join-all"),
    path("<int:round_id>/open/", round_views.round_open_view, name="round-open"),
    path("<int:round_id>/extend/", round_views.round_extend_view, name="round-extend"),
    path("<int:round_id>/close/", round_views.round_close_view, name="round-close"),
    path("<int:round_id>/fix/", round_views.round_fix_view, name="round-fix"),
    path("<int:round_id>/reopen/", round_views.round_reopen_view, name="round-reopen"),
    path("queue/", review_views.review_queue, name="review-queue"),
    path("documents/", document_views.document_list, name="document-list"),
    path("documents/<int:pk>/", document_views.document_detail, name="document-detail"),
    path("documents/<int:pk>/remind/", document_views.document_remind, name="document-remind"),
    path("documents/<int:pk>/upload/", document_views.document_upload, name="document-upload"),
    path("documents/files/<int:pk>/", document_views.document_file, name="document-file"),
    path("queue/accept/", review_views.review_bulk_accept, name="review-bulk-accept"),
    path("<int:round_id>/form/message/", review_views.question_message_add, name="question-message"),
]
