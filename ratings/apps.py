from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = "Рейтинги и статус «Цифровая школа»"

    def ready(self) -> None:
        # Surveys says when a round's results went stale (after commit) and when a questionnaire got a new version
        # (inside its transaction); ratings queues the recompute and copies the scoring rules.
        from surveys.signals import questionnaire_versioned, results_stale

        from . import receivers

        results_stale.connect(receivers.on_results_stale, dispatch_uid="ratings-results-stale")
        questionnaire_versioned.connect(receivers.on_questionnaire_versioned, dispatch_uid="ratings-questionnaire-versioned")

        # Key results of roadmaps take their state from the indicator progress this app computes.
        from indicators.selectors import progress_reader_register

        from .selectors import latest_progress_by_indicator

        progress_reader_register(latest_progress_by_indicator)
