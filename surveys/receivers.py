"""What surveys does when the apps below it say something changed (connected in `SurveysConfig.ready`)."""

from .services.results import results_inputs_changed


def on_school_facts_changed(sender, *, school_ids, **kwargs) -> None:
    results_inputs_changed(school_ids=school_ids)


def on_indicator_changed(sender, *, indicator_ids, **kwargs) -> None:
    results_inputs_changed(indicator_ids=indicator_ids)
