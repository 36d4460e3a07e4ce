from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Опросные формы и мониторинги"

    def ready(self) -> None:
        # An administrator's edit of a school's facts or of an indicator makes the open rounds they touch stale.
        from indicators.signals import indicator_changed
        from schools.signals import school_facts_changed

        from . import receivers

        school_facts_changed.connect(receivers.on_school_facts_changed, dispatch_uid="surveys-school-facts-changed")
        indicator_changed.connect(receivers.on_indicator_changed, dispatch_uid="surveys-indicator-changed")
