from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = "Рейтинги и статус «Цифровая школа»"

    def ready(self) -> None:
        # Key results of roadmaps take their state from the indicator progress this app computes.
        from indicators.selectors import progress_reader_register

        from .selectors import latest_progress_by_indicator

        progress_reader_register(latest_progress_by_indicator)
