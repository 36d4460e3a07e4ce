from django.urls import path

from . import review_views, views

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
    path("queue/", review_views.review_queue, name="review-queue"),
    path("queue/accept/", review_views.review_bulk_accept, name="review-bulk-accept"),
    path("<int:round_id>/form/message/", review_views.question_message_add, name="question-message"),
]
