"""The round's participants become a model of their own with the facts the round keeps of each school.

The plain many-to-many table stays (its name and columns); the model is declared over it, then gains the facts,
filled from each school's current row (the best record there is of rounds that were open before this change)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def record_facts(apps, schema_editor):
    RoundParticipant = apps.get_model("surveys", "RoundParticipant")
    School = apps.get_model("schools", "School")
    facts = {pk: (district_id, is_urban, is_active) for pk, district_id, is_urban, is_active in School.objects.values_list("pk", "district_id", "is_urban", "is_active")}
    rows = list(RoundParticipant.objects.all())
    for row in rows:
        row.district_id, row.is_urban, row.is_active = facts[row.school_id]
    RoundParticipant.objects.bulk_update(rows, ["district", "is_urban", "is_active"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0001_initial"),
        ("surveys", "0007_historicalsubmissionround"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RoundParticipant",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "round",
                            models.ForeignKey(
                                db_column="submissionround_id",
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="participant_rows",
                                to="surveys.submissionround",
                                verbose_name="раунд",
                            ),
                        ),
                        (
                            "school",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="round_participations", to="schools.school", verbose_name="школа"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "участник раунда",
                        "verbose_name_plural": "участники раунда",
                        "db_table": "surveys_submissionround_schools",
                        "unique_together": {("round", "school")},
                    },
                ),
                migrations.AlterField(
                    model_name="submissionround",
                    name="schools",
                    field=models.ManyToManyField(
                        blank=True, related_name="rounds", through="surveys.RoundParticipant", to="schools.school", verbose_name="участвуют школы"
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="roundparticipant",
            name="district",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="schools.district", verbose_name="район в раунде"
            ),
        ),
        migrations.AddField(
            model_name="roundparticipant",
            name="is_urban",
            field=models.BooleanField(default=True, verbose_name="городская в раунде"),
        ),
        migrations.AddField(
            model_name="roundparticipant",
            name="is_active",
            field=models.BooleanField(
                default=True,
                help_text="Неактивная (закрытая, реорганизованная) школа не участвует в итогах раунда: ни в рейтинге, ни в статусе, ни в показателях, полноте сбора, напоминаниях и выгрузках.",
                verbose_name="действует в раунде",
            ),
        ),
        migrations.AddField(
            model_name="roundparticipant",
            name="joined_at",
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True, verbose_name="включена в раунд"),
        ),
        migrations.RunPython(record_facts, migrations.RunPython.noop),
    ]
